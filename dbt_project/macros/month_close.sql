{#
    Month close (finops/close.py, docs/month-close.md). `finops close PERIOD` copies the period's
    fct_allocated_cost rows into month_close.allocated_cost and records the close in
    month_close.period_events (view month_close.closed_periods lists the closed periods);
    `finops reopen PERIOD` deletes them again, with who and why.

    month_close_frozen(cte) is the final select of fct_allocated_cost: rows of closed periods
    come from the frozen copy, the others from `cte`, so a rule edited after the close does not
    change a closed month. Before the first close the tables do not exist and it is plain
    `select * from cte`. Both sides select the model's contract columns by name; a column added
    to the fact after a close is NULL in the closed periods (docs/month-close.md).
#}
{% macro month_close_frozen(cte_name) -%}
    {%- set frozen = none -%}
    {%- set closed = none -%}
    {%- if execute -%}
        {%- set frozen = adapter.get_relation(
            database=target.database, schema='month_close', identifier='allocated_cost') -%}
        {%- set closed = adapter.get_relation(
            database=target.database, schema='month_close', identifier='closed_periods') -%}
    {%- endif -%}
    {%- if frozen is not none and closed is not none -%}
        {%- set frozen_columns = adapter.get_columns_in_relation(frozen) | map(attribute='name') | map('lower') | list -%}
        {#- the model's contract columns (all of them, in order); a column the frozen copy does
            not have yet is NULL for closed periods -#}
        {%- set names = model.columns.keys() | list if model.columns else frozen_columns -%}
select
    {{ names | join(',\n    ') }}
from {{ cte_name }}
where billing_period not in (select closed.billing_period from {{ closed }} as closed)
union all
select
    {%- for name in names %}
    {% if name | lower in frozen_columns %}{{ name }}{% else %}cast(null as {{ model.columns[name].data_type }}) as {{ name }}{% endif %}{{ ',' if not loop.last }}
    {%- endfor %}
from {{ frozen }}
where billing_period in (select closed.billing_period from {{ closed }} as closed)
    {#- an incremental run over a range of periods (macros/billing_periods.sql) takes only those -#}
    {%- if billing_period_filter is defined %}
    and {{ billing_period_filter('billing_period') }}
    {%- endif %}
    {%- else %}
select * from {{ cte_name }}
    {%- endif -%}
{%- endmacro %}
