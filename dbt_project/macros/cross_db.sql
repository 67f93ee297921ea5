{#
    The few engine-specific expressions the models need, behind adapter.dispatch so that the
    same models can run on another adapter (Spark via dbt-spark) by adding `spark__` versions.
    Everything else in the models is plain ANSI SQL plus dbt's cross-database macros.
#}

{# value of `key` in a MAP(varchar, varchar), NULL when absent #}
{% macro map_get(map_expr, key_expr) -%}
    {{ return(adapter.dispatch('map_get', 'finops')(map_expr, key_expr)) }}
{%- endmacro %}
{% macro default__map_get(map_expr, key_expr) -%}
    element_at({{ map_expr }}, {{ key_expr }})
{%- endmacro %}
{% macro duckdb__map_get(map_expr, key_expr) -%}
    map_extract_value({{ map_expr }}, {{ key_expr }})
{%- endmacro %}

{# a MAP(varchar, varchar) serialized as a JSON object text ('{"k":"v"}'); NULL stays NULL #}
{% macro map_to_json_text(map_expr) -%}
    {{ return(adapter.dispatch('map_to_json_text', 'finops')(map_expr)) }}
{%- endmacro %}
{% macro default__map_to_json_text(map_expr) -%}
    to_json({{ map_expr }})
{%- endmacro %}
{% macro duckdb__map_to_json_text(map_expr) -%}
    case when cardinality({{ map_expr }}) > 0 then to_json({{ map_expr }})::varchar end
{%- endmacro %}

{# a JSON object text -> MAP(varchar, varchar); values become text; unparseable -> NULL #}
{% macro json_to_string_map(json_expr) -%}
    {{ return(adapter.dispatch('json_to_string_map', 'finops')(json_expr)) }}
{%- endmacro %}
{% macro default__json_to_string_map(json_expr) -%}
    from_json({{ json_expr }}, 'map<string,string>')
{%- endmacro %}
{% macro duckdb__json_to_string_map(json_expr) -%}
    try(json_transform({{ json_expr }}, '"MAP(VARCHAR, VARCHAR)"'))
{%- endmacro %}

{#
    A JSON array of {"key": .., "value": ..} (GCP labels) -> JSON object text. Later entries win
    when a key repeats. NULL, '' and '[]' give NULL.
#}
{% macro kv_array_to_json_text(json_expr) -%}
    {{ return(adapter.dispatch('kv_array_to_json_text', 'finops')(json_expr)) }}
{%- endmacro %}
{% macro default__kv_array_to_json_text(json_expr) -%}
    to_json(map_from_entries(transform(
        from_json({{ json_expr }}, 'array<struct<key:string,value:string>>'),
        e -> struct(e.key, e.value))))
{%- endmacro %}
{% macro duckdb__kv_array_to_json_text(json_expr) -%}
    case
        when coalesce(json_array_length(try_cast({{ json_expr }} as json)), 0) > 0
            then to_json(map_from_entries(list_distinct(list_transform(
                try(json_transform(
                    {{ json_expr }}, '[{"key": "VARCHAR", "value": "VARCHAR"}]'
                )),
                lambda e: {'key': e.key, 'value': e.value}
            ))))::varchar
    end
{%- endmacro %}

{#
    Sum of a numeric field over a JSON array of objects (GCP credits amounts), as DECIMAL(38,12);
    0 when the array is NULL or empty.
#}
{% macro json_array_sum(json_expr, field) -%}
    {{ return(adapter.dispatch('json_array_sum', 'finops')(json_expr, field)) }}
{%- endmacro %}
{% macro default__json_array_sum(json_expr, field) -%}
    coalesce(aggregate(
        from_json({{ json_expr }}, 'array<struct<{{ field }}:decimal(38,12)>>'),
        cast(0 as decimal(38, 12)), (acc, e) -> acc + e.{{ field }}), 0)
{%- endmacro %}
{% macro duckdb__json_array_sum(json_expr, field) -%}
    coalesce(list_sum(list_transform(
        try(json_transform({{ json_expr }}, '[{"{{ field }}": "DECIMAL(38,12)"}]')),
        lambda e: e.{{ field }}
    )), 0)::decimal(38, 12)
{%- endmacro %}

{# stop the query with `message` (a SQL string expression) when it is evaluated #}
{% macro raise_error(message_expr) -%}
    {{ return(adapter.dispatch('raise_error', 'finops')(message_expr)) }}
{%- endmacro %}
{% macro default__raise_error(message_expr) -%}
    raise_error({{ message_expr }})
{%- endmacro %}
{% macro duckdb__raise_error(message_expr) -%}
    error({{ message_expr }})
{%- endmacro %}

{#
    Every row of `relation` whose GCP `credits` JSON array is not empty, once per credit, with
    the credit as struct column `credit` {name, amount, type}.
#}
{% macro gcp_credit_rows(relation, json_column) -%}
    {{ return(adapter.dispatch('gcp_credit_rows', 'finops')(relation, json_column)) }}
{%- endmacro %}
{% macro default__gcp_credit_rows(relation, json_column) -%}
    select source_rows.*, credit
    from {{ relation }} as source_rows
    lateral view explode(
        from_json({{ json_column }}, 'array<struct<name:string,amount:decimal(38,12),type:string>>')
    ) exploded as credit
    where left({{ json_column }}, 2) = {{ "'[{'" }}
{%- endmacro %}
{% macro duckdb__gcp_credit_rows(relation, json_column) -%}
    select
        *,
        unnest(json_transform(
            {{ json_column }},
            '[{"name": "VARCHAR", "amount": "DECIMAL(38,12)", "type": "VARCHAR"}]'
        )) as credit
    from {{ relation }}
    where left({{ json_column }}, 2) = {{ "'[{'" }}
{%- endmacro %}

{#
    One row per key of a JSON object column: `carry_columns`, entry_key, entry_value (text).
    Rows whose JSON is NULL or not an object give no rows.
#}
{% macro json_object_entries(relation, json_column, carry_columns) -%}
    {{ return(adapter.dispatch('json_object_entries', 'finops')(relation, json_column, carry_columns)) }}
{%- endmacro %}
{% macro default__json_object_entries(relation, json_column, carry_columns) -%}
    select {{ carry_columns | join(', ') }}, entry_key, entry_value
    from {{ relation }}
    lateral view explode({{ json_to_string_map(json_column) }}) exploded as entry_key, entry_value
    where {{ json_column }} is not null
{%- endmacro %}
{% macro duckdb__json_object_entries(relation, json_column, carry_columns) -%}
    select {{ carry_columns | join(', ') }}, entry.key as entry_key, entry.value as entry_value
    from (
        select
            {{ carry_columns | join(', ') }},
            unnest(map_entries({{ json_to_string_map(json_column) }})) as entry
        from {{ relation }}
        where {{ json_column }} is not null
    ) as exploded
{%- endmacro %}

{# aggregate key/value rows into a MAP(varchar, varchar) (keys must be unique per group) #}
{% macro map_agg(key_expr, value_expr) -%}
    {{ return(adapter.dispatch('map_agg', 'finops')(key_expr, value_expr)) }}
{%- endmacro %}
{% macro default__map_agg(key_expr, value_expr) -%}
    map_from_entries(collect_list(struct({{ key_expr }}, {{ value_expr }})))
{%- endmacro %}
{% macro duckdb__map_agg(key_expr, value_expr) -%}
    map_from_entries(
        list({'key': {{ key_expr }}, 'value': {{ value_expr }}} order by {{ key_expr }})
        filter (where {{ key_expr }} is not null)
    )
{%- endmacro %}
