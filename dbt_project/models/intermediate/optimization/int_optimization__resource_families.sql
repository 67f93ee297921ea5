{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    The instance family text of each resource, per billing period: AWS instance types, Azure
    meter subcategories, GCP SKU descriptions, lower case (what optimization_opportunities
    matches against seeds/instance_generations.csv). The distinct rows of the four raw sources,
    built by billing period like the cost models, so an incremental run reads only the periods
    it rebuilds instead of every raw row.
#}

with

families as (

    select distinct
        billing_period,
        'AWS' as provider,
        resource_id,
        lower(instance_type) as family_text
    from {{ ref('stg_aws_cur2__line_items') }}
    where
        nullif(instance_type, '') is not null and nullif(resource_id, '') is not null
        and {{ billing_period_filter() }}

    union

    select distinct
        billing_period,
        'AWS' as provider,
        resource_id,
        lower(instance_type) as family_text
    from {{ ref('stg_aws_cur__line_items') }}
    where
        nullif(instance_type, '') is not null and nullif(resource_id, '') is not null
        and {{ billing_period_filter() }}

    union

    select distinct
        billing_period,
        'Microsoft' as provider,
        lower(resource_id) as resource_id,
        lower(meter_sub_category) as family_text
    from {{ ref('stg_azure__cost_details') }}
    where
        nullif(meter_sub_category, '') is not null and nullif(resource_id, '') is not null
        and {{ billing_period_filter() }}

    union

    select distinct
        billing_period,
        'Google Cloud' as provider,
        resource_id,
        lower(sku_name) as family_text
    from {{ ref('stg_gcp__billing_export') }}
    where
        nullif(sku_name, '') is not null and nullif(resource_id, '') is not null
        and {{ billing_period_filter() }}

)

select
    billing_period,
    provider,
    resource_id,
    family_text
from families
