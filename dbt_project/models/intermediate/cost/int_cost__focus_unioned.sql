{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    One FOCUS 1.2-conformed, daily cost table for every provider and source. Everything
    downstream (amortization, attribution, shared costs, marts) reads this model, and the cost
    conservation test compares the marts with it.
#}

with

unioned as (

    select * from {{ ref('int_cost__aws_conformed') }}
    where {{ billing_period_filter() }}
    union all
    select * from {{ ref('int_cost__azure_conformed') }}
    where {{ billing_period_filter() }}
    union all
    select * from {{ ref('int_cost__gcp_conformed') }}
    where {{ billing_period_filter() }}
    union all
    select * from {{ ref('int_cost__focus_conformed') }}
    where {{ billing_period_filter() }}

),

service_categories as (

    select
        lower(trim(provider)) as provider_key,
        lower(trim(service)) as service_key,
        {{ canonical_service_category('service_category') }} as service_category
    from {{ ref('service_categories') }}

),

services as (

    select distinct
        provider,
        service_name,
        x_service_code,
        service_category as delivered_service_category
    from unioned

),

services_categorized as (

    select
        services.provider,
        services.service_name,
        services.x_service_code,
        services.delivered_service_category,
        coalesce(
            {{ canonical_service_category('services.delivered_service_category') }},
            by_code.service_category,
            by_name.service_category,
            'Other'
        ) as service_category
    from services
    left join service_categories as by_code
        on lower(services.provider) = by_code.provider_key
            and lower(services.x_service_code) = by_code.service_key
    left join service_categories as by_name
        on lower(services.provider) = by_name.provider_key
            and lower(services.service_name) = by_name.service_key

),

categorized as (

    select
        unioned.*,
        services_categorized.service_category as resolved_service_category
    from unioned
    inner join services_categorized
        on unioned.provider = services_categorized.provider
            and unioned.service_name = services_categorized.service_name
            and unioned.x_service_code is not distinct from services_categorized.x_service_code
            and unioned.service_category
            is not distinct from services_categorized.delivered_service_category

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
    resolved_service_category as service_category,
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
    x_inherited_tags,
    x_service_code,
    x_line_item_type,
    x_amortize,
    x_row_count,
    {{ row_hash(['provider', 'tags', 'x_inherited_tags']) }} as x_tag_set_id,
    {{ row_hash([
        'provider', 'billing_account_id', 'sub_account_id', 'service_name', 'resource_id',
        row_hash(['provider', 'tags', 'x_inherited_tags'])
    ]) }} as x_attribution_key,
    {{ row_hash([
        'x_source', 'provider', 'billing_account_id', 'sub_account_id', 'billing_period',
        'charge_date', 'charge_category', 'charge_class', 'charge_frequency', 'service_name',
        'resolved_service_category', 'x_service_code', 'region', 'resource_id',
        'pricing_category', 'commitment_discount_id', 'commitment_discount_type',
        'commitment_discount_category', 'commitment_discount_status', 'billing_currency',
        'consumed_unit', 'x_line_item_type', 'tags', 'x_inherited_tags', 'x_amortize'
    ]) }} as x_cost_row_key
from categorized
