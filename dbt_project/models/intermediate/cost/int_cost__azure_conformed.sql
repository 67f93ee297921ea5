{#
    Azure cost details (EA and MCA, "actual cost" exports) -> FOCUS 1.2 columns, daily.

    ChargeType: Usage -> Usage; Purchase -> Purchase; Refund -> Credit; Tax -> Tax;
    UnusedReservation / UnusedSavingsPlan -> Usage with commitment_discount_status 'Unused';
    RoundingAdjustment / Adjustment (and anything else) -> Adjustment.
    PricingModel: OnDemand / On Demand -> Standard; Spot -> Dynamic; Reservation / SavingsPlan
    -> Committed. Commitment type from benefitId (/microsoft.capacity/ = Reservation,
    /microsoft.billingbenefits/ = Savings Plan), else from the pricing model.

    billed_cost = CostInBillingCurrency (the invoice basis). An actual-cost export bills a
    commitment on its Purchase row and shows the covered usage at 0, so a commitment purchase is
    flagged x_amortize: int_cost__amortized moves its cost (effective_cost) onto the usage it
    covered in the same billing period; with no covered usage it stays visible as Unused.
#}

with

cost_details as (

    select
        *,
        lower(replace(coalesce(charge_type, 'Usage'), ' ', '')) as charge_type_key,
        lower(replace(coalesce(pricing_model, ''), ' ', '')) as pricing_model_key,
        nullif(coalesce(nullif(benefit_id, ''), nullif(reservation_id, '')), '') as commitment_id
    from {{ ref('stg_azure__cost_details') }}

),

classified as (

    select
        *,
        case
            when charge_type_key in ('usage', 'unusedreservation', 'unusedsavingsplan')
                then 'Usage'
            when charge_type_key = 'purchase' then 'Purchase'
            when charge_type_key in ('refund', 'credit') then 'Credit'
            when charge_type_key = 'tax' then 'Tax'
            else 'Adjustment'
        end as charge_category,
        case
            when lower(benefit_id) like '%/microsoft.capacity/%' then 'Reservation'
            when lower(benefit_id) like '%/microsoft.billingbenefits/%' then 'Savings Plan'
            when pricing_model_key = 'savingsplan' or charge_type_key = 'unusedsavingsplan'
                then 'Savings Plan'
            when commitment_id is not null then 'Reservation'
        end as commitment_type_guess
    from cost_details

),

conformed as (

    select
        'azure' as x_source,
        'Microsoft' as provider,
        billing_account_id,
        billing_account_name,
        subscription_id as sub_account_id,
        subscription_name as sub_account_name,
        billing_period,
        usage_date as charge_date,
        charge_category,
        cast(null as varchar) as charge_class,
        case lower(replace(coalesce(frequency, ''), '-', ''))
            when 'usagebased' then 'Usage-Based'
            when 'recurring' then 'Recurring'
            when 'onetime' then 'One-Time'
            else case when charge_category = 'Usage' then 'Usage-Based' else 'One-Time' end
        end as charge_frequency,
        coalesce(
            nullif(meter_category, ''),
            case
                when commitment_id is not null and commitment_type_guess = 'Reservation'
                    then 'Azure Reservations'
                when commitment_id is not null and commitment_type_guess = 'Savings Plan'
                    then 'Azure Savings Plan for Compute'
            end,
            nullif(service_family, ''),
            nullif(product_name, ''),
            'Unknown'
        ) as service_name,
        coalesce(nullif(meter_category, ''), nullif(consumed_service, '')) as x_service_code,
        lower(nullif(resource_location, '')) as region,
        coalesce(
            lower(nullif(resource_id, '')),
            case when charge_category = 'Purchase' or charge_type_key like 'unused%'
                    then lower(commitment_id)
            end
        ) as resource_id,
        case
            when charge_category = 'Usage'
                and pricing_model_key in ('reservation', 'savingsplan')
                then 'Committed'
            when charge_type_key like 'unused%' then 'Committed'
            when charge_category = 'Usage' and pricing_model_key = 'spot' then 'Dynamic'
            when charge_category in ('Usage', 'Purchase') then 'Standard'
        end as pricing_category,
        case
            when pricing_model_key in ('reservation', 'savingsplan')
                or charge_type_key like 'unused%'
                or (charge_category = 'Purchase' and commitment_id is not null)
                then lower(commitment_id)
        end as commitment_discount_id,
        case
            when pricing_model_key in ('reservation', 'savingsplan')
                or charge_type_key like 'unused%'
                or (charge_category = 'Purchase' and commitment_id is not null)
                then commitment_type_guess
        end as commitment_discount_type,
        case
            when charge_type_key like 'unused%' then 'Unused'
            when charge_category = 'Usage'
                and pricing_model_key in ('reservation', 'savingsplan')
                and commitment_id is not null
                then 'Used'
        end as commitment_discount_status,
        billing_currency,
        cost_in_billing_currency as billed_cost,
        cost_in_billing_currency as effective_cost,
        coalesce(
            payg_cost_in_billing_currency, payg_price * quantity, cost_in_billing_currency
        ) as list_cost,
        coalesce(unit_price * quantity, cost_in_billing_currency) as contracted_cost,
        case when charge_category = 'Usage' then quantity end as consumed_quantity,
        case when charge_category = 'Usage' then unit_of_measure end as consumed_unit,
        coalesce(charge_type, 'Usage') as x_line_item_type,
        tags_json,
        charge_category = 'Purchase'
        and commitment_id is not null
        and pricing_model_key in ('reservation', 'savingsplan', '') as x_amortize
    from classified

),

daily as (

    {{ focus_daily_rollup('conformed', focus_daily_dimensions() + [
        'x_source', 'x_service_code', 'tags_json', 'x_amortize'
    ]) }}

)

select
    x_source,
    provider,
    billing_account_id,
    billing_account_name,
    sub_account_id,
    sub_account_name,
    billing_period,
    charge_date,
    charge_category,
    charge_class,
    charge_frequency,
    service_name,
    cast(null as varchar) as service_category,
    x_service_code,
    region,
    resource_id,
    pricing_category,
    commitment_discount_id,
    commitment_discount_type,
    case commitment_discount_type
        when 'Reservation' then 'Usage'
        when 'Savings Plan' then 'Spend'
    end as commitment_discount_category,
    commitment_discount_status,
    billing_currency,
    billed_cost,
    effective_cost,
    list_cost,
    contracted_cost,
    consumed_quantity,
    consumed_unit,
    tags_json as tags,
    cast(null as varchar) as x_inherited_tags,
    x_line_item_type,
    x_amortize,
    x_row_count
from daily
