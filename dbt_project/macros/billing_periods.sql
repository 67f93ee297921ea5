{#
    Incremental builds by billing period.

    A Dagster run over a partition range passes it as vars:
        dbt build --vars '{"billing_period_from": "2025-03", "billing_period_to": "2025-04"}'
    Incremental models (materialized='incremental', incremental_strategy='delete+insert',
    unique_key='billing_period') then select only those periods, and dbt replaces exactly those
    periods of the existing table. Without the vars (plain `dbt build`, the tests) or on the first
    build (no table yet) every period is selected. Ingestion replaces a whole (source, account,
    period), so rebuilding the periods a run ingested is complete.
#}

{# true when this invocation builds only a range of billing periods #}
{% macro billing_period_range_given() -%}
    {{ return(var('billing_period_from', none) is not none) }}
{%- endmacro %}

{#
    The predicate limiting `column` (a 'YYYY-MM' billing period) to the vars' range in an
    incremental run; `true` otherwise (full build, first build, no vars).
#}
{% macro billing_period_filter(column='billing_period') -%}
    {#- unit tests have no relation (`this` is none): they always see every period -#}
    {%- if billing_period_range_given() and this is not none and is_incremental() -%}
        {%- set first = var('billing_period_from') -%}
        {%- set last = var('billing_period_to', first) -%}
        {%- if not (first is string and last is string and first | length == 7 and last | length == 7) -%}
            {{ exceptions.raise_compiler_error(
                "vars billing_period_from / billing_period_to must be 'YYYY-MM' strings, got "
                ~ first ~ " / " ~ last ~ "; e.g. --vars '{billing_period_from: 2025-03, "
                ~ "billing_period_to: 2025-04}'"
            ) }}
        {%- endif -%}
        {{ column }} between '{{ first }}' and '{{ last }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
