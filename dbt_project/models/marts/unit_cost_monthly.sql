{#
    Unit economics per billing period (month), like unit_cost_daily. A metric's monthly value
    follows seeds/metric_definitions.csv: `sum` for flows (requests, orders), `avg` or `max` of
    the daily values for levels (active customers); costs are the month's effective cost
    (reporting currency).
#}

with

daily_metrics as (

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
        lower(trim(aggregation)) as aggregation,
        unit_scale,
        unit_label
    from {{ ref('metric_definitions') }}

),

team_daily_metrics as (

    select
        metric_date,
        billing_period,
        team,
        metric_name,
        sum(metric_value) as metric_value
    from daily_metrics
    group by metric_date, billing_period, team, metric_name

),

{%- set aggregate %}
        case coalesce(definitions.aggregation, 'sum')
            when 'avg' then avg(m.metric_value)
            when 'max' then max(m.metric_value)
            else sum(m.metric_value)
        end
{%- endset %}

metrics as (

    select
        m.billing_period,
        m.team,
        m.product,
        m.metric_name,
        {{ aggregate }} as metric_value,
        count(distinct m.metric_date) as metric_days
    from daily_metrics as m
    left join definitions
        on m.metric_name = definitions.metric_name
    group by m.billing_period, m.team, m.product, m.metric_name, definitions.aggregation

),

team_metrics as (

    select
        m.billing_period,
        m.team,
        m.metric_name,
        {{ aggregate }} as team_metric_value
    from team_daily_metrics as m
    left join definitions
        on m.metric_name = definitions.metric_name
    group by m.billing_period, m.team, m.metric_name, definitions.aggregation

),

team_costs as (

    select
        billing_period,
        team,
        sum(effective_cost_reporting) as team_effective_cost
    from {{ ref('int_rollup__team_product_daily') }}
    group by billing_period, team

),

product_costs as (

    select
        billing_period,
        team,
        product,
        sum(effective_cost_reporting) as product_effective_cost
    from {{ ref('int_rollup__team_product_daily') }}
    group by billing_period, team, product

)

select
    metrics.billing_period,
    metrics.team,
    metrics.product,
    metrics.metric_name,
    coalesce(definitions.aggregation, 'sum') as metric_aggregation,
    cast(metrics.metric_days as integer) as metric_days,
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
    on metrics.billing_period = team_metrics.billing_period
        and metrics.team = team_metrics.team
        and metrics.metric_name = team_metrics.metric_name
left join definitions
    on metrics.metric_name = definitions.metric_name
left join team_costs
    on metrics.billing_period = team_costs.billing_period
        and metrics.team = team_costs.team
left join product_costs
    on metrics.billing_period = product_costs.billing_period
        and metrics.team = product_costs.team
        and metrics.product = product_costs.product
