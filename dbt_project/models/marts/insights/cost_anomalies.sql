{#
    Cost anomalies: each day's usage cost of a series (team x provider x service, and sub
    account x provider x service) against its own trailing baseline, robust to the outliers it
    looks for: the median and the median absolute deviation (MAD) of the previous
    var anomaly_window_days days, zeros included. A day is anomalous when its cost exceeds the
    median by at least var anomaly_min_impact (reporting currency), by at least
    var anomaly_min_relative_impact of the median, and by more than var anomaly_mad_threshold
    scaled MADs (1.4826 x MAD estimates a standard deviation), with at least
    var anomaly_min_history_days days of history; new spend (expected 0) must reach
    var anomaly_min_impact_new_spend. Consecutive anomalous days of a series form one
    anomaly (anomaly_id, first_seen_date). Usage only: taxes, credits, purchases and
    adjustments are monthly or one-off by nature. Series are densified (one row per day, zeros
    where nothing was charged) and scanned with window functions: no pairwise joins.
#}

{%- set window_days = var('anomaly_window_days') | int %}
{#- incremental runs rebuild the months from this one on (macros/incremental_periods.sql) #}
{%- set rebuild_from = cost_anomalies_rebuild_from() %}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='billing_period',
        on_schema_change='fail',
        pre_hook="{% set rebuild_from = cost_anomalies_rebuild_from() %}{% if rebuild_from %}delete from {{ this }} where billing_period >= '{{ rebuild_from }}'{% else %}select 1{% endif %}",
        post_hook="{% if billing_period_incremental_run() %}update {{ this }} set as_of_date = (select {{ insights_as_of_date('charge_date') }} from {{ ref('fct_allocated_cost') }} where charge_category = 'Usage') where as_of_date is distinct from (select {{ insights_as_of_date('charge_date') }} from {{ ref('fct_allocated_cost') }} where charge_category = 'Usage'){% else %}select 1{% endif %}"
    )
}}

with

usage_costs as (

    select
        charge_date,
        provider,
        service_name,
        billing_account_id,
        coalesce(sub_account_id, billing_account_id) as sub_account_id,
        team,
        reporting_currency,
        effective_cost_reporting as cost
    from {{ ref('fct_allocated_cost') }}
    where
        charge_category = 'Usage'
        -- an incremental run: the rebuilt months and the window before them
        and {% if rebuild_from -%}
            charge_date >= cast('{{ rebuild_from }}-01' as date) - interval {{ window_days }} day
        {%- else %}true{% endif %}

),

bounds as (

    -- the last complete day (macro insights_as_of_date), over all the data
    select
        min(charge_date) as data_start,
        {{ insights_as_of_date('charge_date') }} as as_of_date,
        max(reporting_currency) as reporting_currency
    from {{ ref('fct_allocated_cost') }}
    where charge_category = 'Usage'

),

series_days as (

    select
        'team_service' as scope,
        provider,
        service_name,
        team,
        cast(null as varchar) as billing_account_id,
        cast(null as varchar) as sub_account_id,
        charge_date,
        sum(cost) as cost
    from usage_costs
    group by provider, service_name, team, charge_date

    union all

    select
        'account_service' as scope,
        provider,
        service_name,
        cast(null as varchar) as team,
        billing_account_id,
        sub_account_id,
        charge_date,
        sum(cost) as cost
    from usage_costs
    group by provider, service_name, billing_account_id, sub_account_id, charge_date

),

series as (

    select
        series_days.scope,
        series_days.provider,
        series_days.service_name,
        series_days.team,
        series_days.billing_account_id,
        series_days.sub_account_id,
        -- densify from a full window before the first cost (zeros), never before the data
        greatest(
            min(bounds.data_start),
            cast(min(series_days.charge_date) - interval {{ window_days }} day as date)
        ) as spine_start,
        min(bounds.as_of_date) as as_of_date
    from series_days
    cross join bounds
    group by
        series_days.scope,
        series_days.provider,
        series_days.service_name,
        series_days.team,
        series_days.billing_account_id,
        series_days.sub_account_id

),

spine as (

    select
        scope,
        provider,
        service_name,
        team,
        billing_account_id,
        sub_account_id,
        cast(unnest(generate_series(spine_start, as_of_date, interval 1 day)) as date)
            as charge_date
    from series
    where spine_start <= as_of_date

),

dense as (

    select
        spine.scope,
        spine.provider,
        spine.service_name,
        spine.team,
        spine.billing_account_id,
        spine.sub_account_id,
        spine.charge_date,
        coalesce(series_days.cost, 0) as cost
    from spine
    left join series_days
        on spine.scope = series_days.scope
            and spine.provider = series_days.provider
            and spine.service_name = series_days.service_name
            and spine.charge_date = series_days.charge_date
            and spine.team is not distinct from series_days.team
            and spine.billing_account_id is not distinct from series_days.billing_account_id
            and spine.sub_account_id is not distinct from series_days.sub_account_id

),

baselines as (

    select
        *,
        median(cost) over trailing_days as expected_cost,
        mad(cost) over trailing_days as baseline_mad,
        count(*) over trailing_days as history_days
    from dense
    window trailing_days as (
        partition by scope, provider, service_name, team, billing_account_id, sub_account_id
        order by charge_date
        rows between {{ window_days }} preceding and 1 preceding
    )

),

flagged as (

    select
        *,
        cost - expected_cost as impact
    from baselines
    where
        history_days >= {{ var('anomaly_min_history_days') }}
        and cost - expected_cost >= {{ var('anomaly_min_impact') }}
        and cost - expected_cost
        >= {{ var('anomaly_min_relative_impact') }} * expected_cost
        and cost - expected_cost
        > {{ var('anomaly_mad_threshold') }} * 1.4826 * baseline_mad
        -- new spend (nothing expected: the series was mostly idle) needs a bigger impact
        and (expected_cost > 0 or cost >= {{ var('anomaly_min_impact_new_spend') }})

),

flagged_days as (

    select
        scope,
        provider,
        service_name,
        team,
        billing_account_id,
        sub_account_id,
        charge_date
    from flagged
    {%- if rebuild_from %}
    -- (the window before the rebuilt months is history only: its days are not scored here)
    where charge_date >= cast('{{ rebuild_from }}-01' as date)
    union all
    -- an anomaly running into the rebuilt months began before them: its stored days
    select
        scope,
        provider,
        service_name,
        case when scope = 'team_service' then team end as team,
        billing_account_id,
        sub_account_id,
        charge_date
    from {{ this }}
    where billing_period < '{{ rebuild_from }}'
    {%- endif %}

),

islands as (

    -- consecutive anomalous days of a series are one anomaly (gaps and islands)
    select
        *,
        min(charge_date) over (
            partition by
                scope, provider, service_name, team, billing_account_id, sub_account_id, island
        ) as first_seen_date,
        row_number() over (
            partition by
                scope, provider, service_name, team, billing_account_id, sub_account_id, island
            order by charge_date
        ) as episode_day
    from (
        select
            *,
            charge_date - cast(row_number() over (
                partition by
                    scope, provider, service_name, team, billing_account_id, sub_account_id
                order by charge_date
            ) as integer) as island
        from flagged_days
    ) as numbered

),

episodes as (

    select
        flagged.*,
        islands.first_seen_date,
        islands.episode_day
    from flagged
    inner join islands
        on flagged.scope = islands.scope
            and flagged.provider = islands.provider
            and flagged.service_name = islands.service_name
            and flagged.charge_date = islands.charge_date
            and flagged.team is not distinct from islands.team
            and flagged.billing_account_id is not distinct from islands.billing_account_id
            and flagged.sub_account_id is not distinct from islands.sub_account_id
    {%- if rebuild_from %}
    where flagged.charge_date >= cast('{{ rebuild_from }}-01' as date)
    {%- endif %}

),

account_owners as (

    select
        lower(trim(provider)) as provider_key,
        trim(account_id) as account_id,
        lower(trim(team)) as team
    from {{ ref('account_owners') }}

),

day_teams as (

    -- for an account: the team that got most of that day's cost of the service
    select
        provider,
        service_name,
        billing_account_id,
        sub_account_id,
        charge_date,
        arg_max(team, cost) as top_team
    from (
        select
            provider,
            service_name,
            billing_account_id,
            sub_account_id,
            charge_date,
            team,
            sum(cost) as cost
        from usage_costs
        group by provider, service_name, billing_account_id, sub_account_id, charge_date, team
    ) as by_team
    group by provider, service_name, billing_account_id, sub_account_id, charge_date

),

owned as (

    select
        episodes.*,
        case
            when episodes.scope = 'team_service' then episodes.team
            else coalesce(sub_owner.team, billing_owner.team, day_teams.top_team)
        end as owner_team
    from episodes
    left join account_owners as sub_owner
        on episodes.scope = 'account_service'
            and lower(episodes.provider) = sub_owner.provider_key
            and episodes.sub_account_id = sub_owner.account_id
    left join account_owners as billing_owner
        on episodes.scope = 'account_service'
            and lower(episodes.provider) = billing_owner.provider_key
            and episodes.billing_account_id = billing_owner.account_id
    left join day_teams
        on episodes.scope = 'account_service'
            and episodes.provider = day_teams.provider
            and episodes.service_name = day_teams.service_name
            and episodes.billing_account_id = day_teams.billing_account_id
            and episodes.sub_account_id = day_teams.sub_account_id
            and episodes.charge_date = day_teams.charge_date

)

select
    cast(md5(concat_ws(
        '|', owned.scope, owned.provider, owned.service_name, coalesce(owned.team, ''),
        coalesce(owned.billing_account_id, ''), coalesce(owned.sub_account_id, ''),
        cast(owned.first_seen_date as varchar)
    )) as varchar) as anomaly_id,
    owned.scope,
    owned.charge_date,
    strftime(owned.charge_date, '%Y-%m') as billing_period,
    owned.provider,
    owned.service_name,
    owned.billing_account_id,
    owned.sub_account_id,
    owned.owner_team as team,
    teams.department,
    lower(trim(teams.owner_email)) as owner_email,
    owned.first_seen_date,
    cast(owned.episode_day as integer) as episode_day,
    bounds.reporting_currency,
    cast(owned.cost as decimal(38, 12)) as actual_cost,
    cast(owned.expected_cost as decimal(38, 12)) as expected_cost,
    cast(owned.impact as decimal(38, 12)) as impact,
    cast(
        case when owned.expected_cost > 0 then owned.impact / owned.expected_cost end as double
    ) as relative_impact,
    cast(owned.baseline_mad as decimal(38, 12)) as baseline_mad,
    cast(
        case
            when owned.baseline_mad > 0
                then round(owned.impact / (1.4826 * owned.baseline_mad), 4)
        end as double
    ) as robust_z,
    cast(owned.history_days as integer) as history_days,
    case
        when owned.impact >= {{ var('anomaly_high_impact') }} then 'high'
        when owned.impact >= {{ var('anomaly_medium_impact') }} then 'medium'
        else 'low'
    end as severity,
    bounds.as_of_date
from owned
cross join bounds
left join {{ ref('teams') }} as teams
    on owned.owner_team = lower(trim(teams.team))
