{#
    Each team's billing period against its budget, with a month-end forecast, in the reporting
    currency (effective cost, shared costs included). "As of" is the last complete day of data
    (var insights_as_of_date, else the last usage day minus one unless it ends its month), never
    today's date, so a rebuild of the same data gives the same numbers.

    Forecast (open month, as of day D): actual to date + for each remaining day r of the month
    the team's average Usage cost on r's weekday over the var forecast_window_days days ending
    D (28 = four of each weekday; the window's overall daily average when a weekday has no day
    in it, i.e. within the first week of data). Charges other than Usage (tax, credits,
    purchases, adjustments) count as booked when they appear; they are not extrapolated.
    Back-test (closed month): the same method as of the end of day var forecast_backtest_day,
    compared with the month's actual (forecast_variance_pct), so the method's error is visible.
#}

{%- set window_days = var('forecast_window_days') | int %}

with

costs as (

    select
        team,
        billing_period,
        charge_date,
        charge_category,
        effective_cost_reporting as cost,
        reporting_currency
    -- fct_allocated_cost summed per day x team x product x charge category
    from {{ ref('int_rollup__team_product_daily') }}

),

bounds as (

    select
        min(charge_date) as data_start,
        {{ insights_as_of_date('charge_date') }} as as_of_date,
        min(billing_period) as first_period,
        max(reporting_currency) as reporting_currency
    from costs
    where charge_category = 'Usage'

),

budgets as (

    select
        lower(trim(budgets.team)) as team,
        budgets.billing_period,
        sum(budgets.amount) as budget_amount,
        max(upper(trim(budgets.currency))) as budget_currency,
        sum(budgets.amount * exchange_rates.rate) as budget
    from {{ ref('budgets') }} as budgets
    inner join {{ ref('int_cost__exchange_rates') }} as exchange_rates
        on budgets.billing_period = exchange_rates.billing_period
            and upper(trim(budgets.currency)) = exchange_rates.currency
    group by lower(trim(budgets.team)), budgets.billing_period

),

team_periods as (

    -- every team with cost or a budget, for each period from the first with data to the one
    -- holding the as-of date
    select
        keys.team,
        keys.billing_period,
        cast(keys.billing_period || '-01' as date) as period_start,
        cast(
            cast(keys.billing_period || '-01' as date) + interval 1 month - interval 1 day as date
        ) as period_end
    from (
        select distinct
            team,
            billing_period
        from costs
        union
        select
            team,
            billing_period
        from budgets
    ) as keys
    cross join bounds
    where
        keys.billing_period >= bounds.first_period
        and keys.billing_period <= strftime(bounds.as_of_date, '%Y-%m')

),

points as (

    -- the forecast points: the live one (as of the as-of date) for a month that is not over,
    -- and the back-test cut-off of every closed month
    select
        team_periods.team,
        team_periods.billing_period,
        team_periods.period_end,
        case
            when bounds.as_of_date >= team_periods.period_end
                then cast(
                        team_periods.period_start
                        + interval ({{ var('forecast_backtest_day') | int }} - 1) day as date
                    )
            else bounds.as_of_date
        end as cutoff_date,
        bounds.as_of_date >= team_periods.period_end as is_backtest
    from team_periods
    cross join bounds

),

calendar as (

    select
        cast(unnest(generate_series(
            min(bounds.data_start),
            max(team_periods.period_end),
            interval 1 day
        )) as date) as calendar_date
    from team_periods
    cross join bounds

),

daily_usage as (

    -- each team's Usage cost per day, zeros included, up to the as-of date
    select
        teams.team,
        calendar.calendar_date,
        dayofweek(calendar.calendar_date) as weekday,
        coalesce(usage_days.cost, 0) as cost
    from (select distinct team from team_periods) as teams
    cross join calendar
    cross join bounds
    left join (
        select
            team,
            charge_date,
            sum(cost) as cost
        from costs
        where charge_category = 'Usage'
        group by team, charge_date
    ) as usage_days
        on teams.team = usage_days.team
            and calendar.calendar_date = usage_days.charge_date
    where calendar.calendar_date <= bounds.as_of_date

),

trailing_rates as (

    -- per day: the average of the same weekday over the window ending that day, and the
    -- window's overall average (window functions over the dense daily series)
    select
        team,
        calendar_date,
        weekday,
        cast(avg(cost) over (
            partition by team, weekday order by calendar_date
            rows between {{ (window_days // 7) - 1 }} preceding and current row
        ) as decimal(38, 12)) as weekday_rate,
        cast(avg(cost) over (
            partition by team order by calendar_date
            rows between {{ window_days - 1 }} preceding and current row
        ) as decimal(38, 12)) as window_rate,
        count(*) over (
            partition by team order by calendar_date
            rows between {{ window_days - 1 }} preceding and current row
        ) as window_days
    from daily_usage

),

rates as (

    -- the rate of each weekday as of a cut-off: the trailing values on the last 7 days to it
    select
        points.team,
        points.billing_period,
        points.cutoff_date,
        trailing_rates.weekday,
        trailing_rates.weekday_rate,
        max(case when trailing_rates.calendar_date = points.cutoff_date then trailing_rates.window_rate end)
            over (partition by points.team, points.billing_period) as window_rate,
        max(case when trailing_rates.calendar_date = points.cutoff_date then trailing_rates.window_days end)
            over (partition by points.team, points.billing_period) as history_days
    from points
    inner join trailing_rates
        on points.team = trailing_rates.team
            and trailing_rates.calendar_date > points.cutoff_date - interval 7 day
            and points.cutoff_date >= trailing_rates.calendar_date

),

window_rates as (

    select distinct
        team,
        billing_period,
        window_rate
    from rates

),

projected as (

    select
        points.team,
        points.billing_period,
        points.cutoff_date,
        points.is_backtest,
        max(rates.history_days) as history_days,
        sum(coalesce(rates.weekday_rate, window_rates.window_rate)) as remaining_cost
    from points
    inner join calendar
        on points.cutoff_date < calendar.calendar_date
            and points.period_end >= calendar.calendar_date
    left join rates
        on points.team = rates.team
            and points.billing_period = rates.billing_period
            and dayofweek(calendar.calendar_date) = rates.weekday
    left join window_rates
        on points.team = window_rates.team
            and points.billing_period = window_rates.billing_period
    group by points.team, points.billing_period, points.cutoff_date, points.is_backtest

),

actuals as (

    select
        points.team,
        points.billing_period,
        sum(costs.cost) as actual_cost,
        sum(case when costs.charge_date <= points.cutoff_date then costs.cost end)
            as cost_to_cutoff
    from points
    inner join costs
        on points.team = costs.team
            and points.billing_period = costs.billing_period
    group by points.team, points.billing_period

),

combined as (

    select
        team_periods.team,
        team_periods.billing_period,
        team_periods.period_start,
        team_periods.period_end,
        points.cutoff_date,
        points.is_backtest as is_closed,
        budgets.budget,
        budgets.budget_amount,
        budgets.budget_currency,
        coalesce(actuals.actual_cost, 0) as actual_cost,
        -- a cut-off with less than a week of history gives no forecast
        case
            when coalesce(projected.history_days, 0) >= 7 or projected.team is null
                then coalesce(actuals.cost_to_cutoff, 0) + coalesce(projected.remaining_cost, 0)
        end as method_forecast
    from team_periods
    inner join points
        on team_periods.team = points.team
            and team_periods.billing_period = points.billing_period
    left join budgets
        on team_periods.team = budgets.team
            and team_periods.billing_period = budgets.billing_period
    left join actuals
        on team_periods.team = actuals.team
            and team_periods.billing_period = actuals.billing_period
    left join projected
        on team_periods.team = projected.team
            and team_periods.billing_period = projected.billing_period

),

final as (

    select
        combined.*,
        case when combined.is_closed then combined.actual_cost else combined.method_forecast end
            as forecast_cost,
        case when combined.is_closed then combined.method_forecast end as backtest_forecast_cost
    from combined

)

select
    final.billing_period,
    final.team,
    teams.department,
    lower(trim(teams.owner_email)) as owner_email,
    bounds.reporting_currency,
    cast(final.budget as decimal(38, 12)) as budget,
    cast(final.budget_amount as decimal(38, 12)) as budget_amount,
    final.budget_currency,
    final.period_start,
    final.period_end,
    cast(datediff('day', final.period_start, final.period_end) + 1 as integer) as days_in_period,
    bounds.as_of_date,
    cast(
        greatest(0, least(
            datediff('day', final.period_start, bounds.as_of_date) + 1,
            datediff('day', final.period_start, final.period_end) + 1
        )) as integer
    ) as days_elapsed,
    final.is_closed,
    cast(final.actual_cost as decimal(38, 12)) as actual_cost,
    cast(final.forecast_cost as decimal(38, 12)) as forecast_cost,
    case when final.is_closed then 'actual' else 'run_rate_weekday' end as forecast_method,
    cast(final.forecast_cost - final.budget as decimal(38, 12)) as budget_variance,
    cast(
        case when final.budget > 0 then (final.forecast_cost - final.budget) / final.budget end
        as double
    ) as budget_variance_pct,
    case
        when final.budget is null then 'no_budget'
        when final.actual_cost > final.budget then 'over'
        when not final.is_closed
            and final.forecast_cost > {{ var('budget_at_risk_ratio') }} * final.budget
            then 'at_risk'
        else 'on_track'
    end as status,
    case when final.is_closed then final.cutoff_date end as backtest_cutoff_date,
    cast(final.backtest_forecast_cost as decimal(38, 12)) as backtest_forecast_cost,
    cast(final.actual_cost - final.backtest_forecast_cost as decimal(38, 12))
        as forecast_variance,
    cast(
        case
            when final.backtest_forecast_cost <> 0
                then (final.actual_cost - final.backtest_forecast_cost)
                    / final.backtest_forecast_cost
        end as double
    ) as forecast_variance_pct
from final
cross join bounds
left join {{ ref('teams') }} as teams
    on final.team = lower(trim(teams.team))
