{#
    FOCUS 1.0-1.2 files (any provider) -> the same FOCUS 1.2 columns, daily.
    Already FOCUS: only enum spellings are normalized ('Usage-based' -> 'Usage-Based', ...),
    ProviderName is kept as the file says it ('AWS', 'Microsoft', 'Oracle', ...), and the
    mandatory cost columns a file left empty fall back to billed_cost (documented in docs/dbt.md).
#}

with

focus_rows as (

    select
        *,
        lower(trim(charge_category)) as charge_category_key,
        lower(replace(replace(trim(coalesce(charge_frequency, '')), '-', ''), ' ', ''))
            as charge_frequency_key
    from {{ ref('stg_focus__cost_and_usage') }}

),

conformed as (

    select
        provider_name as provider,
        billing_account_id,
        billing_account_name,
        sub_account_id,
        sub_account_name,
        billing_period,
        cast(charge_period_start_at as date) as charge_date,
        case charge_category_key
            when 'usage' then 'Usage'
            when 'purchase' then 'Purchase'
            when 'tax' then 'Tax'
            when 'credit' then 'Credit'
            else 'Adjustment'
        end as charge_category,
        case when lower(trim(charge_class)) = 'correction' then 'Correction' end as charge_class,
        case charge_frequency_key
            when 'usagebased' then 'Usage-Based'
            when 'recurring' then 'Recurring'
            when 'onetime' then 'One-Time'
            else case when charge_category_key = 'usage' then 'Usage-Based' else 'One-Time' end
        end as charge_frequency,
        coalesce(nullif(trim(service_name), ''), 'Unknown') as service_name,
        trim(service_category) as focus_service_category,
        coalesce(nullif(region_id, ''), nullif(region_name, '')) as region,
        coalesce(
            nullif(resource_id, ''),
            case
                when charge_category_key = 'purchase'
                    or lower(trim(commitment_discount_status)) = 'unused'
                    then nullif(commitment_discount_id, '')
            end
        ) as resource_id,
        case lower(trim(pricing_category))
            when 'standard' then 'Standard'
            when 'dynamic' then 'Dynamic'
            when 'committed' then 'Committed'
            when 'other' then 'Other'
        end as pricing_category,
        nullif(commitment_discount_id, '') as commitment_discount_id,
        nullif(commitment_discount_type, '') as commitment_discount_type,
        case lower(trim(commitment_discount_category))
            when 'spend' then 'Spend'
            when 'usage' then 'Usage'
        end as commitment_discount_category,
        case lower(trim(commitment_discount_status))
            when 'used' then 'Used'
            when 'unused' then 'Unused'
        end as commitment_discount_status,
        upper(trim(billing_currency)) as billing_currency,
        billed_cost,
        coalesce(effective_cost, billed_cost) as effective_cost,
        coalesce(list_cost, billed_cost) as list_cost,
        coalesce(contracted_cost, billed_cost) as contracted_cost,
        consumed_quantity,
        consumed_unit,
        {{ json_object_text('tags_json') }} as tags,
        charge_category as x_line_item_type
    from focus_rows

),

daily as (

    {{ focus_daily_rollup('conformed', focus_daily_dimensions() + [
        'focus_service_category', 'commitment_discount_category', 'tags'
    ]) }}

)

select
    'focus' as x_source,
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
    focus_service_category as service_category,
    service_name as x_service_code,
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
    tags,
    cast(null as varchar) as x_inherited_tags,
    x_line_item_type,
    false as x_amortize,
    x_row_count
from daily
