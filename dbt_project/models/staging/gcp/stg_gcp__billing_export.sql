with

source as (

    select * from {{ source('raw', 'gcp_billing_export') }}

),

renamed as (

    select
        -- ids
        billing_account_id,
        service_id,
        sku_id,
        project_id,
        project_number,
        resource_name as resource_id,
        resource_global_name,
        adjustment_info_id,
        consumption_model_id,

        -- strings
        _billing_period as billing_period,
        invoice_month,
        service_description as service_name,
        sku_description as sku_name,
        project_name,
        location_location as location,
        location_country as country,
        location_region as region,
        location_zone as zone,
        currency,
        cost_type,
        adjustment_info_description,
        adjustment_info_mode,
        adjustment_info_type,
        transaction_type,
        seller_name,
        usage_unit,
        usage_pricing_unit,
        price_unit,
        consumption_model_description,

        -- JSON arrays as exported: [{"key": .., "value": ..}] and credits
        -- [{"name", "amount", "full_name", "id", "type"}]
        labels as labels_json,
        project_labels as project_labels_json,
        system_labels as system_labels_json,
        credits as credits_json,

        -- numerics
        cost,
        cost_at_list,
        currency_conversion_rate,
        usage_amount,
        usage_amount_in_pricing_units,
        price_effective_price,
        price_tier_start_amount,
        price_pricing_unit_quantity,

        -- timestamps (UTC)
        usage_start_time as usage_start_at,
        usage_end_time as usage_end_at,
        export_time as exported_at,

        -- lineage
        _source_file as source_file,
        _row_number as source_row_number,
        _load_id as load_id,
        _loaded_at as loaded_at

    from source

)

select * from renamed
