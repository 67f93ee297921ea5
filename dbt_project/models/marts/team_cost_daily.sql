{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    Showback / chargeback per day: each team's cost by provider and FOCUS service category,
    direct (tag, rule or account owner) vs shared (redistributed by a shared-cost rule), billed
    vs effective, in the reporting currency (billing currencies differ across accounts).
#}

with

costs as (

    select
        charge_date,
        billing_period,
        team,
        provider,
        service_category,
        reporting_currency,
        allocation_method = 'shared' as is_shared,
        billed_cost_reporting,
        effective_cost_reporting,
        list_cost_reporting
    from {{ ref('fct_allocated_cost') }}
    where {{ billing_period_filter() }}

),

daily as (

    select
        charge_date,
        billing_period,
        team,
        provider,
        service_category,
        reporting_currency,
        sum(case when not is_shared then billed_cost_reporting else 0 end)
            as direct_billed_cost,
        sum(case when is_shared then billed_cost_reporting else 0 end) as shared_billed_cost,
        sum(billed_cost_reporting) as billed_cost,
        sum(case when not is_shared then effective_cost_reporting else 0 end)
            as direct_effective_cost,
        sum(case when is_shared then effective_cost_reporting else 0 end)
            as shared_effective_cost,
        sum(effective_cost_reporting) as effective_cost,
        sum(list_cost_reporting) as list_cost
    from costs
    group by charge_date, billing_period, team, provider, service_category, reporting_currency

)

select
    daily.charge_date,
    daily.billing_period,
    daily.team,
    teams.department,
    upper(teams.cost_center) as cost_center,
    daily.provider,
    daily.service_category,
    daily.reporting_currency,
    cast(daily.direct_billed_cost as decimal(38, 12)) as direct_billed_cost,
    cast(daily.shared_billed_cost as decimal(38, 12)) as shared_billed_cost,
    cast(daily.billed_cost as decimal(38, 12)) as billed_cost,
    cast(daily.direct_effective_cost as decimal(38, 12)) as direct_effective_cost,
    cast(daily.shared_effective_cost as decimal(38, 12)) as shared_effective_cost,
    cast(daily.effective_cost as decimal(38, 12)) as effective_cost,
    cast(daily.list_cost as decimal(38, 12)) as list_cost,
    cast(daily.list_cost - daily.effective_cost as decimal(38, 12)) as savings_vs_list
from daily
left join {{ ref('teams') }} as teams
    on daily.team = lower(trim(teams.team))
