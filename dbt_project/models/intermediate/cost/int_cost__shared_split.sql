{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    Shared costs redistributed. The rows a shared-cost rule matched are pooled per rule x
    billing period x provider x billing account x sub account x service x charge category x
    charge day (resource detail is dropped: a shared pool is not one team's resource), and each
    pool's billed, effective, list and contracted cost is split over the rule's recipients by
    weight (int_cost__shared_targets) with macro apportion: shares are whole cents except one
    per pool, remainder cents go to the largest fractions (ties: team name), so each pool's
    shares add up to the pool exactly.
#}

with

pools as (

    select
        {{ row_hash([
            'x_shared_rule_id', 'billing_period', 'provider', 'billing_account_id',
            'sub_account_id', 'service_name', 'charge_category', 'charge_date',
            'billing_currency'
        ]) }} as pool_id,
        x_shared_rule_id,
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        service_name,
        service_category,
        charge_category,
        charge_date,
        billing_currency,
        reporting_currency,
        exchange_rate,
        max(billing_account_name) as billing_account_name,
        max(sub_account_name) as sub_account_name,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(list_cost) as list_cost,
        sum(contracted_cost) as contracted_cost
    from {{ ref('int_cost__attributed') }}
    where x_shared_rule_id is not null and {{ billing_period_filter() }}
    group by
        x_shared_rule_id,
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        service_name,
        service_category,
        charge_category,
        charge_date,
        billing_currency,
        reporting_currency,
        exchange_rate

),

pool_recipients as (

    select
        pools.*,
        targets.team,
        targets.method,
        targets.weight
    from pools
    inner join {{ ref('int_cost__shared_targets') }} as targets
        on pools.x_shared_rule_id = targets.rule_id
            and pools.billing_period = targets.billing_period
            and pools.provider = targets.provider

),

shares as (

    {{ apportion(
        relation='pool_recipients',
        amounts=['billed_cost', 'effective_cost', 'list_cost', 'contracted_cost'],
        weight='weight',
        partition_by=['pool_id'],
        order_by=['team']
    ) }}

)

select
    pool_id,
    x_shared_rule_id,
    method as x_shared_method,
    weight as x_shared_weight,
    billing_period,
    provider,
    billing_account_id,
    billing_account_name,
    sub_account_id,
    sub_account_name,
    service_name,
    service_category,
    charge_category,
    charge_date,
    team,
    billing_currency,
    reporting_currency,
    exchange_rate,
    billed_cost_share as billed_cost,
    effective_cost_share as effective_cost,
    list_cost_share as list_cost,
    contracted_cost_share as contracted_cost
from shares
