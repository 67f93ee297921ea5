{{ config(materialized='table') }}

{#
    Who receives each shared-cost rule's costs, with which weight, per billing period and
    provider (seeds/shared_cost_rules.csv, seeds/shared_cost_weights.csv):
      proportional  weight = the team's direct effective cost (reporting currency) in the same
                    billing period and provider; direct = attributed by tag, rule or account and
                    not itself shared; `unallocated` never receives shared cost
      even          weight = 1
      fixed         weight from shared_cost_weights.csv (teams without a weight get 0)
    target_teams ('|'-separated) limits the recipients; blank = every team with direct spend in
    that billing period and provider (for `fixed`: the teams listed in the weights seed).
    A rule with no recipient in a period leaves its rows where attribution put them.
#}

with

attributed as (

    select * from {{ ref('int_cost__attributed') }}

),

rules as (

    select
        rule_id,
        lower(trim(method)) as method,
        nullif(replace(lower(trim(target_teams)), ' ', ''), '') as target_teams
    from {{ ref('shared_cost_rules') }}

),

teams as (

    select lower(trim(team)) as team from {{ ref('teams') }}

),

weights as (

    select
        rule_id,
        lower(trim(team)) as team,
        weight
    from {{ ref('shared_cost_weights') }}

),

rule_periods as (

    select distinct
        x_shared_rule_id as rule_id,
        billing_period,
        provider
    from attributed
    where x_shared_rule_id is not null

),

direct_spend as (

    select
        billing_period,
        provider,
        team,
        sum(effective_cost * exchange_rate) as direct_effective_cost_reporting
    from attributed
    where x_shared_rule_id is null and team <> 'unallocated'
    group by billing_period, provider, team

),

listed_targets as (

    select
        rule_periods.rule_id,
        rule_periods.billing_period,
        rule_periods.provider,
        teams.team
    from rule_periods
    inner join rules
        on rule_periods.rule_id = rules.rule_id
    inner join teams
        on '|' || rules.target_teams || '|' like '%|' || teams.team || '|%'
    where rules.target_teams is not null

),

fixed_targets as (

    select
        rule_periods.rule_id,
        rule_periods.billing_period,
        rule_periods.provider,
        weights.team
    from rule_periods
    inner join rules
        on rule_periods.rule_id = rules.rule_id
    inner join weights
        on rule_periods.rule_id = weights.rule_id
    where rules.target_teams is null and rules.method = 'fixed'

),

spending_targets as (

    select
        rule_periods.rule_id,
        rule_periods.billing_period,
        rule_periods.provider,
        direct_spend.team
    from rule_periods
    inner join rules
        on rule_periods.rule_id = rules.rule_id
    inner join direct_spend
        on rule_periods.billing_period = direct_spend.billing_period
            and rule_periods.provider = direct_spend.provider
    where
        rules.target_teams is null
        and rules.method <> 'fixed'
        and direct_spend.direct_effective_cost_reporting > 0

),

targets as (

    select * from listed_targets
    union
    select * from fixed_targets
    union
    select * from spending_targets

)

select
    targets.rule_id,
    targets.billing_period,
    targets.provider,
    targets.team,
    rules.method,
    case rules.method
        when 'proportional' then coalesce(direct_spend.direct_effective_cost_reporting, 0)
        when 'even' then 1
        when 'fixed' then coalesce(weights.weight, 0)
    end as weight,
    coalesce(direct_spend.direct_effective_cost_reporting, 0) as direct_effective_cost_reporting
from targets
inner join rules
    on targets.rule_id = rules.rule_id
left join direct_spend
    on targets.billing_period = direct_spend.billing_period
        and targets.provider = direct_spend.provider
        and targets.team = direct_spend.team
left join weights
    on targets.rule_id = weights.rule_id
        and targets.team = weights.team
