{# FOCUS 1.2 enumerations, used by the models and (as literal lists) by the YAML tests #}

{% macro focus_service_categories() -%}
    {{ return([
        'AI and Machine Learning', 'Analytics', 'Business Applications', 'Compute', 'Databases',
        'Developer Tools', 'Multicloud', 'Identity', 'Integration', 'Internet of Things',
        'Management and Governance', 'Media', 'Migration', 'Mobile', 'Networking', 'Security',
        'Storage', 'Web', 'Other'
    ]) }}
{%- endmacro %}

{# the FOCUS spelling of a service category given in any case, NULL when not a FOCUS value #}
{% macro canonical_service_category(expr) -%}
    case lower(trim({{ expr }}))
    {%- for category in focus_service_categories() %}
        when '{{ category | lower }}' then '{{ category }}'
    {%- endfor %}
    end
{%- endmacro %}

{# a row key from several columns (NULL-safe); DuckDB's hash is fast, md5 elsewhere #}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash', 'finops')(columns)) }}
{%- endmacro %}
{% macro default__row_hash(columns) -%}
    md5(concat_ws('|'
    {%- for column in columns %}, coalesce(cast({{ column }} as varchar), '\x00'){% endfor -%}
    ))
{%- endmacro %}
{% macro duckdb__row_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}
