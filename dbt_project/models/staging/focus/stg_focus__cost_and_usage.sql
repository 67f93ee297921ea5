with

source as (

    select * from {{ source('raw', 'focus_cost_and_usage') }}

),

renamed as (

    select
        -- ids
        billing_account_id,
        sub_account_id,
        resource_id,
        commitment_discount_id,
        capacity_reservation_id,
        invoice_id,
        sku_id,
        sku_price_id,

        -- strings (FOCUS 1.0-1.2 columns, snake_cased; enums as delivered)
        _billing_period as billing_period,
        trim(provider_name) as provider_name,
        publisher_name,
        invoice_issuer_name,
        billing_account_name,
        billing_account_type,
        sub_account_name,
        sub_account_type,
        resource_name,
        resource_type,
        service_name,
        service_category,
        service_subcategory,
        charge_category,
        charge_class,
        charge_description,
        charge_frequency,
        pricing_category,
        pricing_unit,
        commitment_discount_category,
        commitment_discount_name,
        commitment_discount_status,
        commitment_discount_type,
        commitment_discount_unit,
        capacity_reservation_status,
        region_id,
        region_name,
        availability_zone,
        billing_currency,
        pricing_currency,
        consumed_unit,
        sku_meter,
        sku_price_details,
        tags as tags_json,

        -- numerics
        billed_cost,
        effective_cost,
        list_cost,
        contracted_cost,
        list_unit_price,
        contracted_unit_price,
        pricing_quantity,
        consumed_quantity,
        commitment_discount_quantity,
        pricing_currency_effective_cost,
        pricing_currency_list_unit_price,
        pricing_currency_contracted_unit_price,

        -- timestamps (UTC; FOCUS ends are exclusive)
        charge_period_start as charge_period_start_at,
        charge_period_end as charge_period_end_at,
        billing_period_start as billing_period_start_at,
        billing_period_end as billing_period_end_at,

        -- lineage
        _source_file as source_file,
        _row_number as source_row_number,
        _load_id as load_id,
        _loaded_at as loaded_at

    from source

)

select * from renamed
