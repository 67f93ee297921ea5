{#
    tag_coverage: every account's tag coverage (`column_name`, a 0..1 share of taggable cost,
    on a model shaped like the tag_coverage mart) is at or above its thresholds.

    Thresholds: var tag_coverage_warn_below / tag_coverage_error_below, overridden per provider
    or per account by the `thresholds` relation (seeds/tag_coverage_thresholds.csv: provider,
    account_id, warn_below, error_below); an account row (sub account, else billing account)
    beats a provider row (blank account_id), which beats the vars. Accounts whose taggable cost
    is below var tag_coverage_min_taggable_cost are not judged.

    One result row per offending account and billing period, with its coverage, thresholds and
    breach_level ('warn' | 'error'); store_failures keeps them in schema dbt_test__audit.
    Severity: any row -> WARN; any 'error' row -> ERROR. dbt decides on one number, so fail_calc
    counts an error row as 1,000,000 and a warn row as 1 (warn_if >0, error_if >=1,000,000).
    The mart is a leaf of the DAG, so even an ERROR never keeps finance's marts from building.
#}
{% test tag_coverage(model, column_name, thresholds, min_taggable_cost=none) %}

{{ config(
    severity='error',
    warn_if='>0',
    error_if='>=1000000',
    fail_calc="coalesce(sum(case when breach_level = 'error' then 1000000 else 1 end), 0)",
    store_failures=true
) }}

{%- set min_cost = min_taggable_cost if min_taggable_cost is not none
    else var('tag_coverage_min_taggable_cost', 0) %}

with

coverage as (

    select
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        taggable_cost,
        tagged_cost,
        {{ column_name }} as coverage
    from {{ model }}
    where taggable_cost >= {{ min_cost }} and {{ column_name }} is not null

),

overrides as (

    select
        lower(trim(provider)) as provider_key,
        nullif(lower(trim(account_id)), '') as account_key,
        warn_below,
        error_below
    from {{ thresholds }}

),

resolved as (

    select
        coverage.*,
        coalesce(
            by_sub_account.warn_below,
            by_billing_account.warn_below,
            by_provider.warn_below,
            {{ var('tag_coverage_warn_below') }}
        ) as warn_below,
        coalesce(
            by_sub_account.error_below,
            by_billing_account.error_below,
            by_provider.error_below,
            {{ var('tag_coverage_error_below') }}
        ) as error_below
    from coverage
    left join overrides as by_sub_account
        on lower(coverage.provider) = by_sub_account.provider_key
        and lower(coverage.sub_account_id) = by_sub_account.account_key
    left join overrides as by_billing_account
        on lower(coverage.provider) = by_billing_account.provider_key
        and lower(coverage.billing_account_id) = by_billing_account.account_key
    left join overrides as by_provider
        on lower(coverage.provider) = by_provider.provider_key
        and by_provider.account_key is null

)

select
    billing_period,
    provider,
    billing_account_id,
    sub_account_id,
    taggable_cost,
    tagged_cost,
    round(coverage, 4) as coverage,
    warn_below,
    error_below,
    case when coverage < error_below then 'error' else 'warn' end as breach_level
from resolved
where coverage < warn_below or coverage < error_below

{% endtest %}
