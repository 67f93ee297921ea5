{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    Commitment amortization for sources that bill a commitment without amortizing it
    (x_amortize: Azure actual-cost Purchase rows of reservations / savings plans).

    Per billing account x billing period x commitment_discount_id, the period's purchase amount
    (the flagged rows' cost) becomes effective cost of the usage that commitment covered in the
    same period (commitment_discount_status 'Used'), in proportion to that usage's list cost
    (on-demand equivalent), remainder cents placed deterministically (macro apportion). The
    purchase rows keep their billed cost and get effective cost 0 (FOCUS). A commitment with no
    covered usage in the period stays visible as one 'Unused' Usage row (billed 0, effective =
    the purchase amount) on the purchase's resource, for an allocation rule to assign.
    Sources whose exports already carry amortized cost (AWS CUR, FOCUS) pass through unchanged.
    Billed and effective totals per billing account and period are unchanged by construction.
#}

with

costs as (

    select * from {{ ref('int_cost__focus_unioned') }}
    where {{ billing_period_filter() }}

),

purchases as (

    select
        billing_account_id,
        billing_period,
        commitment_discount_id,
        sum(effective_cost) as purchase_amount
    from costs
    where x_amortize
    group by billing_account_id, billing_period, commitment_discount_id

),

covered_usage as (

    select
        costs.x_cost_row_key,
        costs.billing_account_id,
        costs.billing_period,
        costs.commitment_discount_id,
        costs.list_cost,
        purchases.purchase_amount
    from costs
    inner join purchases
        on costs.billing_account_id = purchases.billing_account_id
            and costs.billing_period = purchases.billing_period
            and costs.commitment_discount_id = purchases.commitment_discount_id
    where
        not costs.x_amortize
        and costs.charge_category = 'Usage'
        and costs.commitment_discount_status = 'Used'

),

amortized_shares as (

    {{ apportion(
        relation='covered_usage',
        amounts=['purchase_amount'],
        weight='list_cost',
        partition_by=['billing_account_id', 'billing_period', 'commitment_discount_id'],
        order_by=['x_cost_row_key']
    ) }}

),

unused_purchases as (

    -- commitments billed in the period without any covered usage: one Unused row each
    select
        costs.*,
        row_number() over (
            partition by costs.billing_account_id, costs.billing_period, costs.commitment_discount_id
            order by costs.charge_date, costs.x_cost_row_key
        ) as purchase_rank
    from costs
    where
        costs.x_amortize
        and not exists (
            select 1
            from covered_usage
            where
                covered_usage.billing_account_id = costs.billing_account_id
                and covered_usage.billing_period = costs.billing_period
                and covered_usage.commitment_discount_id = costs.commitment_discount_id
        )

),

passed_through as (

    select
        {{- select_columns('costs', focus_cost_columns(), {
            'effective_cost': "case when costs.x_amortize then cast(0 as decimal(38, 12))
                else costs.effective_cost + coalesce(amortized_shares.purchase_amount_share, 0)
                end"
        }) }},
        amortized_shares.purchase_amount_share as x_amortized_cost
    from costs
    left join amortized_shares
        on costs.x_cost_row_key = amortized_shares.x_cost_row_key

),

unused_rows as (

    select
        {{- select_columns('unused_purchases', focus_cost_columns(), {
            'charge_category': "'Usage'",
            'charge_frequency': "'Usage-Based'",
            'pricing_category': "'Committed'",
            'commitment_discount_status': "'Unused'",
            'billed_cost': 'cast(0 as decimal(38, 12))',
            'effective_cost': 'purchases.purchase_amount',
            'list_cost': 'cast(0 as decimal(38, 12))',
            'contracted_cost': 'cast(0 as decimal(38, 12))',
            'x_line_item_type': "unused_purchases.x_line_item_type || ':unused'",
            'x_amortize': 'false',
            'x_cost_row_key': row_hash(['unused_purchases.x_cost_row_key', "'unused'"]),
        }) }},
        purchases.purchase_amount as x_amortized_cost
    from unused_purchases
    inner join purchases
        on unused_purchases.billing_account_id = purchases.billing_account_id
            and unused_purchases.billing_period = purchases.billing_period
            and unused_purchases.commitment_discount_id = purchases.commitment_discount_id
    where unused_purchases.purchase_rank = 1

)

select * from passed_through
union all
select * from unused_rows
