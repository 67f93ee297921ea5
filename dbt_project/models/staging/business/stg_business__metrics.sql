with

source as (

    select * from {{ source('raw', 'business_metrics') }}

),

renamed as (

    select
        -- ids
        lower(trim(team)) as team,
        nullif(lower(trim(product)), '') as product,
        lower(trim(metric_name)) as metric_name,

        -- strings
        _billing_period as billing_period,

        -- numerics
        metric_value,

        -- dates
        date as metric_date,

        -- lineage
        _source_file as source_file,
        _row_number as source_row_number,
        _load_id as load_id,
        _loaded_at as loaded_at

    from source

)

select * from renamed
