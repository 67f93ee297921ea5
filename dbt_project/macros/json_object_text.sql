{#
    Normalize a "JSON object" text column: trims it, wraps a body written without its outer
    braces (Azure EA exports: `"team": "x","env": "prod"`) in `{...}`, and maps '', '{}' and
    'NULL' to NULL. Plain string functions only, so it is portable.
#}
{% macro json_object_text(column) -%}
    case
        when {{ column }} is null then null
        when trim({{ column }}) in ('', '{}', 'NULL', 'null') then null
        when left(trim({{ column }}), 1) = {{ "'{'" }} then trim({{ column }})
        else {{ "'{'" }} || trim({{ column }}) || {{ "'}'" }}
    end
{%- endmacro %}
