{#
    Google Cloud billing export -> FOCUS 1.2 columns, daily.

    cost_type: regular -> Usage; tax -> Tax; adjustment, rounding_error (and anything else)
    -> Adjustment.
    Credits: every entry of the `credits` array becomes its own row with charge_category
    'Credit' (billed = effective = list = the credit amount, negative), keeping the dimensions of
    the usage row it came from (project, resource, labels) so it is attributed to the same team.
    So, per billing account and invoice month:  billed total = sum(cost) + sum(credits.amount),
    the rule invoice_reconciliation checks against the raw table.
    Committed use discounts: a commitment's fee lines (SKU "Commitment ...") become Purchase rows
    flagged x_amortize, and usage carrying a COMMITTED_USAGE_DISCOUNT credit becomes committed
    usage (commitment_discount_status 'Used') of the same commitment; int_cost__amortized then
    moves the fee into the covered usage's effective cost. The export does not link a fee line
    to its commitment, so all CUDs of a billing account are pooled under one commitment id
    'gcp-cud:<billing account>' (documented in docs/dbt.md).
    Labels: `tags` = the resource labels, `x_inherited_tags` = the project labels (a resource
    label wins over a project label with the same canonical key, see int_cost__tags_normalized).
#}

with

export_rows as (

    select
        *,
        case
            when lower(coalesce(cost_type, 'regular')) = 'regular'
                and lower(sku_name) like 'commitment%'
                then 'Purchase'
            when lower(coalesce(cost_type, 'regular')) = 'regular' then 'Usage'
            when lower(cost_type) = 'tax' then 'Tax'
            else 'Adjustment'
        end as charge_category,
        lower(coalesce(cost_type, 'regular')) = 'regular'
        and lower(sku_name) like 'commitment%' as is_commitment_fee,
        lower(coalesce(credits_json, '')) like '%committed_usage_discount%' as has_cud_credit
    from {{ ref('stg_gcp__billing_export') }}

),

cost_rows as (

    select
        billing_account_id,
        project_id,
        project_name,
        billing_period,
        cast(usage_start_at as date) as charge_date,
        charge_category,
        service_name,
        service_id,
        coalesce(nullif(region, ''), nullif(location, '')) as region,
        coalesce(
            nullif(resource_id, ''),
            case when is_commitment_fee then 'gcp-cud:' || billing_account_id end
        ) as resource_id,
        case
            when is_commitment_fee or (charge_category = 'Usage' and has_cud_credit)
                then 'gcp-cud:' || billing_account_id
        end as commitment_discount_id,
        case
            when charge_category = 'Usage' and has_cud_credit then 'Used'
        end as commitment_discount_status,
        case
            when charge_category = 'Usage' and has_cud_credit then 'Committed'
            when charge_category in ('Usage', 'Purchase') then 'Standard'
        end as pricing_category,
        is_commitment_fee as x_amortize,
        currency,
        cost as billed_cost,
        coalesce(cost_at_list, cost) as list_cost,
        case when charge_category = 'Usage' then usage_amount end as consumed_quantity,
        case when charge_category = 'Usage' then usage_unit end as consumed_unit,
        case
            when is_commitment_fee then 'commitment_fee'
            else lower(coalesce(cost_type, 'regular'))
        end as x_line_item_type,
        labels_json,
        project_labels_json
    from export_rows

),

credit_rows as (

    select
        billing_account_id,
        project_id,
        project_name,
        billing_period,
        cast(usage_start_at as date) as charge_date,
        'Credit' as charge_category,
        service_name,
        service_id,
        coalesce(nullif(region, ''), nullif(location, '')) as region,
        nullif(resource_id, '') as resource_id,
        case
            when lower(credit.type) = 'committed_usage_discount'
                then 'gcp-cud:' || billing_account_id
        end as commitment_discount_id,
        cast(null as varchar) as commitment_discount_status,
        cast(null as varchar) as pricing_category,
        false as x_amortize,
        currency,
        credit.amount as billed_cost,
        credit.amount as list_cost,
        cast(null as decimal(38, 12)) as consumed_quantity,
        cast(null as varchar) as consumed_unit,
        'credit:' || lower(coalesce(credit.type, credit.name, 'unknown')) as x_line_item_type,
        labels_json,
        project_labels_json
    from (
        {{ gcp_credit_rows('export_rows', 'credits_json') }}
    ) as with_credits

),

all_rows as (

    select * from cost_rows
    union all
    select * from credit_rows

),

daily as (

    {{ focus_daily_rollup('all_rows', [
        'billing_account_id', 'project_id', 'billing_period', 'charge_date', 'charge_category',
        'service_name', 'service_id', 'region', 'resource_id', 'commitment_discount_id',
        'commitment_discount_status', 'pricing_category', 'x_amortize', 'currency',
        'consumed_unit', 'x_line_item_type', 'labels_json', 'project_labels_json'
    ], measures=[
        ['max', 'project_name'], ['sum', 'billed_cost'], ['sum', 'list_cost'],
        ['sum', 'consumed_quantity']
    ]) }}

)

select
    'gcp' as x_source,
    'Google Cloud' as provider,
    billing_account_id,
    cast(null as varchar) as billing_account_name,
    project_id as sub_account_id,
    project_name as sub_account_name,
    billing_period,
    charge_date,
    charge_category,
    cast(null as varchar) as charge_class,
    case
        when charge_category = 'Usage' then 'Usage-Based'
        when charge_category = 'Purchase' then 'Recurring'
        else 'One-Time'
    end as charge_frequency,
    service_name,
    cast(null as varchar) as service_category,
    service_id as x_service_code,
    region,
    resource_id,
    pricing_category,
    commitment_discount_id,
    case
        when commitment_discount_id is not null then 'Committed Use Discount'
    end as commitment_discount_type,
    case when commitment_discount_id is not null then 'Usage' end as commitment_discount_category,
    commitment_discount_status,
    currency as billing_currency,
    billed_cost,
    billed_cost as effective_cost,
    list_cost,
    billed_cost as contracted_cost,
    consumed_quantity,
    consumed_unit,
    {{ kv_array_to_json_text('labels_json') }} as tags,
    {{ kv_array_to_json_text('project_labels_json') }} as x_inherited_tags,
    x_line_item_type,
    x_amortize,
    x_row_count
from daily
