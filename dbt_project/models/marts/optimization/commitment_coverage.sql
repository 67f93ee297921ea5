{#
    Commitment discount coverage and utilization per billing period x provider x service category
    (x billing currency), in the reporting currency. Usage rows only:
      on demand  = pricing_category 'Standard' (spot / 'Dynamic' is not commitment-eligible),
      covered    = pricing_category 'Committed', commitment_discount_status 'Used', net of
                   the commitment credits that cancel it (GCP CUD credit rows),
      unused     = commitment_discount_status 'Unused' (the unused part of a commitment, on the
                   service category of the usage that commitment covers when it covers any).
    Coverage compares on-demand equivalents (list cost) of covered and on-demand usage;
    utilization is covered commitment cost over all commitment cost. A category is listed when
    seeds/commitment_discounts.csv says a commitment can cover it, or when it has commitment rows.
    Reads int_cost__attributed (not the allocated fact): coverage does not depend on who owns the
    cost, so it is the same before and after a month close.
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
        -- a commitment credit (GCP CUD) nets the covered usage it cancels; no list cost
        case when charge_category = 'Credit' then 0 else list_cost end as list_cost,
        row_count
    -- int_cost__attributed's Usage rows and commitment Credit rows, summed by all of these
    from {{ ref('int_optimization__commitment_usage') }}

),

discounts as (

    select
        lower(trim(provider)) as provider_key,
        lower(trim(service_category)) as category_key,
        commitment_type,
        cast(typical_discount as decimal(9, 6)) as typical_discount
    from {{ ref('commitment_discounts') }}

),

-- the service category a commitment serves: the one of the most usage it covers
commitment_usage as (

    select
        provider,
        commitment_discount_id,
        service_category,
        sum(effective_cost) as covered_cost
    from costs
    where commitment_discount_status = 'Used' and commitment_discount_id is not null
    group by provider, commitment_discount_id, service_category

),

commitment_categories as (

    select
        provider,
        commitment_discount_id,
        service_category
    from (
        select
            provider,
            commitment_discount_id,
            service_category,
            row_number() over (
                partition by provider, commitment_discount_id
                order by covered_cost desc, service_category asc
            ) as category_rank
        from commitment_usage
    ) as ranked
    where category_rank = 1

),

classified as (

    select
        costs.billing_period,
        costs.provider,
        case
            when costs.commitment_discount_status = 'Unused'
                then coalesce(commitment_categories.service_category, costs.service_category)
            else costs.service_category
        end as service_category,
        costs.billing_currency,
        costs.reporting_currency,
        costs.exchange_rate,
        case
            when costs.commitment_discount_status = 'Unused' then 'unused'
            when costs.pricing_category = 'Committed' then 'covered'
            when costs.charge_category = 'Credit' then 'covered'
            when costs.pricing_category = 'Standard' then 'on_demand'
            else 'other'
        end as usage_class,
        costs.effective_cost,
        costs.list_cost,
        costs.row_count
    from costs
    left join commitment_categories
        on costs.provider = commitment_categories.provider
            and costs.commitment_discount_id = commitment_categories.commitment_discount_id

),

aggregated as (

    select
        billing_period,
        provider,
        service_category,
        billing_currency,
        reporting_currency,
        exchange_rate,
        sum(case when usage_class = 'on_demand' then effective_cost else 0 end)
            as on_demand_cost,
        sum(case when usage_class = 'on_demand' then list_cost else 0 end)
            as on_demand_list_cost,
        sum(case when usage_class = 'covered' then effective_cost else 0 end) as covered_cost,
        sum(case when usage_class = 'covered' then list_cost else 0 end) as covered_list_cost,
        sum(case when usage_class = 'unused' then effective_cost else 0 end)
            as unused_commitment_cost,
        sum(case when usage_class in ('covered', 'unused') then row_count else 0 end)
            as commitment_rows
    from classified
    group by
        billing_period,
        provider,
        service_category,
        billing_currency,
        reporting_currency,
        exchange_rate

),

reported as (

    select
        aggregated.billing_period,
        aggregated.provider,
        aggregated.service_category,
        aggregated.billing_currency,
        aggregated.reporting_currency,
        aggregated.exchange_rate,
        discounts.commitment_type,
        discounts.typical_discount,
        discounts.provider_key is not null as is_commitment_eligible,
        aggregated.commitment_rows,
        aggregated.on_demand_cost * aggregated.exchange_rate as on_demand_cost,
        aggregated.on_demand_list_cost * aggregated.exchange_rate as on_demand_list_cost,
        aggregated.covered_cost * aggregated.exchange_rate as covered_cost,
        aggregated.covered_list_cost * aggregated.exchange_rate as covered_list_cost,
        aggregated.unused_commitment_cost * aggregated.exchange_rate as unused_commitment_cost
    from aggregated
    left join discounts
        on lower(aggregated.provider) = discounts.provider_key
            and lower(aggregated.service_category) = discounts.category_key

)

select
    billing_period,
    provider,
    service_category,
    billing_currency,
    reporting_currency,
    cast(exchange_rate as decimal(18, 10)) as exchange_rate,
    is_commitment_eligible,
    commitment_type,
    typical_discount,
    cast(on_demand_cost as decimal(38, 12)) as on_demand_cost,
    cast(on_demand_list_cost as decimal(38, 12)) as on_demand_list_cost,
    cast(covered_cost as decimal(38, 12)) as covered_cost,
    cast(covered_list_cost as decimal(38, 12)) as covered_list_cost,
    cast(covered_cost + unused_commitment_cost as decimal(38, 12)) as commitment_cost,
    cast(unused_commitment_cost as decimal(38, 12)) as unused_commitment_cost,
    cast(
        covered_list_cost - covered_cost - unused_commitment_cost as decimal(38, 12)
    ) as commitment_savings,
    cast(
        covered_list_cost / nullif(covered_list_cost + on_demand_list_cost, 0) as double
    ) as coverage_pct,
    cast(
        covered_cost / nullif(covered_cost + unused_commitment_cost, 0) as double
    ) as utilization_pct
from reported
where is_commitment_eligible or commitment_rows > 0
