{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    Tag coverage per billing period x provider x billing account x sub account, dollar-weighted
    on effective cost (billing currency).
      taggable  = Usage that carries a resource id (unused commitment excluded)
      tagged    = taggable cost whose resource carries a valid team tag (allocation_method tag)
      allocated = taggable cost that reaches a team by any method (tag, rule, account owner or a
                  shared-cost rule), i.e. not left `unallocated`
    Tax, credits, support, commitment / marketplace purchases, adjustments and usage without a
    resource id are reported in their own columns, outside the percentages.
#}

with

shared_rule_periods as (

    select distinct
        rule_id,
        billing_period,
        provider
    from {{ ref('int_cost__shared_targets') }}

),

costs as (

    select
        attributed.billing_period,
        attributed.provider,
        attributed.billing_account_id,
        attributed.sub_account_id,
        attributed.billing_currency,
        attributed.effective_cost,
        attributed.billed_cost,
        attributed.charge_category,
        attributed.allocation_method,
        attributed.team_tag is not null as has_team_tag,
        lower(attributed.service_name) like '%support%' as is_support,
        attributed.charge_category = 'Usage'
        and attributed.resource_id is not null
        and coalesce(attributed.commitment_discount_status, '') <> 'Unused' as is_taggable,
        attributed.allocation_method <> 'unallocated'
        or shared_rule_periods.rule_id is not null as is_allocated
    from {{ ref('int_cost__attributed') }} as attributed
    left join shared_rule_periods
        on attributed.x_shared_rule_id = shared_rule_periods.rule_id
            and attributed.billing_period = shared_rule_periods.billing_period
            and attributed.provider = shared_rule_periods.provider
    where {{ billing_period_filter('attributed.billing_period') }}

),

summed as (

    select
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        billing_currency,
        sum(billed_cost) as total_billed_cost,
        sum(effective_cost) as total_effective_cost,
        sum(case when is_taggable then effective_cost else 0 end) as taggable_cost,
        sum(
            case when is_taggable and allocation_method = 'tag' then effective_cost else 0 end
        ) as tagged_cost,
        sum(
            case
                when is_taggable and has_team_tag and allocation_method <> 'tag'
                    then effective_cost
                else 0
            end
        ) as invalid_team_tag_cost,
        sum(case when is_taggable and is_allocated then effective_cost else 0 end)
            as allocated_cost,
        sum(
            case
                when charge_category = 'Usage' and not is_taggable and not is_support
                    then effective_cost
                else 0
            end
        ) as untaggable_usage_cost,
        sum(case when charge_category = 'Tax' then effective_cost else 0 end) as tax_cost,
        sum(case when charge_category = 'Credit' then effective_cost else 0 end) as credit_cost,
        sum(case when is_support then effective_cost else 0 end) as support_cost,
        sum(
            case when charge_category = 'Purchase' and not is_support then effective_cost else 0 end
        ) as purchase_cost,
        sum(
            case when charge_category = 'Adjustment' and not is_support then effective_cost else 0 end
        ) as adjustment_cost
    from costs
    group by billing_period, provider, billing_account_id, sub_account_id, billing_currency

)

select
    billing_period,
    provider,
    billing_account_id,
    sub_account_id,
    billing_currency,
    cast(total_billed_cost as decimal(38, 12)) as total_billed_cost,
    cast(total_effective_cost as decimal(38, 12)) as total_effective_cost,
    cast(taggable_cost as decimal(38, 12)) as taggable_cost,
    cast(tagged_cost as decimal(38, 12)) as tagged_cost,
    cast(taggable_cost - tagged_cost as decimal(38, 12)) as untagged_cost,
    cast(invalid_team_tag_cost as decimal(38, 12)) as invalid_team_tag_cost,
    cast(allocated_cost as decimal(38, 12)) as allocated_cost,
    cast(
        case when taggable_cost > 0 then tagged_cost / taggable_cost end as double
    ) as tagged_pct,
    cast(
        case when taggable_cost > 0 then allocated_cost / taggable_cost end as double
    ) as allocated_pct,
    cast(untaggable_usage_cost as decimal(38, 12)) as untaggable_usage_cost,
    cast(tax_cost as decimal(38, 12)) as tax_cost,
    cast(credit_cost as decimal(38, 12)) as credit_cost,
    cast(support_cost as decimal(38, 12)) as support_cost,
    cast(purchase_cost as decimal(38, 12)) as purchase_cost,
    cast(adjustment_cost as decimal(38, 12)) as adjustment_cost
from summed
