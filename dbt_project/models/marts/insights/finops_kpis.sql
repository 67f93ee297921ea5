{#
    FinOps KPIs per billing period, one row per KPI (unit costs: one per business metric), in
    the reporting currency, with the previous period's value (the trend) and the FinOps
    Foundation's crawl / walk / run sample targets from seeds/finops_kpi_targets.csv alongside:
    maturity = the highest level whose condition holds. Formulas: docs/insights.md.
#}

with

costs as (

    select
        billing_period,
        team,
        charge_category,
        effective_cost_reporting,
        list_cost_reporting
    -- fct_allocated_cost summed per day x team x product x charge category
    from {{ ref('int_rollup__team_product_daily') }}

),

periods as (

    select distinct
        billing_period,
        is_closed
    from {{ ref('budget_vs_actual') }}

),

allocation as (

    select
        billing_period,
        'allocated_to_owner_pct' as kpi,
        'total' as breakdown,
        'ratio' as unit,
        sum(case when team <> 'unallocated' then effective_cost_reporting else 0 end)
            as numerator,
        sum(effective_cost_reporting) as denominator
    from costs
    group by billing_period

),

savings as (

    -- effective savings rate: 1 - what usage cost after discounts, credits and commitments
    -- (effective cost of Usage and Credit rows) / what it would have cost at list prices
    select
        billing_period,
        'effective_savings_rate' as kpi,
        'total' as breakdown,
        'ratio' as unit,
        sum(case when charge_category = 'Usage' then list_cost_reporting else 0 end)
        - sum(effective_cost_reporting) as numerator,
        sum(case when charge_category = 'Usage' then list_cost_reporting else 0 end)
            as denominator
    from costs
    where charge_category in ('Usage', 'Credit')
    group by billing_period

),

tagging as (

    -- dollar-weighted: tagged / taggable effective cost, each account converted to the
    -- reporting currency with its period's rate
    select
        tag_coverage.billing_period,
        'tag_coverage_pct' as kpi,
        'total' as breakdown,
        'ratio' as unit,
        sum(tag_coverage.tagged_cost * exchange_rates.rate) as numerator,
        sum(tag_coverage.taggable_cost * exchange_rates.rate) as denominator
    from {{ ref('tag_coverage') }} as tag_coverage
    inner join {{ ref('int_cost__exchange_rates') }} as exchange_rates
        on tag_coverage.billing_period = exchange_rates.billing_period
            and tag_coverage.billing_currency = exchange_rates.currency
    group by tag_coverage.billing_period

),

commitments as (

    select
        billing_period,
        sum(covered_list_cost) as covered_list_cost,
        sum(covered_list_cost + on_demand_list_cost) as eligible_list_cost,
        sum(covered_cost) as covered_cost,
        sum(commitment_cost) as commitment_cost
    from {{ ref('commitment_coverage') }}
    where is_commitment_eligible
    group by billing_period

),

commitment_kpis as (

    select
        billing_period,
        'commitment_coverage_pct' as kpi,
        'total' as breakdown,
        'ratio' as unit,
        covered_list_cost as numerator,
        eligible_list_cost as denominator
    from commitments

    union all

    select
        billing_period,
        'commitment_utilization_pct' as kpi,
        'total' as breakdown,
        'ratio' as unit,
        covered_cost as numerator,
        commitment_cost as denominator
    from commitments

),

forecasting as (

    -- dollar-weighted absolute error of the back-tested team forecasts of closed months
    select
        billing_period,
        'forecast_variance_pct' as kpi,
        'total' as breakdown,
        'ratio' as unit,
        sum(abs(actual_cost - backtest_forecast_cost)) as numerator,
        sum(backtest_forecast_cost) as denominator
    from {{ ref('budget_vs_actual') }}
    where is_closed and backtest_forecast_cost is not null
    group by billing_period

),

anomalies as (

    -- team x service anomalies only (the account view flags the same spend again)
    select
        strftime(first_seen_date, '%Y-%m') as billing_period,
        'anomaly_count' as kpi,
        'total' as breakdown,
        'count' as unit,
        cast(count(distinct anomaly_id) as decimal(38, 12)) as numerator,
        cast(null as decimal(38, 12)) as denominator
    from {{ ref('cost_anomalies') }}
    where scope = 'team_service'
    group by strftime(first_seen_date, '%Y-%m')

),

anomaly_impact as (

    select
        billing_period,
        sum(impact) as impact
    from {{ ref('cost_anomalies') }}
    where scope = 'team_service'
    group by billing_period

),

anomaly_impact_kpis as (

    select
        allocation.billing_period,
        'anomaly_impact' as kpi,
        'total' as breakdown,
        'currency' as unit,
        coalesce(anomaly_impact.impact, 0) as numerator,
        cast(null as decimal(38, 12)) as denominator
    from allocation
    left join anomaly_impact
        on allocation.billing_period = anomaly_impact.billing_period

    union all

    select
        allocation.billing_period,
        'anomaly_impact_pct' as kpi,
        'total' as breakdown,
        'ratio' as unit,
        coalesce(anomaly_impact.impact, 0) as numerator,
        allocation.denominator
    from allocation
    left join anomaly_impact
        on allocation.billing_period = anomaly_impact.billing_period

),

unit_costs as (

    -- company unit cost per metric: the cost of the teams reporting it over their metric
    select
        billing_period,
        'unit_cost' as kpi,
        metric_name as breakdown,
        'currency ' || max(unit_label) as unit,
        sum(team_effective_cost * unit_scale) as numerator,
        sum(team_metric_value) as denominator
    from (
        select distinct
            billing_period,
            team,
            metric_name,
            unit_label,
            unit_scale,
            team_metric_value,
            team_effective_cost
        from {{ ref('unit_cost_monthly') }}
    ) as team_metrics
    group by billing_period, metric_name

),

kpi_values as (

    select * from allocation
    union all
    select * from savings
    union all
    select * from tagging
    union all
    select * from commitment_kpis
    union all
    select * from forecasting
    union all
    select
        periods.billing_period,
        'anomaly_count' as kpi,
        'total' as breakdown,
        'count' as unit,
        coalesce(anomalies.numerator, 0) as numerator,
        cast(null as decimal(38, 12)) as denominator
    from periods
    left join anomalies
        on periods.billing_period = anomalies.billing_period
    union all
    select * from anomaly_impact_kpis
    union all
    select * from unit_costs

),

valued as (

    select
        kpi_values.*,
        case
            when kpi_values.unit in ('count', 'currency') then kpi_values.numerator
            when kpi_values.denominator <> 0
                then kpi_values.numerator / kpi_values.denominator
        end as value
    from kpi_values
    inner join periods
        on kpi_values.billing_period = periods.billing_period

),

trended as (

    select
        *,
        lag(value) over (partition by kpi, breakdown order by billing_period) as previous_value
    from valued

),

targets as (

    select
        lower(trim(kpi)) as kpi,
        lower(trim(level)) as level,
        trim(operator) as operator,
        threshold
    from {{ ref('finops_kpi_targets') }}

),

levels as (

    select
        trended.billing_period,
        trended.kpi,
        trended.breakdown,
        max(case when targets.level = 'crawl' then targets.operator || ' ' || targets.threshold end)
            as target_crawl,
        max(case when targets.level = 'walk' then targets.operator || ' ' || targets.threshold end)
            as target_walk,
        max(case when targets.level = 'run' then targets.operator || ' ' || targets.threshold end)
            as target_run,
        max(
            case
                when trended.value is null then null
                when
                    (targets.operator = '>=' and trended.value >= targets.threshold)
                    or (targets.operator = '>' and trended.value > targets.threshold)
                    or (targets.operator = '<=' and trended.value <= targets.threshold)
                    or (targets.operator = '<' and trended.value < targets.threshold)
                    then case targets.level when 'crawl' then 1 when 'walk' then 2 else 3 end
                else 0
            end
        ) as level_reached
    from trended
    inner join targets
        on trended.kpi = targets.kpi
    group by trended.billing_period, trended.kpi, trended.breakdown

)

select
    trended.billing_period,
    periods.is_closed,
    trended.kpi,
    trended.breakdown,
    trended.unit,
    '{{ var("reporting_currency") | upper }}' as reporting_currency,
    cast(trended.numerator as decimal(38, 12)) as numerator,
    cast(trended.denominator as decimal(38, 12)) as denominator,
    cast(trended.value as double) as value,
    cast(trended.previous_value as double) as previous_value,
    cast(
        case
            when trended.previous_value <> 0
                then (trended.value - trended.previous_value) / abs(trended.previous_value)
        end as double
    ) as change_pct,
    levels.target_crawl,
    levels.target_walk,
    levels.target_run,
    case levels.level_reached
        when 3 then 'run'
        when 2 then 'walk'
        when 1 then 'crawl'
        when 0 then 'below_crawl'
    end as maturity
from trended
inner join periods
    on trended.billing_period = periods.billing_period
left join levels
    on trended.billing_period = levels.billing_period
        and trended.kpi = levels.kpi
        and trended.breakdown = levels.breakdown
