{# The columns of int_cost__focus_unioned, in order (the amortized model keeps the same list) #}
{% macro focus_cost_columns() -%}
    {{ return([
        'x_source', 'provider', 'billing_account_id', 'billing_account_name', 'sub_account_id',
        'sub_account_name', 'billing_period', 'charge_date', 'charge_category', 'charge_class',
        'charge_frequency', 'service_name', 'service_category', 'region', 'resource_id',
        'pricing_category', 'commitment_discount_id', 'commitment_discount_type',
        'commitment_discount_category', 'commitment_discount_status', 'billing_currency',
        'billed_cost', 'effective_cost', 'list_cost', 'contracted_cost', 'consumed_quantity',
        'consumed_unit', 'tags', 'x_inherited_tags', 'x_service_code', 'x_line_item_type',
        'x_amortize', 'x_row_count', 'x_tag_set_id', 'x_attribution_key', 'x_cost_row_key'
    ]) }}
{%- endmacro %}

{#
    A select list of `columns` taken from `alias`, except those in `overrides`
    ({column: sql expression}), which are replaced by `<expression> as <column>` in place.
    Portable stand-in for DuckDB's `select * replace (...)`.
#}
{% macro select_columns(alias, columns, overrides={}) -%}
    {%- for column in columns %}
        {%- if column in overrides %}
        {{ overrides[column] }} as {{ column }}
        {%- else %}
        {{ alias }}.{{ column }}
        {%- endif %}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}
