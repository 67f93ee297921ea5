with

source as (

    select * from {{ source('raw', 'azure_cost_details') }}

),

renamed as (

    select
        -- ids
        billing_account_id,
        billing_profile_id,
        invoice_section_id,
        invoice_id,
        subscription_id,
        resource_id,
        meter_id,
        product_id,
        product_order_id,
        reservation_id,
        benefit_id,
        publisher_id,
        offer_id,

        -- strings
        _billing_period as billing_period,
        billing_account_name,
        billing_profile_name,
        invoice_section_name,
        account_name,
        subscription_name,
        resource_group_name,
        resource_name,
        coalesce(resource_location, location) as resource_location,
        meter_category,
        meter_sub_category,
        meter_name,
        meter_region,
        service_family,
        consumed_service,
        product_name,
        product_order_name,
        reservation_name,
        benefit_name,
        publisher_type,
        publisher_name,
        charge_type,
        frequency,
        pricing_model,
        term,
        unit_of_measure,
        billing_currency,
        pricing_currency,
        cost_center,
        availability_zone,
        additional_info,
        -- EA exports write the tags object without its outer braces; make it JSON again
        {{ json_object_text('tags') }} as tags_json,

        -- numerics
        quantity,
        effective_price,
        unit_price,
        payg_price,
        cost_in_billing_currency,
        cost_in_pricing_currency,
        cost_in_usd,
        payg_cost_in_billing_currency,
        payg_cost_in_usd,
        exchange_rate_pricing_to_billing,

        -- booleans
        lower(is_azure_credit_eligible) = 'true' as is_azure_credit_eligible,

        -- dates
        date as usage_date,
        billing_period_start_date,
        billing_period_end_date,
        service_period_start_date,
        service_period_end_date,

        -- lineage
        _source_file as source_file,
        _row_number as source_row_number,
        _load_id as load_id,
        _loaded_at as loaded_at

    from source

)

select * from renamed
