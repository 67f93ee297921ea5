{#
    Each team's month against its budget (seeds/budgets.csv), in the reporting currency:
    effective cost (what teams are measured on) and billed cost, direct and shared. Teams with
    cost but no budget row have budget NULL.
#}

with

budgets as (

    select
        lower(trim(budgets.team)) as team,
        budgets.billing_period,
        sum(budgets.amount * exchange_rates.rate) as budget
    from {{ ref('budgets') }} as budgets
    inner join {{ ref('int_cost__exchange_rates') }} as exchange_rates
        on budgets.billing_period = exchange_rates.billing_period
            and upper(trim(budgets.currency)) = exchange_rates.currency
    group by lower(trim(budgets.team)), budgets.billing_period

),

costs as (

    select
        billing_period,
        team,
        reporting_currency,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(shared_effective_cost) as shared_effective_cost
    from {{ ref('team_cost_monthly') }}
    group by billing_period, team, reporting_currency

),

combined as (

    select
        coalesce(costs.billing_period, budgets.billing_period) as billing_period,
        coalesce(costs.team, budgets.team) as team,
        coalesce(costs.reporting_currency, '{{ var("reporting_currency") | upper }}')
            as reporting_currency,
        budgets.budget,
        coalesce(costs.billed_cost, 0) as billed_cost,
        coalesce(costs.effective_cost, 0) as effective_cost,
        coalesce(costs.shared_effective_cost, 0) as shared_effective_cost
    from costs
    full outer join budgets
        on costs.team = budgets.team
            and costs.billing_period = budgets.billing_period

)

select
    billing_period,
    team,
    reporting_currency,
    cast(budget as decimal(38, 12)) as budget,
    cast(billed_cost as decimal(38, 12)) as billed_cost,
    cast(effective_cost as decimal(38, 12)) as effective_cost,
    cast(shared_effective_cost as decimal(38, 12)) as shared_effective_cost,
    cast(budget - effective_cost as decimal(38, 12)) as budget_remaining,
    cast(case when budget > 0 then effective_cost / budget end as double) as budget_used_pct,
    coalesce(effective_cost > budget, false) as is_over_budget
from combined
