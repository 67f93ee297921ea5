{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    Does the allocated cost add up to what was ingested? Per provider x billing account x
    billing period x currency: the billed total straight from the raw rows (staging), by the
    provider's own rule, against the billed total of fct_allocated_cost; and the FOCUS-conformed
    effective total against the allocated one. Both differences must be zero (tested).
    Raw billed rules:
      AWS (CUR 2.0 and legacy CUR)  sum(line_item_unblended_cost)
      Microsoft (cost details)      sum(CostInBillingCurrency)
      Google Cloud                  sum(cost) + sum(credits[].amount)
      FOCUS files                   sum(BilledCost)
#}

with

raw_billed as (

    select
        'AWS' as provider,
        billing_account_id,
        billing_period,
        currency_code as billing_currency,
        count(*) as raw_row_count,
        sum(unblended_cost) as raw_billed_cost
    from {{ ref('stg_aws_cur2__line_items') }}
    where {{ billing_period_filter() }}
    group by billing_account_id, billing_period, currency_code
    union all
    select
        'AWS' as provider,
        billing_account_id,
        billing_period,
        currency_code as billing_currency,
        count(*) as raw_row_count,
        sum(unblended_cost) as raw_billed_cost
    from {{ ref('stg_aws_cur__line_items') }}
    where {{ billing_period_filter() }}
    group by billing_account_id, billing_period, currency_code
    union all
    select
        'Microsoft' as provider,
        billing_account_id,
        billing_period,
        billing_currency,
        count(*) as raw_row_count,
        sum(cost_in_billing_currency) as raw_billed_cost
    from {{ ref('stg_azure__cost_details') }}
    where {{ billing_period_filter() }}
    group by billing_account_id, billing_period, billing_currency
    union all
    select
        'Google Cloud' as provider,
        billing_account_id,
        billing_period,
        currency as billing_currency,
        count(*) as raw_row_count,
        sum(cost) + sum({{ json_array_sum('credits_json', 'amount') }}) as raw_billed_cost
    from {{ ref('stg_gcp__billing_export') }}
    where {{ billing_period_filter() }}
    group by billing_account_id, billing_period, currency
    union all
    select
        provider_name as provider,
        billing_account_id,
        billing_period,
        upper(trim(billing_currency)) as billing_currency,
        count(*) as raw_row_count,
        sum(billed_cost) as raw_billed_cost
    from {{ ref('stg_focus__cost_and_usage') }}
    where {{ billing_period_filter() }}
    group by provider_name, billing_account_id, billing_period, upper(trim(billing_currency))

),

raw_totals as (

    select
        provider,
        billing_account_id,
        billing_period,
        billing_currency,
        sum(raw_row_count) as raw_row_count,
        sum(raw_billed_cost) as raw_billed_cost
    from raw_billed
    group by provider, billing_account_id, billing_period, billing_currency

),

conformed_totals as (

    select
        provider,
        billing_account_id,
        billing_period,
        billing_currency,
        sum(effective_cost) as conformed_effective_cost
    from {{ ref('int_cost__focus_unioned') }}
    where {{ billing_period_filter() }}
    group by provider, billing_account_id, billing_period, billing_currency

),

allocated_totals as (

    select
        provider,
        billing_account_id,
        billing_period,
        billing_currency,
        sum(billed_cost) as allocated_billed_cost,
        sum(effective_cost) as allocated_effective_cost,
        sum(case when team = 'unallocated' then billed_cost else 0 end)
            as unallocated_billed_cost
    from {{ ref('fct_allocated_cost') }}
    where {{ billing_period_filter() }}
    group by provider, billing_account_id, billing_period, billing_currency

),

keys as (

    select
        provider,
        billing_account_id,
        billing_period,
        billing_currency
    from raw_totals
    union
    select
        provider,
        billing_account_id,
        billing_period,
        billing_currency
    from allocated_totals

)

select
    keys.provider,
    keys.billing_account_id,
    keys.billing_period,
    keys.billing_currency,
    cast(coalesce(raw_totals.raw_row_count, 0) as bigint) as raw_row_count,
    cast(coalesce(raw_totals.raw_billed_cost, 0) as decimal(38, 12)) as raw_billed_cost,
    cast(coalesce(allocated_totals.allocated_billed_cost, 0) as decimal(38, 12))
        as allocated_billed_cost,
    cast(
        coalesce(allocated_totals.allocated_billed_cost, 0)
        - coalesce(raw_totals.raw_billed_cost, 0)
        as decimal(38, 12)
    ) as billed_difference,
    cast(coalesce(conformed_totals.conformed_effective_cost, 0) as decimal(38, 12))
        as conformed_effective_cost,
    cast(coalesce(allocated_totals.allocated_effective_cost, 0) as decimal(38, 12))
        as allocated_effective_cost,
    cast(
        coalesce(allocated_totals.allocated_effective_cost, 0)
        - coalesce(conformed_totals.conformed_effective_cost, 0)
        as decimal(38, 12)
    ) as effective_difference,
    cast(coalesce(allocated_totals.unallocated_billed_cost, 0) as decimal(38, 12))
        as unallocated_billed_cost,
    abs(
        coalesce(allocated_totals.allocated_billed_cost, 0)
        - coalesce(raw_totals.raw_billed_cost, 0)
    ) < 0.005
    and abs(
        coalesce(allocated_totals.allocated_effective_cost, 0)
        - coalesce(conformed_totals.conformed_effective_cost, 0)
    ) < 0.005 as is_reconciled
from keys
left join raw_totals
    on keys.provider = raw_totals.provider
        and keys.billing_account_id = raw_totals.billing_account_id
        and keys.billing_period = raw_totals.billing_period
        and keys.billing_currency = raw_totals.billing_currency
left join conformed_totals
    on keys.provider = conformed_totals.provider
        and keys.billing_account_id = conformed_totals.billing_account_id
        and keys.billing_period = conformed_totals.billing_period
        and keys.billing_currency = conformed_totals.billing_currency
left join allocated_totals
    on keys.provider = allocated_totals.provider
        and keys.billing_account_id = allocated_totals.billing_account_id
        and keys.billing_period = allocated_totals.billing_period
        and keys.billing_currency = allocated_totals.billing_currency
