{#
    Custom schemas are used verbatim: `+schema: marts` builds into `marts`, not `main_marts`,
    so BI tools and the lead's Dagster assets see stable schema names in every environment.
    Models without a custom schema land in the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
