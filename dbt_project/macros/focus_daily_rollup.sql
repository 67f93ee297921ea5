{#
    The dimensions the conformed cost models share in their daily rollup (fct_allocated_cost
    uses focus_daily_rollup with its own list); each conformed model adds its
    own (x_source, service code, tags column, x_amortize, ...).
#}
{% macro focus_daily_dimensions() -%}
    {{ return([
        'provider', 'billing_account_id', 'sub_account_id', 'billing_period', 'charge_date',
        'charge_category', 'charge_class', 'charge_frequency', 'service_name', 'region',
        'resource_id', 'pricing_category', 'commitment_discount_id', 'commitment_discount_type',
        'commitment_discount_status', 'billing_currency', 'consumed_unit', 'x_line_item_type'
    ]) }}
{%- endmacro %}

{#
    Roll `relation` up to one row per distinct `dimensions`: the dimensions, then
    `<agg>(<column>) as <column>` for each [agg, column] of `measures` (default: the FOCUS
    account names and cost / quantity sums), then `count(*) as x_row_count`. The group by is
    the same list, spelled out (no `group by all`) so it stays portable.
#}
{% macro focus_daily_rollup(relation, dimensions, measures=none) -%}
    {%- set measures = measures if measures is not none else [
        ['max', 'billing_account_name'], ['max', 'sub_account_name'],
        ['sum', 'billed_cost'], ['sum', 'effective_cost'], ['sum', 'list_cost'],
        ['sum', 'contracted_cost'], ['sum', 'consumed_quantity']
    ] -%}
    select
        {%- for column in dimensions %}
        {{ column }},
        {%- endfor %}
        {%- for agg, column in measures %}
        {{ agg }}({{ column }}) as {{ column }},
        {%- endfor %}
        count(*) as x_row_count
    from {{ relation }}
    group by
        {%- for column in dimensions %}
        {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
{%- endmacro %}
