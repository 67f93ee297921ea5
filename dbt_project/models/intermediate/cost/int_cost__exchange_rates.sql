{{ config(materialized='table') }}

{#
    The rate from every (billing period, currency) the costs and budgets use to the reporting
    currency (var reporting_currency). From seeds/exchange_rates.csv: the direct rate, else the
    inverse of the opposite rate; the reporting currency itself is 1 by definition. A missing
    rate stops the build with a message naming the currency and the month: there is no silent
    fallback to 1.0.
#}

{%- set reporting_currency = var('reporting_currency') | upper %}

with

needed as (

    select distinct
        billing_period,
        upper(billing_currency) as currency
    from {{ ref('int_cost__focus_unioned') }}
    union
    select distinct
        billing_period,
        upper(trim(currency)) as currency
    from {{ ref('budgets') }}

),

rates as (

    select
        billing_period,
        upper(trim(from_currency)) as from_currency,
        upper(trim(to_currency)) as to_currency,
        rate
    from {{ ref('exchange_rates') }}

),

resolved as (

    select
        needed.billing_period,
        needed.currency,
        '{{ reporting_currency }}' as reporting_currency,
        case
            when needed.currency = '{{ reporting_currency }}' then cast(1 as decimal(18, 10))
            when direct.rate is not null then cast(direct.rate as decimal(18, 10))
            when inverse.rate > 0 then cast(1.0 / inverse.rate as decimal(18, 10))
        end as rate,
        case
            when needed.currency = '{{ reporting_currency }}' then 'identity'
            when direct.rate is not null then 'direct'
            when inverse.rate > 0 then 'inverse'
        end as rate_source
    from needed
    left join rates as direct
        on needed.billing_period = direct.billing_period
            and needed.currency = direct.from_currency
            and direct.to_currency = '{{ reporting_currency }}'
    left join rates as inverse
        on needed.billing_period = inverse.billing_period
            and needed.currency = inverse.to_currency
            and inverse.from_currency = '{{ reporting_currency }}'

)

select
    billing_period,
    currency,
    reporting_currency,
    -- noqa: disable=ST02
    case
        when rate is null then {{ raise_error(
            "'missing exchange rate ' || currency || ' -> ' || reporting_currency
            || ' for billing period ' || billing_period
            || ': add a row (billing_period, from_currency, to_currency, rate) to'
            || ' seeds/exchange_rates.csv'"
        ) }}
        else rate
    end as rate,
    -- noqa: enable=ST02
    rate_source
from resolved
