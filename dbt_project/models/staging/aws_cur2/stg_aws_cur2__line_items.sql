with

source as (

    select * from {{ source('raw', 'aws_cur2_line_items') }}

),

renamed as (

    select
        -- ids
        bill_payer_account_id as billing_account_id,
        line_item_usage_account_id as usage_account_id,
        identity_line_item_id as line_item_id,
        bill_invoice_id as invoice_id,
        line_item_resource_id as resource_id,
        reservation_reservation_a_r_n as reservation_arn,
        savings_plan_savings_plan_a_r_n as savings_plan_arn,
        product_sku as sku_id,

        -- strings
        _billing_period as billing_period,
        bill_payer_account_name as billing_account_name,
        line_item_usage_account_name as usage_account_name,
        bill_bill_type as bill_type,
        bill_billing_entity as billing_entity,
        bill_invoicing_entity as invoicing_entity,
        line_item_legal_entity as legal_entity,
        line_item_line_item_type as line_item_type,
        line_item_line_item_description as line_item_description,
        line_item_product_code as product_code,
        {{ map_get('product', "'product_name'") }} as product_name,
        product_servicecode as service_code,
        product_product_family as product_family,
        product_instance_type as instance_type,
        line_item_usage_type as usage_type,
        line_item_operation as operation,
        product_region_code as region,
        line_item_availability_zone as availability_zone,
        line_item_tax_type as tax_type,
        line_item_currency_code as currency_code,
        pricing_currency,
        pricing_purchase_option as purchase_option,
        pricing_term,
        pricing_unit,

        -- numerics
        line_item_usage_amount as usage_amount,
        line_item_normalized_usage_amount as normalized_usage_amount,
        line_item_unblended_rate as unblended_rate,
        line_item_unblended_cost as unblended_cost,
        line_item_blended_cost as blended_cost,
        line_item_net_unblended_cost as net_unblended_cost,
        pricing_public_on_demand_rate as public_on_demand_rate,
        pricing_public_on_demand_cost as public_on_demand_cost,
        reservation_effective_cost,
        reservation_amortized_upfront_cost_for_usage,
        reservation_recurring_fee_for_usage,
        reservation_amortized_upfront_fee_for_billing_period,
        reservation_unused_amortized_upfront_fee_for_billing_period,
        reservation_unused_recurring_fee,
        savings_plan_savings_plan_effective_cost as savings_plan_effective_cost,
        savings_plan_savings_plan_rate as savings_plan_rate,
        savings_plan_total_commitment_to_date,
        savings_plan_used_commitment,
        savings_plan_amortized_upfront_commitment_for_billing_period,
        savings_plan_recurring_commitment_for_billing_period,

        -- maps (tag keys exactly as AWS writes them: user_team, user_Team, ...)
        resource_tags,
        cost_category,

        -- timestamps (UTC)
        line_item_usage_start_date as usage_start_at,
        line_item_usage_end_date as usage_end_at,
        bill_billing_period_start_date as billing_period_start_at,
        bill_billing_period_end_date as billing_period_end_at,

        -- lineage
        _source_file as source_file,
        _row_number as source_row_number,
        _load_id as load_id,
        _loaded_at as loaded_at

    from source

)

select * from renamed
