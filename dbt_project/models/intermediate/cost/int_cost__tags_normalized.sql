{{ config(materialized='table') }}

{#
    One row per distinct tag set (provider x resource tags x inherited tags) with the tags
    normalized into canonical keys, and the four attribution dimensions read from them.
    Working on the distinct tag sets, not on the cost rows, keeps JSON parsing off the fact.

    Key normalization, in order:
      1. trim and lowercase the key (`" Team"` -> `team`);
      2. strip the provider's user-tag prefix (var tag_key_prefixes: AWS `user:` / `user_`);
      3. look the key up in seeds/tag_key_aliases.csv (case-insensitive, before or after the
         prefix is stripped) -> canonical key; otherwise the key from step 2 is kept.
    When several keys of one set normalize to the same canonical key, the resource's own tag
    beats an inherited one (GCP project labels), a non-empty value beats an empty one, a key
    written exactly as the canonical key beats one that only lowercases or strips to it, which
    beats an alias; then the lowest raw key wins.
    Values are trimmed; values of the canonical dimensions (team, product, environment,
    cost_center) are also lowercased (`Payments ` -> `payments`).
#}

{%- set prefixes = var('tag_key_prefixes', {}) %}
{%- set dimensions = ['team', 'product', 'environment', 'cost_center'] %}

with

tag_sets as (

    select distinct
        x_tag_set_id as tag_set_id,
        provider,
        tags,
        x_inherited_tags
    from {{ ref('int_cost__focus_unioned') }}

),

entries as (

    select
        tag_set_id,
        provider,
        1 as source_rank,
        entry_key,
        entry_value
    from ({{ json_object_entries('tag_sets', 'tags', ['tag_set_id', 'provider']) }}) as own_tags
    union all
    select
        tag_set_id,
        provider,
        2 as source_rank,
        entry_key,
        entry_value
    from (
        {{ json_object_entries('tag_sets', 'x_inherited_tags', ['tag_set_id', 'provider']) }}
    ) as inherited_tags

),

keys_trimmed as (

    select
        tag_set_id,
        provider,
        source_rank,
        entry_key as raw_key,
        lower(trim(entry_key)) as lowered_key,
        trim(entry_value) as tag_value
    from entries
    where trim(coalesce(entry_key, '')) <> ''

),

keys_stripped as (

    select
        *,
        case
            {%- for provider_name, provider_prefixes in prefixes.items() %}
                {%- for prefix in provider_prefixes %}
                    when lower(provider) = '{{ provider_name | lower }}'
                        and left(lowered_key, {{ prefix | length }}) = '{{ prefix | lower }}'
                        and length(lowered_key) > {{ prefix | length }}
                        then substring(lowered_key, {{ (prefix | length) + 1 }})
                {%- endfor %}
            {%- endfor %}
            else lowered_key
        end as stripped_key
    from keys_trimmed

),

aliases as (

    select distinct
        lower(trim(source_key)) as source_key,
        lower(trim(canonical_key)) as canonical_key
    from {{ ref('tag_key_aliases') }}

),

keys_canonical as (

    select
        keys_stripped.*,
        coalesce(
            alias_stripped.canonical_key, alias_lowered.canonical_key, keys_stripped.stripped_key
        ) as canonical_key
    from keys_stripped
    left join aliases as alias_stripped
        on keys_stripped.stripped_key = alias_stripped.source_key
    left join aliases as alias_lowered
        on keys_stripped.lowered_key = alias_lowered.source_key

),

keys_ranked as (

    select
        tag_set_id,
        canonical_key,
        case
            when canonical_key in ('{{ dimensions | join("', '") }}')
                then nullif(lower(tag_value), '')
            else tag_value
        end as tag_value,
        row_number() over (
            partition by tag_set_id, canonical_key
            order by
                source_rank,
                case when coalesce(tag_value, '') = '' then 1 else 0 end,
                case when trim(raw_key) = canonical_key then 0 else 1 end,
                case when stripped_key = canonical_key then 0 else 1 end,
                raw_key
        ) as key_rank
    from keys_canonical

),

normalized as (

    select
        tag_set_id,
        {{ map_agg('canonical_key', 'tag_value') }} as tags,
        {% for dimension in dimensions -%}
            max(case when canonical_key = '{{ dimension }}' then tag_value end) as {{ dimension }}_tag,
        {% endfor -%}
        count(*) as tag_count
    from keys_ranked
    where key_rank = 1
    group by tag_set_id

)

select
    tag_sets.tag_set_id,
    tag_sets.provider,
    normalized.tags,
    coalesce(normalized.tag_count, 0) as tag_count,
    {%- for dimension in dimensions %}
        normalized.{{ dimension }}_tag,
    {%- endfor %}
    tag_sets.tags as raw_tags,
    tag_sets.x_inherited_tags as raw_inherited_tags
from tag_sets
left join normalized
    on tag_sets.tag_set_id = normalized.tag_set_id
