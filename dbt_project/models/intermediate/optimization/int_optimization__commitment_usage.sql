{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    The rows commitment_coverage reads (Usage, and the Credit rows of a commitment) of
    int_cost__attributed, summed per billing period x provider x service category x commitment x
    charge category x pricing category x commitment status x currency: a few hundred rows a
    year instead of millions. Exact decimal sums and the row count, built by billing period.
#}

with

costs as (

    select
        billing_period,
        provider,
        service_category,
        commitment_discount_id,
        charge_category,
        pricing_category,
        commitment_discount_status,
        billing_currency,
        reporting_currency,
        exchange_rate,
        effective_cost,
        list_cost
    from {{ ref('int_cost__attributed') }}
    where
        (
            charge_category = 'Usage'
            or (charge_category = 'Credit' and commitment_discount_id is not null)
        )
        and {{ billing_period_filter() }}

)

select
    billing_period,
    provider,
    service_category,
    commitment_discount_id,
    charge_category,
    pricing_category,
    commitment_discount_status,
    billing_currency,
    reporting_currency,
    exchange_rate,
    sum(effective_cost) as effective_cost,
    sum(list_cost) as list_cost,
    count(*) as row_count
from costs
group by
    billing_period,
    provider,
    service_category,
    commitment_discount_id,
    charge_category,
    pricing_category,
    commitment_discount_status,
    billing_currency,
    reporting_currency,
    exchange_rate
