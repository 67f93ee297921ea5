{#
    Unit economics per day: cost per business metric (requests, active customers, orders...)
    by team and product, in the reporting currency, effective cost (amortized, shared included).
      team_cost_per_unit     the team's whole cost of the day / the team's metric over all its
                             products (the number to track per team)
      product_cost_per_unit  the cost attributed to that team and product / the product's metric
                             (NULL when no cost carries that product)
    Both are scaled by seeds/metric_definitions.csv unit_scale (e.g. per 1k requests).
#}

with

metrics as (

    select
        metric_date,
        billing_period,
        team,
        coalesce(product, 'unallocated') as product,
        metric_name,
        sum(metric_value) as metric_value
    from {{ ref('stg_business__metrics') }}
    group by metric_date, billing_period, team, coalesce(product, 'unallocated'), metric_name

),

definitions as (

    select
        lower(trim(metric_name)) as metric_name,
        unit_scale,
        unit_label
    from {{ ref('metric_definitions') }}

),

team_metrics as (

    select
        metric_date,
        team,
        metric_name,
        sum(metric_value) as team_metric_value
    from metrics
    group by metric_date, team, metric_name

),

team_costs as (

    select
        charge_date,
        team,
        sum(effective_cost_reporting) as team_effective_cost
    from {{ ref('int_rollup__team_product_daily') }}
    group by charge_date, team

),

product_costs as (

    select
        charge_date,
        team,
        product,
        sum(effective_cost_reporting) as product_effective_cost
    from {{ ref('int_rollup__team_product_daily') }}
    group by charge_date, team, product

)

select
    metrics.metric_date,
    metrics.billing_period,
    metrics.team,
    metrics.product,
    metrics.metric_name,
    cast(metrics.metric_value as decimal(38, 6)) as metric_value,
    cast(team_metrics.team_metric_value as decimal(38, 6)) as team_metric_value,
    '{{ var("reporting_currency") | upper }}' as reporting_currency,
    cast(coalesce(team_costs.team_effective_cost, 0) as decimal(38, 12)) as team_effective_cost,
    cast(product_costs.product_effective_cost as decimal(38, 12)) as product_effective_cost,
    cast(coalesce(definitions.unit_scale, 1) as integer) as unit_scale,
    coalesce(definitions.unit_label, 'per ' || metrics.metric_name) as unit_label,
    cast(
        case
            when team_metrics.team_metric_value > 0
                then coalesce(team_costs.team_effective_cost, 0) * coalesce(definitions.unit_scale, 1)
                    / team_metrics.team_metric_value
        end as double
    ) as team_cost_per_unit,
    cast(
        case
            when metrics.metric_value > 0
                then product_costs.product_effective_cost * coalesce(definitions.unit_scale, 1)
                    / metrics.metric_value
        end as double
    ) as product_cost_per_unit
from metrics
inner join team_metrics
    on metrics.metric_date = team_metrics.metric_date
        and metrics.team = team_metrics.team
        and metrics.metric_name = team_metrics.metric_name
left join definitions
    on metrics.metric_name = definitions.metric_name
left join team_costs
    on metrics.metric_date = team_costs.charge_date
        and metrics.team = team_costs.team
left join product_costs
    on metrics.metric_date = product_costs.charge_date
        and metrics.team = product_costs.team
        and metrics.product = product_costs.product
