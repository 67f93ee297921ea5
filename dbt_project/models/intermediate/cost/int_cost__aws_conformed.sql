{#
    AWS CUR 2.0 and legacy CUR line items -> FOCUS 1.2 columns, rolled up from hourly to daily.

    Line item types (billing-formats.md):
      Usage, DiscountedUsage (RI), SavingsPlanCoveredUsage, SavingsPlanNegation   -> Usage
      Fee, RIFee, SavingsPlanRecurringFee, SavingsPlanUpfrontFee                  -> Purchase
      Tax                                                                         -> Tax
      Credit, Refund, EdpDiscount, BundledDiscount, Discount, PrivateRateDiscount -> Credit
      anything else                                                               -> Adjustment
    billed_cost is always line_item_unblended_cost, so the negation rows cancel the on-demand
    cost of Savings Plan covered usage and billed totals equal the invoice.
    effective_cost is the amortized view: covered usage carries savings_plan_effective_cost /
    reservation_effective_cost; fees and negations carry 0; the unused part of a commitment fee
    becomes its own Usage row with commitment_discount_status = 'Unused' (billed 0), so unused
    commitment stays visible and can be assigned by an allocation rule.
#}

with

line_items as (

    select
        'aws_cur2' as x_source,
        *
    from {{ ref('stg_aws_cur2__line_items') }}
    union all
    select
        'aws_cur' as x_source,
        *
    from {{ ref('stg_aws_cur__line_items') }}

),

classified as (

    select
        *,
        case
            when line_item_type in (
                    'Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation'
                ) then 'Usage'
            when line_item_type in (
                    'Fee', 'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee'
                ) then 'Purchase'
            when line_item_type = 'Tax' then 'Tax'
            when line_item_type in (
                    'Credit', 'Refund', 'EdpDiscount', 'BundledDiscount', 'Discount',
                    'PrivateRateDiscount', 'DistributorDiscount'
                ) then 'Credit'
            else 'Adjustment'
        end as charge_category,
        case
            when line_item_type in ('DiscountedUsage', 'RIFee') then reservation_arn
            when line_item_type = 'Fee' and nullif(reservation_arn, '') is not null
                then reservation_arn
            when line_item_type like 'SavingsPlan%' then savings_plan_arn
        end as commitment_discount_id,
        case
            when line_item_type in ('DiscountedUsage', 'RIFee') then 'Reserved Instance'
            when line_item_type = 'Fee' and nullif(reservation_arn, '') is not null
                then 'Reserved Instance'
            when line_item_type like 'SavingsPlan%' then 'Savings Plan'
        end as commitment_discount_type,
        case
            when line_item_type = 'RIFee'
                then coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0)
                    + coalesce(reservation_unused_recurring_fee, 0)
            when line_item_type = 'SavingsPlanRecurringFee'
                then coalesce(savings_plan_total_commitment_to_date, 0)
                    - coalesce(savings_plan_used_commitment, 0)
            else 0
        end as unused_commitment_cost
    from line_items

),

conformed as (

    select
        x_source,
        'AWS' as provider,
        billing_account_id,
        billing_account_name,
        usage_account_id as sub_account_id,
        usage_account_name as sub_account_name,
        billing_period,
        cast(usage_start_at as date) as charge_date,
        charge_category,
        cast(null as varchar) as charge_class,
        case
            when charge_category = 'Usage' then 'Usage-Based'
            when line_item_type in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
            else 'One-Time'
        end as charge_frequency,
        coalesce(nullif(product_name, ''), product_code, 'Unknown') as service_name,
        coalesce(product_code, product_name) as x_service_code,
        nullif(region, '') as region,
        coalesce(
            nullif(resource_id, ''),
            case when charge_category = 'Purchase' then commitment_discount_id end
        ) as resource_id,
        case
            when line_item_type in (
                    'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation'
                ) then 'Committed'
            when charge_category = 'Usage' and lower(purchase_option) like 'spot%' then 'Dynamic'
            when charge_category in ('Usage', 'Purchase') then 'Standard'
        end as pricing_category,
        commitment_discount_id,
        commitment_discount_type,
        case commitment_discount_type
            when 'Reserved Instance' then 'Usage'
            when 'Savings Plan' then 'Spend'
        end as commitment_discount_category,
        case
            when charge_category = 'Usage' and commitment_discount_id is not null then 'Used'
        end as commitment_discount_status,
        currency_code as billing_currency,
        unblended_cost as billed_cost,
        case
            when line_item_type = 'SavingsPlanCoveredUsage'
                then coalesce(savings_plan_effective_cost, 0)
            when line_item_type = 'DiscountedUsage' then coalesce(reservation_effective_cost, 0)
            when line_item_type in (
                    'SavingsPlanNegation', 'SavingsPlanUpfrontFee', 'SavingsPlanRecurringFee', 'RIFee'
                ) then 0
            when line_item_type = 'Fee' and commitment_discount_id is not null then 0
            else unblended_cost
        end as effective_cost,
        case
            when line_item_type = 'SavingsPlanNegation' then 0
            when charge_category = 'Usage' then coalesce(public_on_demand_cost, unblended_cost)
            else unblended_cost
        end as list_cost,
        case
            when line_item_type = 'SavingsPlanNegation' then 0
            when charge_category = 'Usage'
                then coalesce(public_on_demand_cost, unblended_cost)
            else unblended_cost
        end as contracted_cost,
        case when charge_category = 'Usage' then usage_amount end as consumed_quantity,
        case when charge_category = 'Usage' then pricing_unit end as consumed_unit,
        line_item_type as x_line_item_type,
        resource_tags,
        unused_commitment_cost
    from classified

),

unused_commitments as (

    -- the unused part of RI / Savings Plan fees, as its own Usage row (FOCUS: status Unused)
    select
        x_source,
        provider,
        billing_account_id,
        billing_account_name,
        sub_account_id,
        sub_account_name,
        billing_period,
        charge_date,
        'Usage' as charge_category,
        charge_class,
        'Usage-Based' as charge_frequency,
        service_name,
        x_service_code,
        region,
        resource_id,
        'Committed' as pricing_category,
        commitment_discount_id,
        commitment_discount_type,
        commitment_discount_category,
        'Unused' as commitment_discount_status,
        billing_currency,
        cast(0 as decimal(38, 12)) as billed_cost,
        unused_commitment_cost as effective_cost,
        cast(0 as decimal(38, 12)) as list_cost,
        cast(0 as decimal(38, 12)) as contracted_cost,
        cast(null as decimal(38, 12)) as consumed_quantity,
        consumed_unit,
        x_line_item_type || ':unused' as x_line_item_type,
        resource_tags,
        unused_commitment_cost
    from conformed
    where unused_commitment_cost <> 0

),

all_rows as (

    select * from conformed
    union all
    select * from unused_commitments

),

daily as (

    {{ focus_daily_rollup('all_rows', focus_daily_dimensions() + [
        'x_source', 'x_service_code', 'commitment_discount_category', 'resource_tags'
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
    commitment_discount_category,
    commitment_discount_status,
    billing_currency,
    billed_cost,
    effective_cost,
    list_cost,
    contracted_cost,
    consumed_quantity,
    consumed_unit,
    {{ map_to_json_text('resource_tags') }} as tags,
    cast(null as varchar) as x_inherited_tags,
    x_line_item_type,
    false as x_amortize,
    x_row_count
from daily
