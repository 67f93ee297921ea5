{%- set periods = optimization_rebuild_periods() %}
{%- set trend_periods = none if periods is none else billing_periods_with_preceding(
    periods, var('optimization_storage_lookback_periods', 3) | int
) %}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail',
        pre_hook="{{ delete_billing_periods(optimization_rebuild_periods()) }}"
    )
}}

{#
    What to fix, from billing data alone: one row per billing period x opportunity x scope, with
    its owner, the evidence, and an estimated monthly saving in the reporting currency. Methods
    (docs/optimization.md; thresholds are dbt vars `optimization_*`):

      commitment_purchase  per billing account x eligible service category: the baseline day of
                           on-demand eligible spend (10th percentile of the days with data, 0 on
                           days without: a commitment that size is used on 90% of the days) x
                           calendar days x the typical discount (seeds/commitment_discounts.csv)
      unused_commitment    per commitment: its unused cost of the period
      idle_resource        per resource: on-demand usage cost >= optimization_idle_min_cost with
                           a consumed quantity <= optimization_idle_max_quantity: all of it
      previous_generation  per resource of a family seeds/instance_generations.csv maps to a
                           current one: on-demand usage cost x saving_pct
      storage_growth       per account: daily storage cost grew in each of the last
                           optimization_storage_lookback_periods periods and by >=
                           optimization_storage_min_growth over them, while compute grew
                           less than half as fast: the growth x calendar days x
                           optimization_storage_tiering_saving
      untagged_spend       per account (untagged_spend mart): 0 saving, listed so the owner tags
#}

with

costs as (

    select
        billing_period,
        charge_date,
        provider,
        billing_account_id,
        sub_account_id,
        service_name,
        service_category,
        resource_id,
        pricing_category,
        commitment_discount_id,
        commitment_discount_status,
        team,
        billing_currency,
        reporting_currency,
        exchange_rate,
        effective_cost,
        consumed_quantity
    from {{ ref('int_cost__attributed') }}
    where charge_category = 'Usage' and {{ billing_period_in('billing_period', trend_periods) }}

),

-- the periods this run builds (all of them on a full build); `costs` also holds the periods
-- before them that the storage trend looks back on
period_costs as (

    select * from costs
    where {{ billing_period_in('billing_period', periods) }}

),

discounts as (

    select
        lower(trim(provider)) as provider_key,
        lower(trim(service_category)) as category_key,
        commitment_type,
        cast(typical_discount as decimal(9, 6)) as typical_discount
    from {{ ref('commitment_discounts') }}

),

account_owners as (

    select distinct
        lower(trim(provider)) as provider_key,
        lower(trim(account_id)) as account_key,
        lower(trim(team)) as team
    from {{ ref('account_owners') }}

),

-- days with data per provider x billing account x period (the open month is partial) and the
-- calendar days of the period
period_days as (

    select
        provider,
        billing_account_id,
        billing_period,
        count(distinct charge_date) as days_with_data,
        {{ dbt.datediff(
            "cast(billing_period || '-01' as date)",
            dbt.dateadd('month', 1, "cast(billing_period || '-01' as date)"),
            'day'
        ) }} as calendar_days,
        cast(left(billing_period, 4) as integer) * 12
        + cast(right(billing_period, 2) as integer) as period_number
    from {{ ref('int_cost__attributed') }}
    where {{ billing_period_in('billing_period', trend_periods) }}
    group by provider, billing_account_id, billing_period

),

-- ---------------------------------------------------------------- commitment purchase

eligible_categories as (

    select distinct
        costs.billing_period,
        costs.provider,
        costs.billing_account_id,
        costs.service_category,
        costs.billing_currency,
        costs.reporting_currency,
        costs.exchange_rate,
        discounts.commitment_type,
        discounts.typical_discount
    from period_costs as costs
    inner join discounts
        on lower(costs.provider) = discounts.provider_key
            and lower(costs.service_category) = discounts.category_key
    where costs.pricing_category = 'Standard'

),

account_dates as (

    select distinct
        provider,
        billing_account_id,
        billing_period,
        charge_date
    from {{ ref('int_cost__attributed') }}
    where {{ billing_period_in('billing_period', periods) }}

),

eligible_spend as (

    select
        billing_period,
        provider,
        billing_account_id,
        service_category,
        billing_currency,
        charge_date,
        sum(effective_cost) as on_demand_cost
    from period_costs
    where pricing_category = 'Standard'
    group by
        billing_period,
        provider,
        billing_account_id,
        service_category,
        billing_currency,
        charge_date

),

-- every day with data of the billing account, 0 where the category had no on-demand spend
eligible_daily as (

    select
        eligible_categories.*,
        account_dates.charge_date,
        coalesce(eligible_spend.on_demand_cost, 0) as on_demand_cost
    from eligible_categories
    inner join account_dates
        on eligible_categories.provider = account_dates.provider
            and eligible_categories.billing_account_id = account_dates.billing_account_id
            and eligible_categories.billing_period = account_dates.billing_period
    left join eligible_spend
        on account_dates.provider = eligible_spend.provider
            and account_dates.billing_account_id = eligible_spend.billing_account_id
            and account_dates.billing_period = eligible_spend.billing_period
            and account_dates.charge_date = eligible_spend.charge_date
            and eligible_categories.service_category = eligible_spend.service_category
            and eligible_categories.billing_currency = eligible_spend.billing_currency

),

eligible_baseline as (

    select
        billing_period,
        provider,
        billing_account_id,
        service_category,
        billing_currency,
        reporting_currency,
        exchange_rate,
        commitment_type,
        typical_discount,
        count(*) as days_with_data,
        sum(case when on_demand_cost > 0 then 1 else 0 end) as days_with_spend,
        -- the daily spend exceeded on (1 - percentile) of the days: a commitment of that
        -- size is used (almost) every day
        percentile_disc({{ var('optimization_commitment_baseline_percentile', 0.1) }})
        within group (order by on_demand_cost) as baseline_daily_cost,
        sum(on_demand_cost) as on_demand_cost
    from eligible_daily
    group by
        billing_period,
        provider,
        billing_account_id,
        service_category,
        billing_currency,
        reporting_currency,
        exchange_rate,
        commitment_type,
        typical_discount

),

commitment_purchase as (

    select
        'commitment_purchase' as opportunity_type,
        eligible_baseline.billing_period,
        eligible_baseline.provider,
        eligible_baseline.billing_account_id,
        cast(null as varchar) as sub_account_id,
        coalesce(billing_owner.team, 'unallocated') as team,
        'service_category' as scope_type,
        eligible_baseline.service_category as scope,
        cast(null as varchar) as resource_id,
        eligible_baseline.billing_currency,
        eligible_baseline.reporting_currency,
        eligible_baseline.exchange_rate,
        eligible_baseline.baseline_daily_cost * period_days.calendar_days
        * eligible_baseline.exchange_rate as basis_cost,
        eligible_baseline.typical_discount as saving_rate,
        'on-demand ' || eligible_baseline.service_category || ' spend '
        || cast(cast(
            eligible_baseline.on_demand_cost * eligible_baseline.exchange_rate
            as decimal(18, 2)
        ) as varchar)
        || ' ' || eligible_baseline.reporting_currency || ' on '
        || cast(eligible_baseline.days_with_spend as varchar) || ' of '
        || cast(eligible_baseline.days_with_data as varchar) || ' days; baseline day '
        || cast(cast(
            eligible_baseline.baseline_daily_cost * eligible_baseline.exchange_rate
            as decimal(18, 2)
        ) as varchar)
        || '; ' || eligible_baseline.commitment_type || ' at a typical '
        || cast(cast(eligible_baseline.typical_discount * 100 as decimal(9, 1)) as varchar)
        || '% discount' as evidence,
        'baseline daily on-demand eligible spend (var optimization_commitment_baseline_percentile)'
        || ' x calendar days x typical discount'
        || ' (seeds/commitment_discounts.csv)' as method
    from eligible_baseline
    inner join period_days
        on eligible_baseline.provider = period_days.provider
            and eligible_baseline.billing_account_id = period_days.billing_account_id
            and eligible_baseline.billing_period = period_days.billing_period
    left join account_owners as billing_owner
        on lower(eligible_baseline.provider) = billing_owner.provider_key
            and lower(eligible_baseline.billing_account_id) = billing_owner.account_key
    where eligible_baseline.baseline_daily_cost > 0

),

-- ---------------------------------------------------------------- unused commitment

commitment_teams as (

    select
        billing_period,
        provider,
        billing_account_id,
        commitment_discount_id,
        billing_currency,
        team,
        row_number() over (
            partition by
                billing_period, provider, billing_account_id, commitment_discount_id,
                billing_currency
            order by sum(effective_cost) desc, team asc
        ) as team_rank
    from period_costs
    where commitment_discount_status = 'Unused'
    group by
        billing_period,
        provider,
        billing_account_id,
        commitment_discount_id,
        billing_currency,
        team

),

commitment_use as (

    select
        billing_period,
        provider,
        billing_account_id,
        commitment_discount_id,
        billing_currency,
        reporting_currency,
        exchange_rate,
        max(sub_account_id) as sub_account_id,
        sum(case when commitment_discount_status = 'Unused' then effective_cost else 0 end)
            as unused_cost,
        sum(case when commitment_discount_status = 'Used' then effective_cost else 0 end)
            as used_cost
    from period_costs
    where commitment_discount_id is not null and pricing_category = 'Committed'
    group by
        billing_period,
        provider,
        billing_account_id,
        commitment_discount_id,
        billing_currency,
        reporting_currency,
        exchange_rate

),

unused_commitment as (

    select
        'unused_commitment' as opportunity_type,
        commitment_use.billing_period,
        commitment_use.provider,
        commitment_use.billing_account_id,
        commitment_use.sub_account_id,
        commitment_teams.team,
        'commitment' as scope_type,
        commitment_use.commitment_discount_id as scope,
        cast(null as varchar) as resource_id,
        commitment_use.billing_currency,
        commitment_use.reporting_currency,
        commitment_use.exchange_rate,
        commitment_use.unused_cost * commitment_use.exchange_rate as basis_cost,
        cast(1 as decimal(9, 6)) as saving_rate,
        'unused '
        || cast(cast(
            commitment_use.unused_cost * commitment_use.exchange_rate as decimal(18, 2)
        ) as varchar)
        || ' of '
        || cast(cast(
            (commitment_use.unused_cost + commitment_use.used_cost)
            * commitment_use.exchange_rate as decimal(18, 2)
        ) as varchar)
        || ' ' || commitment_use.reporting_currency || ' commitment cost (utilization '
        || coalesce(cast(cast(
            100 * commitment_use.used_cost
            / nullif(commitment_use.unused_cost + commitment_use.used_cost, 0) as decimal(9, 1)
        ) as varchar), 'n/a')
        || '%)' as evidence,
        'unused commitment cost of the period: move on-demand usage onto the commitment,'
        || ' or exchange / resize it at renewal' as method
    from commitment_use
    inner join commitment_teams
        on commitment_use.billing_period = commitment_teams.billing_period
            and commitment_use.provider = commitment_teams.provider
            and commitment_use.billing_account_id = commitment_teams.billing_account_id
            and commitment_use.commitment_discount_id = commitment_teams.commitment_discount_id
            and commitment_use.billing_currency = commitment_teams.billing_currency
            and commitment_teams.team_rank = 1
    where commitment_use.unused_cost > 0

),

-- ---------------------------------------------------------------- resources (on demand)

resource_teams as (

    select
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        resource_id,
        billing_currency,
        team,
        row_number() over (
            partition by
                billing_period, provider, billing_account_id, sub_account_id,
                resource_id, billing_currency
            order by sum(effective_cost) desc, team asc
        ) as team_rank
    from period_costs
    where resource_id is not null and pricing_category = 'Standard'
    group by
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        resource_id,
        billing_currency,
        team

),

resource_usage as (

    select
        costs.billing_period,
        costs.provider,
        costs.billing_account_id,
        costs.sub_account_id,
        costs.resource_id,
        costs.billing_currency,
        costs.reporting_currency,
        costs.exchange_rate,
        max(costs.service_name) as service_name,
        count(*) as cost_rows,
        count(costs.consumed_quantity) as quantity_rows,
        count(distinct costs.charge_date) as days_seen,
        sum(costs.effective_cost) as on_demand_cost,
        sum(costs.consumed_quantity) as consumed_quantity
    from period_costs as costs
    where costs.resource_id is not null and costs.pricing_category = 'Standard'
    group by
        costs.billing_period,
        costs.provider,
        costs.billing_account_id,
        costs.sub_account_id,
        costs.resource_id,
        costs.billing_currency,
        costs.reporting_currency,
        costs.exchange_rate

),

resources as (

    select
        resource_usage.*,
        resource_teams.team
    from resource_usage
    inner join resource_teams
        on resource_usage.billing_period = resource_teams.billing_period
            and resource_usage.provider = resource_teams.provider
            and resource_usage.billing_account_id = resource_teams.billing_account_id
            and resource_usage.sub_account_id is not distinct from resource_teams.sub_account_id
            and resource_usage.resource_id = resource_teams.resource_id
            and resource_usage.billing_currency = resource_teams.billing_currency
            and resource_teams.team_rank = 1

),

idle_resource as (

    select
        'idle_resource' as opportunity_type,
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        team,
        'resource' as scope_type,
        resource_id as scope,
        resource_id,
        billing_currency,
        reporting_currency,
        exchange_rate,
        on_demand_cost * exchange_rate as basis_cost,
        cast(1 as decimal(9, 6)) as saving_rate,
        service_name || ' billed '
        || cast(cast(on_demand_cost * exchange_rate as decimal(18, 2)) as varchar)
        || ' ' || reporting_currency || ' on ' || cast(days_seen as varchar)
        || ' days with a consumed quantity of '
        || cast(cast(consumed_quantity as decimal(18, 4)) as varchar) as evidence,
        'on-demand cost of a resource with (near) zero consumed quantity: stop or delete it'
            as method
    from resources
    where
        quantity_rows = cost_rows
        and consumed_quantity <= {{ var('optimization_idle_max_quantity', 0) }}
        and on_demand_cost * exchange_rate >= {{ var('optimization_idle_min_cost', 1.00) }}

),

-- ---------------------------------------------------------------- previous generation

resource_generations as (

    {{ optimization_resource_generations() }}

),

previous_generation as (

    select
        'previous_generation' as opportunity_type,
        resources.billing_period,
        resources.provider,
        resources.billing_account_id,
        resources.sub_account_id,
        resources.team,
        'resource' as scope_type,
        resources.resource_id as scope,
        resources.resource_id,
        resources.billing_currency,
        resources.reporting_currency,
        resources.exchange_rate,
        resources.on_demand_cost * resources.exchange_rate as basis_cost,
        resource_generations.saving_pct as saving_rate,
        resource_generations.family_text || ' (' || resource_generations.previous_family
        || ' family) billed '
        || cast(cast(
            resources.on_demand_cost * resources.exchange_rate as decimal(18, 2)
        ) as varchar)
        || ' ' || resources.reporting_currency || ' on demand; current equivalent '
        || resource_generations.current_family as evidence,
        'on-demand cost x saving_pct of the move to the current family'
        || ' (seeds/instance_generations.csv)' as method
    from resources
    inner join resource_generations
        on resources.provider = resource_generations.provider
            and resources.resource_id = resource_generations.resource_id
    where resources.on_demand_cost > 0

),

-- ---------------------------------------------------------------- storage growth

account_costs as (

    select
        costs.billing_period,
        costs.provider,
        costs.billing_account_id,
        costs.sub_account_id,
        costs.billing_currency,
        costs.reporting_currency,
        costs.exchange_rate,
        sum(
            case when costs.service_category = 'Storage' then costs.effective_cost else 0 end
        ) as storage_cost,
        sum(
            case when costs.service_category = 'Compute' then costs.effective_cost else 0 end
        ) as compute_cost
    from costs
    -- usage only: the unused part of a commitment is not compute that runs
    where coalesce(costs.commitment_discount_status, '') <> 'Unused'
    group by
        costs.billing_period,
        costs.provider,
        costs.billing_account_id,
        costs.sub_account_id,
        costs.billing_currency,
        costs.reporting_currency,
        costs.exchange_rate

),

account_daily as (

    select
        account_costs.*,
        period_days.period_number,
        period_days.calendar_days,
        period_days.days_with_data,
        account_costs.storage_cost / period_days.days_with_data as storage_daily,
        account_costs.compute_cost / period_days.days_with_data as compute_daily
    from account_costs
    inner join period_days
        on account_costs.provider = period_days.provider
            and account_costs.billing_account_id = period_days.billing_account_id
            and account_costs.billing_period = period_days.billing_period

),

account_trend as (

    select
        account_daily.*,
        sum(
            case
                when account_daily.storage_daily > previous_period.storage_daily then 1
                else 0
            end
        ) over (
            partition by
                account_daily.provider,
                account_daily.billing_account_id,
                account_daily.sub_account_id,
                account_daily.billing_currency
            order by account_daily.period_number
            rows between {{ var('optimization_storage_lookback_periods', 3) - 1 }} preceding
            and current row
        ) as storage_increases
    from account_daily
    left join account_daily as previous_period
        on account_daily.provider = previous_period.provider
            and account_daily.billing_account_id = previous_period.billing_account_id
            and account_daily.sub_account_id is not distinct from previous_period.sub_account_id
            and account_daily.billing_currency = previous_period.billing_currency
            and account_daily.period_number = previous_period.period_number + 1

),

account_growth as (

    select
        current_period.*,
        earlier.billing_period as earlier_period,
        earlier.storage_daily as earlier_storage_daily,
        earlier.compute_daily as earlier_compute_daily,
        current_period.storage_daily / earlier.storage_daily - 1 as storage_growth,
        case
            when earlier.compute_daily > 0
                then current_period.compute_daily / earlier.compute_daily - 1
            when current_period.compute_daily > 0 then null
            else 0
        end as compute_growth
    from account_trend as current_period
    inner join account_daily as earlier
        on current_period.provider = earlier.provider
            and current_period.billing_account_id = earlier.billing_account_id
            and current_period.sub_account_id is not distinct from earlier.sub_account_id
            and current_period.billing_currency = earlier.billing_currency
            and current_period.period_number
            = earlier.period_number + {{ var('optimization_storage_lookback_periods', 3) }}
    where
        earlier.storage_daily > 0
        and current_period.storage_increases
        = {{ var('optimization_storage_lookback_periods', 3) }}

),

storage_growth as (

    select
        'storage_growth' as opportunity_type,
        account_growth.billing_period,
        account_growth.provider,
        account_growth.billing_account_id,
        account_growth.sub_account_id,
        coalesce(sub_owner.team, billing_owner.team, 'unallocated') as team,
        'account' as scope_type,
        coalesce(account_growth.sub_account_id, account_growth.billing_account_id) as scope,
        cast(null as varchar) as resource_id,
        account_growth.billing_currency,
        account_growth.reporting_currency,
        account_growth.exchange_rate,
        (account_growth.storage_daily - account_growth.earlier_storage_daily)
        * account_growth.calendar_days * account_growth.exchange_rate as basis_cost,
        cast(
            {{ var('optimization_storage_tiering_saving', 0.5) }} as decimal(9, 6)
        ) as saving_rate,
        'storage per day '
        || cast(cast(
            account_growth.earlier_storage_daily * account_growth.exchange_rate as decimal(18, 2)
        ) as varchar)
        || ' (' || account_growth.earlier_period || ') -> '
        || cast(cast(
            account_growth.storage_daily * account_growth.exchange_rate as decimal(18, 2)
        ) as varchar)
        || ' ' || account_growth.reporting_currency || ' (+'
        || cast(cast(100 * account_growth.storage_growth as decimal(18, 1)) as varchar)
        || '%); compute '
        || case
            when account_growth.compute_growth >= 0 then '+' else ''
        end
        || cast(cast(100 * account_growth.compute_growth as decimal(18, 1)) as varchar)
        || '%' as evidence,
        'storage cost added since the lookback period x calendar days x tiering / expiry'
        || ' saving (var optimization_storage_tiering_saving)' as method
    from account_growth
    left join account_owners as sub_owner
        on lower(account_growth.provider) = sub_owner.provider_key
            and lower(account_growth.sub_account_id) = sub_owner.account_key
    left join account_owners as billing_owner
        on lower(account_growth.provider) = billing_owner.provider_key
            and lower(account_growth.billing_account_id) = billing_owner.account_key
    where
        {{ billing_period_in('account_growth.billing_period', periods) }}
        and account_growth.storage_growth
        >= {{ var('optimization_storage_min_growth', 0.25) }}
        and account_growth.compute_growth < account_growth.storage_growth / 2
        and (account_growth.storage_daily - account_growth.earlier_storage_daily)
        * account_growth.calendar_days * account_growth.exchange_rate
        >= {{ var('optimization_storage_min_increase', 10) }}

),

-- ---------------------------------------------------------------- untagged spend

untagged as (

    select
        'untagged_spend' as opportunity_type,
        untagged_spend.billing_period,
        untagged_spend.provider,
        untagged_spend.billing_account_id,
        untagged_spend.sub_account_id,
        coalesce(sub_owner.team, billing_owner.team, 'unallocated') as team,
        'account' as scope_type,
        coalesce(untagged_spend.sub_account_id, untagged_spend.billing_account_id) as scope,
        cast(null as varchar) as resource_id,
        untagged_spend.billing_currency,
        untagged_spend.reporting_currency,
        untagged_spend.effective_cost_reporting / nullif(untagged_spend.effective_cost, 0)
            as exchange_rate,
        untagged_spend.effective_cost_reporting as basis_cost,
        cast(0 as decimal(9, 6)) as saving_rate,
        'taggable usage without a valid team tag '
        || cast(cast(untagged_spend.effective_cost_reporting as decimal(18, 2)) as varchar)
        || ' ' || untagged_spend.reporting_currency || ' on '
        || cast(untagged_spend.days_seen as varchar) || ' days; now attributed to '
        || untagged_spend.likely_owner || ' by ' || untagged_spend.likely_owner_method
            as evidence,
        'no direct saving: untagged cost cannot be shown back to the team that runs it;'
        || ' tag it (or add a virtual-tag rule)' as method
    from {{ ref('untagged_spend') }} as untagged_spend
    left join account_owners as sub_owner
        on lower(untagged_spend.provider) = sub_owner.provider_key
            and lower(untagged_spend.sub_account_id) = sub_owner.account_key
    left join account_owners as billing_owner
        on lower(untagged_spend.provider) = billing_owner.provider_key
            and lower(untagged_spend.billing_account_id) = billing_owner.account_key
    where
        untagged_spend.scope = 'account'
        and {{ billing_period_in('untagged_spend.billing_period', periods) }}
        and untagged_spend.effective_cost_reporting
        >= {{ var('optimization_untagged_min_cost', 10) }}

),

opportunities as (

    select * from commitment_purchase
    union all
    select * from unused_commitment
    union all
    select * from idle_resource
    union all
    select * from previous_generation
    union all
    select * from storage_growth
    union all
    select * from untagged

)

select
    cast({{ row_hash([
        'opportunity_type', 'billing_period', 'provider', 'billing_account_id', 'sub_account_id',
        'scope', 'billing_currency'
    ]) }} as varchar) as opportunity_id,
    billing_period,
    opportunity_type,
    provider,
    billing_account_id,
    sub_account_id,
    team,
    scope_type,
    scope,
    resource_id,
    evidence,
    cast(basis_cost as decimal(38, 12)) as basis_cost,
    cast(saving_rate as decimal(9, 6)) as saving_rate,
    cast(basis_cost * saving_rate as decimal(38, 12)) as estimated_monthly_saving,
    method,
    billing_currency,
    reporting_currency,
    cast(exchange_rate as decimal(18, 10)) as exchange_rate
from opportunities
