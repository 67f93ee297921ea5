{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    The biggest untagged spend, to chase: taggable usage (Usage with a resource id) whose
    resource carries no valid team tag, per billing period, at two scopes:
      scope 'resource'  the top var untagged_spend_top_n resources per billing period x provider
      scope 'account'   every sub account with untagged spend (resource_id NULL)
    likely_owner is where the cost went without a tag (a virtual-tag rule or the account
    owner, or `unallocated`), with likely_owner_method saying which; team_tag_value shows the
    value of a team tag that was not a known team (e.g. `tbd`).
#}

with

untagged as (

    select
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        sub_account_name,
        resource_id,
        service_name,
        team_tag,
        team,
        allocation_method,
        x_shared_rule_id,
        billing_currency,
        reporting_currency,
        charge_date,
        effective_cost,
        billed_cost,
        effective_cost * exchange_rate as effective_cost_reporting
    from {{ ref('int_cost__attributed') }}
    where
        charge_category = 'Usage'
        and resource_id is not null
        and coalesce(commitment_discount_status, '') <> 'Unused'
        and allocation_method <> 'tag'
        and {{ billing_period_filter() }}

),

resources as (

    select
        'resource' as scope,
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        max(sub_account_name) as sub_account_name,
        resource_id,
        max(service_name) as service_name,
        max(team_tag) as team_tag_value,
        max(team) as likely_owner,
        max(allocation_method) as likely_owner_method,
        max(x_shared_rule_id) as shared_rule_id,
        billing_currency,
        max(reporting_currency) as reporting_currency,
        count(distinct charge_date) as days_seen,
        sum(effective_cost) as effective_cost,
        sum(billed_cost) as billed_cost,
        sum(effective_cost_reporting) as effective_cost_reporting
    from untagged
    group by
        billing_period, provider, billing_account_id, sub_account_id, resource_id, billing_currency

),

ranked_resources as (

    select
        *,
        row_number() over (
            partition by billing_period, provider
            order by
                effective_cost_reporting desc,
                billing_account_id asc,
                sub_account_id asc,
                resource_id asc
        ) as spend_rank
    from resources

),

account_owners as (

    -- per account, the team most of its untagged cost went to
    select
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        billing_currency,
        team,
        allocation_method,
        x_shared_rule_id,
        row_number() over (
            partition by
                billing_period, provider, billing_account_id, sub_account_id,
                billing_currency
            order by sum(effective_cost_reporting) desc, team
        ) as owner_rank
    from untagged
    group by
        billing_period, provider, billing_account_id, sub_account_id, billing_currency, team,
        allocation_method, x_shared_rule_id

),

accounts as (

    select
        'account' as scope,
        untagged.billing_period,
        untagged.provider,
        untagged.billing_account_id,
        untagged.sub_account_id,
        max(untagged.sub_account_name) as sub_account_name,
        cast(null as varchar) as resource_id,
        cast(null as varchar) as service_name,
        cast(null as varchar) as team_tag_value,
        max(account_owners.team) as likely_owner,
        max(account_owners.allocation_method) as likely_owner_method,
        max(account_owners.x_shared_rule_id) as shared_rule_id,
        untagged.billing_currency,
        max(untagged.reporting_currency) as reporting_currency,
        count(distinct untagged.charge_date) as days_seen,
        sum(untagged.effective_cost) as effective_cost,
        sum(untagged.billed_cost) as billed_cost,
        sum(untagged.effective_cost_reporting) as effective_cost_reporting
    from untagged
    inner join account_owners
        on untagged.billing_period = account_owners.billing_period
            and untagged.provider = account_owners.provider
            and untagged.billing_account_id = account_owners.billing_account_id
            and untagged.sub_account_id is not distinct from account_owners.sub_account_id
            and untagged.billing_currency = account_owners.billing_currency
            and account_owners.owner_rank = 1
    group by
        untagged.billing_period,
        untagged.provider,
        untagged.billing_account_id,
        untagged.sub_account_id,
        untagged.billing_currency

),

ranked_accounts as (

    select
        *,
        row_number() over (
            partition by billing_period, provider
            order by
                effective_cost_reporting desc,
                billing_account_id asc,
                sub_account_id asc
        ) as spend_rank
    from accounts

),

combined as (

    select * from ranked_resources
    where spend_rank <= {{ var('untagged_spend_top_n') }}
    union all
    select * from ranked_accounts

)

select
    scope,
    billing_period,
    provider,
    billing_account_id,
    sub_account_id,
    sub_account_name,
    resource_id,
    service_name,
    cast(spend_rank as integer) as spend_rank,
    team_tag_value,
    likely_owner,
    likely_owner_method,
    shared_rule_id,
    cast(days_seen as integer) as days_seen,
    cast(effective_cost as decimal(38, 12)) as effective_cost,
    cast(billed_cost as decimal(38, 12)) as billed_cost,
    billing_currency,
    cast(effective_cost_reporting as decimal(38, 12)) as effective_cost_reporting,
    reporting_currency
from combined
