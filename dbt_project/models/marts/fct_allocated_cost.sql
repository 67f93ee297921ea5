{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail'
    )
}}

{#
    The allocated cost fact: one row per charge day x billing account x sub account x service x
    resource x team (after shared-cost splits), with how the team was found. Every cent of
    int_cost__focus_unioned lands here exactly once (test cost_conserved).
#}

with

shared_rule_periods as (

    select distinct
        rule_id,
        billing_period,
        provider
    from {{ ref('int_cost__shared_targets') }}

),

attributed as (

    select
        attributed.charge_date,
        attributed.billing_period,
        attributed.provider,
        attributed.billing_account_id,
        attributed.billing_account_name,
        attributed.sub_account_id,
        attributed.sub_account_name,
        attributed.service_name,
        attributed.service_category,
        attributed.region,
        attributed.resource_id,
        attributed.charge_category,
        attributed.pricing_category,
        attributed.commitment_discount_status,
        attributed.team,
        attributed.product,
        attributed.environment,
        attributed.cost_center,
        attributed.allocation_method,
        attributed.x_allocation_rule_id as allocation_rule_id,
        -- a shared rule without any recipient in the period leaves the row where it was
        cast(null as varchar) as shared_rule_id,
        attributed.billing_currency,
        attributed.reporting_currency,
        attributed.exchange_rate,
        attributed.billed_cost,
        attributed.effective_cost,
        attributed.list_cost,
        attributed.contracted_cost
    from {{ ref('int_cost__attributed') }} as attributed
    left join shared_rule_periods
        on attributed.x_shared_rule_id = shared_rule_periods.rule_id
            and attributed.billing_period = shared_rule_periods.billing_period
            and attributed.provider = shared_rule_periods.provider
    where shared_rule_periods.rule_id is null and {{ billing_period_filter('attributed.billing_period') }}

),

shared as (

    select
        shared_split.charge_date,
        shared_split.billing_period,
        shared_split.provider,
        shared_split.billing_account_id,
        shared_split.billing_account_name,
        shared_split.sub_account_id,
        shared_split.sub_account_name,
        shared_split.service_name,
        shared_split.service_category,
        cast(null as varchar) as region,
        cast(null as varchar) as resource_id,
        shared_split.charge_category,
        cast(null as varchar) as pricing_category,
        cast(null as varchar) as commitment_discount_status,
        shared_split.team,
        'shared' as product,
        'shared' as environment,
        coalesce(upper(trim(teams.cost_center)), 'unallocated') as cost_center,
        'shared' as allocation_method,
        cast(null as varchar) as allocation_rule_id,
        shared_split.x_shared_rule_id as shared_rule_id,
        shared_split.billing_currency,
        shared_split.reporting_currency,
        shared_split.exchange_rate,
        shared_split.billed_cost,
        shared_split.effective_cost,
        shared_split.list_cost,
        shared_split.contracted_cost
    from {{ ref('int_cost__shared_split') }} as shared_split
    left join {{ ref('teams') }} as teams
        on shared_split.team = lower(trim(teams.team))
    where {{ billing_period_filter('shared_split.billing_period') }}

),

allocated as (

    select * from attributed
    union all
    select * from shared

),

grouped as (

    {{ focus_daily_rollup('allocated', [
        'charge_date', 'billing_period', 'provider', 'billing_account_id', 'sub_account_id',
        'service_name', 'service_category', 'region', 'resource_id', 'charge_category',
        'pricing_category', 'commitment_discount_status', 'team', 'product', 'environment',
        'cost_center', 'allocation_method', 'allocation_rule_id', 'shared_rule_id',
        'billing_currency', 'reporting_currency', 'exchange_rate'
    ], measures=[
        ['max', 'billing_account_name'], ['max', 'sub_account_name'], ['sum', 'billed_cost'],
        ['sum', 'effective_cost'], ['sum', 'list_cost'], ['sum', 'contracted_cost']
    ]) }}

),

allocated_rows as (

    select
        cast({{ row_hash([
            'charge_date', 'billing_period', 'provider', 'billing_account_id', 'sub_account_id', 'service_name',
            'region', 'resource_id', 'charge_category', 'pricing_category',
            'commitment_discount_status', 'team', 'product', 'environment', 'cost_center',
            'allocation_method', 'allocation_rule_id', 'shared_rule_id', 'billing_currency'
        ]) }} as varchar) as cost_id,
        charge_date,
        billing_period,
        provider,
        billing_account_id,
        billing_account_name,
        sub_account_id,
        sub_account_name,
        service_name,
        service_category,
        region,
        resource_id,
        charge_category,
        pricing_category,
        commitment_discount_status,
        team,
        product,
        environment,
        cost_center,
        allocation_method,
        allocation_rule_id,
        shared_rule_id,
        cast(billed_cost as decimal(38, 12)) as billed_cost,
        cast(effective_cost as decimal(38, 12)) as effective_cost,
        cast(list_cost as decimal(38, 12)) as list_cost,
        cast(contracted_cost as decimal(38, 12)) as contracted_cost,
        billing_currency,
        reporting_currency,
        cast(exchange_rate as decimal(18, 10)) as exchange_rate,
        cast(billed_cost * exchange_rate as decimal(38, 12)) as billed_cost_reporting,
        cast(effective_cost * exchange_rate as decimal(38, 12)) as effective_cost_reporting,
        cast(list_cost * exchange_rate as decimal(38, 12)) as list_cost_reporting
    from grouped

)

-- closed billing periods come from their frozen copy (finops close; macros/month_close.sql)
{{ month_close_frozen('allocated_rows') }}
