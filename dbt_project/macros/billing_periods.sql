{#
    Incremental builds by billing period.

    A Dagster run over a partition range passes it in the environment:
        FINOPS_BILLING_PERIOD_FROM=2025-03 FINOPS_BILLING_PERIOD_TO=2025-04 dbt build
    (read only at execution, so `dbt parse` never records them and partial parsing survives from
    one run to the next), or by hand as vars, which win over the environment:
        dbt build --vars '{"billing_period_from": "2025-03", "billing_period_to": "2025-04"}'
    Incremental models (materialized='incremental', incremental_strategy='delete+insert',
    unique_key='billing_period') then select only those periods, and dbt replaces exactly those
    periods of the existing table. Without a range (plain `dbt build`, the tests) or on the first
    build (no table yet) every period is selected. Ingestion replaces a whole (source, account,
    period), so rebuilding the periods a run ingested is complete.
#}

{#
    The range this invocation builds, as ['YYYY-MM', 'YYYY-MM'], or none (every period).
    vars billing_period_from / billing_period_to (to defaults to from) win; else, at execution
    only, env FINOPS_BILLING_PERIOD_FROM / FINOPS_BILLING_PERIOD_TO. At parse time (execute is
    false) only the vars count: an env_var() call there would be recorded in the partial-parse
    state and re-parse the project whenever the range changes.
#}
{% macro billing_period_range() -%}
    {%- if var('billing_period_from', none) is not none -%}
        {%- set first = var('billing_period_from') -%}
        {%- set last = var('billing_period_to', first) -%}
        {%- set origin = "vars billing_period_from / billing_period_to" -%}
    {%- elif execute and env_var('FINOPS_BILLING_PERIOD_FROM', '') != '' -%}
        {%- set first = env_var('FINOPS_BILLING_PERIOD_FROM') -%}
        {%- set last = env_var('FINOPS_BILLING_PERIOD_TO', '') or first -%}
        {%- set origin = "env FINOPS_BILLING_PERIOD_FROM / FINOPS_BILLING_PERIOD_TO" -%}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not (first is string and last is string and first | length == 7 and last | length == 7
        and first[4] == '-' and last[4] == '-' and first <= last) -%}
        {{ exceptions.raise_compiler_error(
            origin ~ " must be 'YYYY-MM' strings, from <= to; got " ~ first ~ " / " ~ last
            ~ "; e.g. FINOPS_BILLING_PERIOD_FROM=2025-03 FINOPS_BILLING_PERIOD_TO=2025-04, or "
            ~ "--vars '{billing_period_from: 2025-03, billing_period_to: 2025-04}'"
        ) }}
    {%- endif -%}
    {{ return([first, last]) }}
{%- endmacro %}

{# true when this invocation builds only a range of billing periods #}
{% macro billing_period_range_given() -%}
    {{ return(billing_period_range() is not none) }}
{%- endmacro %}

{#
    The predicate limiting `column` (a 'YYYY-MM' billing period) to the run's range in an
    incremental run; `true` otherwise (full build, first build, no range).
#}
{% macro billing_period_filter(column='billing_period') -%}
    {#- unit tests have no relation (`this` is none): they always see every period -#}
    {%- if billing_period_range_given() and this is not none and is_incremental() -%}
        {%- set first, last = billing_period_range() -%}
        {{ column }} between '{{ first }}' and '{{ last }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#
    Data tests in an incremental run look at the periods that run rebuilt: the other periods
    were tested when they were built and have not changed since. Only single-table tests of the
    incremental models are narrowed (not_null, unique, accepted_values, unique_combination,
    expression_is_true, and relationships, whose parent side stays whole); tests that compare
    totals with another model (cost_conserved, tag_coverage, ...) keep the whole table. Without a
    range every test sees every row. The test's own `where` config, if any, still applies.
    Overrides dbt's get_where_subquery.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set narrowed = [] -%}
    {%- if billing_period_range_given()
        and relation.identifier in billing_period_incremental_models()
        and (model.test_metadata or {}).get('name') in [
            'not_null', 'unique', 'accepted_values', 'unique_combination', 'expression_is_true',
            'relationships'
        ] -%}
        {%- set first, last = billing_period_range() -%}
        {%- do narrowed.append("billing_period between '" ~ first ~ "' and '" ~ last ~ "'") -%}
    {%- endif -%}
    {%- if where -%}
        {%- do narrowed.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if narrowed -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ narrowed | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{# The models materialized incremental by billing period (their tests can be narrowed). #}
{% macro billing_period_incremental_models() -%}
    {{ return([
        'int_cost__focus_unioned', 'int_cost__amortized', 'int_cost__attributed',
        'int_cost__shared_split', 'fct_allocated_cost', 'team_cost_daily', 'tag_coverage',
        'untagged_spend', 'invoice_reconciliation', 'int_optimization__resource_families',
        'int_rollup__team_product_daily', 'int_optimization__commitment_usage'
    ]) }}
{%- endmacro %}
