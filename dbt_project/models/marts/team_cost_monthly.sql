{#
    Showback / chargeback per billing period (month): each team's cost by provider and FOCUS
    service category, direct (tag, rule or account owner) vs shared (redistributed by a
    shared-cost rule), billed vs effective, in the reporting currency. Budgets: team_budget_monthly.
    Rolled up from team_cost_daily (exact decimal sums), so the fact is scanned once for both.
#}

with

daily as (

    select * from {{ ref('team_cost_daily') }}

),

monthly as (

    select
        billing_period,
        team,
        department,
        cost_center,
        provider,
        service_category,
        reporting_currency,
        sum(direct_billed_cost) as direct_billed_cost,
        sum(shared_billed_cost) as shared_billed_cost,
        sum(billed_cost) as billed_cost,
        sum(direct_effective_cost) as direct_effective_cost,
        sum(shared_effective_cost) as shared_effective_cost,
        sum(effective_cost) as effective_cost,
        sum(list_cost) as list_cost
    from daily
    group by
        billing_period,
        team,
        department,
        cost_center,
        provider,
        service_category,
        reporting_currency

)

select
    billing_period,
    team,
    department,
    cost_center,
    provider,
    service_category,
    reporting_currency,
    cast(direct_billed_cost as decimal(38, 12)) as direct_billed_cost,
    cast(shared_billed_cost as decimal(38, 12)) as shared_billed_cost,
    cast(billed_cost as decimal(38, 12)) as billed_cost,
    cast(direct_effective_cost as decimal(38, 12)) as direct_effective_cost,
    cast(shared_effective_cost as decimal(38, 12)) as shared_effective_cost,
    cast(effective_cost as decimal(38, 12)) as effective_cost,
    cast(list_cost as decimal(38, 12)) as list_cost,
    cast(list_cost - effective_cost as decimal(38, 12)) as savings_vs_list
from monthly
