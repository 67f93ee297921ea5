{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    fct_allocated_cost summed per billing period x charge day x team x product x charge
    category (reporting currency): the small upstream of the marts that need no finer grain
    (budget_vs_actual, unit_cost_daily, unit_cost_monthly, finops_kpis), so they re-read ~2 %
    of the fact's rows. Exact decimal sums, so a sum over it equals the sum over the fact.
    Built by billing period like the fact.
#}

with

costs as (

    select
        billing_period,
        charge_date,
        team,
        product,
        charge_category,
        reporting_currency,
        effective_cost_reporting,
        list_cost_reporting
    from {{ ref('fct_allocated_cost') }}
    where {{ billing_period_filter() }}

)

select
    billing_period,
    charge_date,
    team,
    product,
    charge_category,
    reporting_currency,
    sum(effective_cost_reporting) as effective_cost_reporting,
    sum(list_cost_reporting) as list_cost_reporting
from costs
group by billing_period, charge_date, team, product, charge_category, reporting_currency
