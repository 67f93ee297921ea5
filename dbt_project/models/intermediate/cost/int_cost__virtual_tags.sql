{{ config(materialized='table') }}

{#
    Virtual tags: the first allocation rule (seeds/allocation_rules.csv, lowest priority number
    first, then rule_id) matching each distinct attribution key (provider x billing account x
    sub account x service x resource x tag set). Rules are matched against the distinct keys,
    never against the cost rows, and int_cost__attributed joins the result back on
    x_attribution_key.

    Rule columns (blank = any): provider (case-insensitive), account_id (the sub account OR the
    billing account), service_name (case-insensitive), resource_id_like (SQL LIKE pattern,
    case-insensitive), tag_key (normalized like tag keys are) and tag_value (case-insensitive;
    blank = the tag is present with any value).
#}

with

attribution_keys as (

    select distinct
        x_attribution_key,
        x_tag_set_id,
        provider,
        billing_account_id,
        sub_account_id,
        service_name,
        resource_id
    from {{ ref('int_cost__amortized') }}

),

keys_with_tags as (

    select
        attribution_keys.*,
        tags_normalized.tags
    from attribution_keys
    left join {{ ref('int_cost__tags_normalized') }} as tags_normalized
        on attribution_keys.x_tag_set_id = tags_normalized.tag_set_id

),

aliases as (

    select distinct
        lower(trim(source_key)) as source_key,
        lower(trim(canonical_key)) as canonical_key
    from {{ ref('tag_key_aliases') }}

),

rules as (

    select
        allocation_rules.rule_id,
        allocation_rules.priority,
        nullif(lower(trim(allocation_rules.provider)), '') as provider_key,
        nullif(lower(trim(allocation_rules.account_id)), '') as account_key,
        nullif(lower(trim(allocation_rules.service_name)), '') as service_key,
        nullif(lower(trim(allocation_rules.resource_id_like)), '') as resource_pattern,
        coalesce(
            aliases.canonical_key, nullif(lower(trim(allocation_rules.tag_key)), '')
        ) as tag_key,
        nullif(lower(trim(allocation_rules.tag_value)), '') as tag_value,
        lower(trim(allocation_rules.team)) as team,
        nullif(lower(trim(allocation_rules.product)), '') as product,
        nullif(lower(trim(allocation_rules.environment)), '') as environment,
        nullif(upper(trim(allocation_rules.cost_center)), '') as cost_center
    from {{ ref('allocation_rules') }} as allocation_rules
    left join aliases
        on lower(trim(allocation_rules.tag_key)) = aliases.source_key

),

matches as (

    select
        keys_with_tags.x_attribution_key,
        rules.rule_id,
        rules.team,
        rules.product,
        rules.environment,
        rules.cost_center,
        row_number() over (
            partition by keys_with_tags.x_attribution_key
            order by rules.priority, rules.rule_id
        ) as match_rank
    from keys_with_tags
    inner join rules
        on (rules.provider_key is null or lower(keys_with_tags.provider) = rules.provider_key)
            and (
                rules.account_key is null
                or lower(keys_with_tags.sub_account_id) = rules.account_key
                or lower(keys_with_tags.billing_account_id) = rules.account_key
            )
            and (
                rules.service_key is null or lower(keys_with_tags.service_name) = rules.service_key
            )
            and (
                rules.resource_pattern is null
                or lower(keys_with_tags.resource_id) like rules.resource_pattern
            )
            and (
                rules.tag_key is null
                or (
                    {{ map_get('keys_with_tags.tags', 'rules.tag_key') }} is not null
                    and (
                        rules.tag_value is null
                        or lower({{ map_get('keys_with_tags.tags', 'rules.tag_key') }})
                        = rules.tag_value
                    )
                )
            )

)

select
    x_attribution_key,
    rule_id,
    team,
    product,
    environment,
    cost_center
from matches
where match_rank = 1
