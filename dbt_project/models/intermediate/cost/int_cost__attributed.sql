{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    Every cost row gets a team (and product, environment, cost_center), each dimension by
    precedence:
        1. the resource's own tag (normalized; a team tag counts only when the team exists in
           seeds/teams.csv, so `tbd` or a typo falls through),
        2. the first matching virtual-tag rule (int_cost__virtual_tags),
        3. the owner of the sub account, else of the billing account (seeds/account_owners.csv;
           team only),
        4. 'unallocated'.
    cost_center falls back to the attributed team's cost center (seeds/teams.csv).
    allocation_method records how the team was found: tag | rule | account | unallocated.
    x_shared_rule_id names the shared-cost rule (seeds/shared_cost_rules.csv) that will
    redistribute the row; only rows attributed by account or unallocated are shared (a tag or an
    explicit rule wins over sharing). Matching is done on distinct keys and joined back.
#}

with

costs as (

    select * from {{ ref('int_cost__amortized') }}
    where {{ billing_period_filter() }}

),

teams as (

    select
        lower(trim(team)) as team,
        upper(trim(cost_center)) as cost_center
    from {{ ref('teams') }}

),

account_owners as (

    select distinct
        lower(trim(provider)) as provider_key,
        lower(trim(account_id)) as account_key,
        lower(trim(team)) as team
    from {{ ref('account_owners') }}

),

accounts as (

    select distinct
        provider,
        billing_account_id,
        sub_account_id
    from costs

),

account_teams as (

    select
        accounts.provider,
        accounts.billing_account_id,
        accounts.sub_account_id,
        coalesce(sub_owner.team, billing_owner.team) as team
    from accounts
    left join account_owners as sub_owner
        on lower(accounts.provider) = sub_owner.provider_key
            and lower(accounts.sub_account_id) = sub_owner.account_key
    left join account_owners as billing_owner
        on lower(accounts.provider) = billing_owner.provider_key
            and lower(accounts.billing_account_id) = billing_owner.account_key

),

attributed as (

    select
        costs.*,
        tags_normalized.tags as normalized_tags,
        tags_normalized.team_tag,
        tag_team.team as valid_tag_team,
        -- the rule is recorded when it decided the team or filled another dimension
        case
            when tag_team.team is null and virtual_tags.team is not null
                then virtual_tags.rule_id
            when
                (tags_normalized.product_tag is null and virtual_tags.product is not null)
                or (
                    tags_normalized.environment_tag is null
                    and virtual_tags.environment is not null
                )
                or (
                    tags_normalized.cost_center_tag is null
                    and virtual_tags.cost_center is not null
                )
                then virtual_tags.rule_id
        end as x_allocation_rule_id,
        virtual_tags.team as rule_team,
        account_teams.team as account_team,
        case
            when tag_team.team is not null then 'tag'
            when virtual_tags.team is not null then 'rule'
            when account_teams.team is not null then 'account'
            else 'unallocated'
        end as allocation_method,
        coalesce(tag_team.team, virtual_tags.team, account_teams.team, 'unallocated') as team,
        coalesce(
            tags_normalized.product_tag, virtual_tags.product, 'unallocated'
        ) as product,
        coalesce(
            tags_normalized.environment_tag, virtual_tags.environment, 'unallocated'
        ) as environment,
        upper(tags_normalized.cost_center_tag) as tag_cost_center,
        virtual_tags.cost_center as rule_cost_center
    from costs
    left join {{ ref('int_cost__tags_normalized') }} as tags_normalized
        on costs.x_tag_set_id = tags_normalized.tag_set_id
    left join teams as tag_team
        on tags_normalized.team_tag = tag_team.team
    left join {{ ref('int_cost__virtual_tags') }} as virtual_tags
        on costs.x_attribution_key = virtual_tags.x_attribution_key
    left join account_teams
        on costs.provider = account_teams.provider
            and costs.billing_account_id = account_teams.billing_account_id
            and costs.sub_account_id is not distinct from account_teams.sub_account_id

),

shared_rules as (

    select
        rule_id,
        priority,
        nullif(lower(trim(provider)), '') as provider_key,
        nullif(lower(trim(account_id)), '') as account_key,
        nullif(lower(trim(service_name)), '') as service_key,
        nullif(lower(trim(charge_category)), '') as charge_category_key
    from {{ ref('shared_cost_rules') }}

),

shareable_keys as (

    select distinct
        provider,
        billing_account_id,
        sub_account_id,
        service_name,
        charge_category
    from attributed
    where allocation_method in ('account', 'unallocated')

),

shared_matches as (

    select
        shareable_keys.*,
        shared_rules.rule_id,
        row_number() over (
            partition by
                shareable_keys.provider,
                shareable_keys.billing_account_id,
                shareable_keys.sub_account_id,
                shareable_keys.service_name,
                shareable_keys.charge_category
            order by shared_rules.priority, shared_rules.rule_id
        ) as match_rank
    from shareable_keys
    inner join shared_rules
        on (
            shared_rules.provider_key is null
            or lower(shareable_keys.provider) = shared_rules.provider_key
        )
        and (
            shared_rules.account_key is null
            or lower(shareable_keys.sub_account_id) = shared_rules.account_key
            or lower(shareable_keys.billing_account_id) = shared_rules.account_key
        )
        and (
            shared_rules.service_key is null
            or lower(shareable_keys.service_name) = shared_rules.service_key
        )
        and (
            shared_rules.charge_category_key is null
            or lower(shareable_keys.charge_category) = shared_rules.charge_category_key
        )

)

select
    attributed.*,
    coalesce(
        attributed.tag_cost_center,
        attributed.rule_cost_center,
        teams.cost_center,
        'unallocated'
    ) as cost_center,
    case
        when attributed.allocation_method in ('account', 'unallocated')
            then shared_matches.rule_id
    end as x_shared_rule_id,
    exchange_rates.reporting_currency,
    exchange_rates.rate as exchange_rate
from attributed
left join teams
    on attributed.team = teams.team
left join shared_matches
    on attributed.provider = shared_matches.provider
        and attributed.billing_account_id = shared_matches.billing_account_id
        and attributed.sub_account_id is not distinct from shared_matches.sub_account_id
        and attributed.service_name = shared_matches.service_name
        and attributed.charge_category = shared_matches.charge_category
        and shared_matches.match_rank = 1
left join {{ ref('int_cost__exchange_rates') }} as exchange_rates
    on attributed.billing_period = exchange_rates.billing_period
        and upper(attributed.billing_currency) = exchange_rates.currency
