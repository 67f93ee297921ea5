{#
    Showback / chargeback per billing period (month): each team's cost by provider and FOCUS
    service category, direct (tag, rule or account owner) vs shared (redistributed by a
    shared-cost rule), billed vs effective, in the reporting currency. Budgets: team_budget_monthly.
#}

with

costs as (

    select
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

),

monthly as (

    select
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
    group by billing_period, team, provider, service_category, reporting_currency

)

select
    monthly.billing_period,
    monthly.team,
    teams.department,
    upper(teams.cost_center) as cost_center,
    monthly.provider,
    monthly.service_category,
    monthly.reporting_currency,
    cast(monthly.direct_billed_cost as decimal(38, 12)) as direct_billed_cost,
    cast(monthly.shared_billed_cost as decimal(38, 12)) as shared_billed_cost,
    cast(monthly.billed_cost as decimal(38, 12)) as billed_cost,
    cast(monthly.direct_effective_cost as decimal(38, 12)) as direct_effective_cost,
    cast(monthly.shared_effective_cost as decimal(38, 12)) as shared_effective_cost,
    cast(monthly.effective_cost as decimal(38, 12)) as effective_cost,
    cast(monthly.list_cost as decimal(38, 12)) as list_cost,
    cast(monthly.list_cost - monthly.effective_cost as decimal(38, 12)) as savings_vs_list
from monthly
left join {{ ref('teams') }} as teams
    on monthly.team = lower(trim(teams.team))
