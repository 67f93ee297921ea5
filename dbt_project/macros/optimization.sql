{#
    The previous-generation match of each resource (optimization_opportunities): of all the
    family texts a resource has in any billing period (int_optimization__resource_families), the
    seeds/instance_generations.csv row with the largest saving, ties by family text. A select
    of provider, resource_id, family_text, previous_family, current_family, saving_pct.
#}
{% macro optimization_resource_generations() -%}
    select
        provider,
        resource_id,
        family_text,
        previous_family,
        current_family,
        saving_pct
    from (
        select
            resource_families.provider,
            resource_families.resource_id,
            resource_families.family_text,
            generations.previous_family,
            generations.current_family,
            generations.saving_pct,
            row_number() over (
                partition by resource_families.provider, resource_families.resource_id
                order by generations.saving_pct desc, resource_families.family_text asc
            ) as match_rank
        from (
            select distinct
                provider,
                resource_id,
                family_text
            from {{ ref('int_optimization__resource_families') }}
        ) as resource_families
        inner join (
            select
                lower(trim(provider)) as provider_key,
                lower(trim(previous_family)) as family_key,
                previous_family,
                current_family,
                cast(saving_pct as decimal(9, 6)) as saving_pct
            from {{ ref('instance_generations') }}
        ) as generations
            on lower(resource_families.provider) = generations.provider_key
                and (
                    -- AWS instance type: family before the size (m4.xlarge, db.m4.large)
                    resource_families.family_text like generations.family_key || '.%'
                    -- Azure meter subcategory (dv2 series)
                    or resource_families.family_text = generations.family_key
                    -- GCP SKU description (n1 predefined instance core ...)
                    or resource_families.family_text like generations.family_key || ' %'
                )
    ) as matched
    where match_rank = 1
{%- endmacro %}

{#
    The billing periods an incremental run of optimization_opportunities rebuilds; none on a full
    build (every period). A period's storage growth looks back
    var optimization_storage_lookback_periods periods, so a restated period changes itself and
    that many periods after it. The previous-generation match is over all periods, so a
    restatement can change it for a resource billed in other periods too: those periods are
    rebuilt as well, found by comparing the stored rows with the new match (a row whose family,
    saving or match is gone) and by looking for on-demand cost of a newly matched resource in a
    period without a row for it. Runs queries (at execution), so the list reflects the rebuilt
    upstream models.
#}
{% macro optimization_rebuild_periods() -%}
    {%- if not billing_period_incremental_run() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set first, last = billing_period_range() -%}
    {%- set periods = billing_period_list(
        first, billing_period_shift(last, var('optimization_storage_lookback_periods', 3) | int)
    ) -%}
    {%- if execute -%}
        {%- set changed_sql -%}
with

generations as (

    {{ optimization_resource_generations() }}

),

stored as (

    select
        billing_period,
        provider,
        billing_account_id,
        sub_account_id,
        resource_id,
        billing_currency,
        saving_rate,
        evidence
    from {{ this }}
    where opportunity_type = 'previous_generation'
        and not {{ billing_period_in('billing_period', periods) }}

),

-- a stored row whose resource now matches differently, or not at all
mismatched as (

    select stored.billing_period
    from stored
    left join generations
        on stored.provider = generations.provider
            and stored.resource_id = generations.resource_id
    where
        generations.resource_id is null
        or stored.saving_rate <> generations.saving_pct
        or not starts_with(
            stored.evidence,
            generations.family_text || ' (' || generations.previous_family || ' family) billed '
        )
        or not ends_with(stored.evidence, ' current equivalent ' || generations.current_family)

),

-- resources with family rows in the restated periods that match now
candidates as (

    select distinct
        generations.provider,
        generations.resource_id
    from generations
    inner join {{ ref('int_optimization__resource_families') }} as families
        on generations.provider = families.provider
            and generations.resource_id = families.resource_id
    where families.billing_period between '{{ first }}' and '{{ last }}'

),

-- ... billed on demand in another period that has no row for them (a new match)
unlisted as (

    select costs.billing_period
    from {{ ref('int_cost__attributed') }} as costs
    inner join candidates
        on costs.provider = candidates.provider
            and costs.resource_id = candidates.resource_id
    left join stored
        on costs.billing_period = stored.billing_period
            and costs.provider = stored.provider
            and costs.billing_account_id = stored.billing_account_id
            and costs.sub_account_id is not distinct from stored.sub_account_id
            and costs.resource_id = stored.resource_id
            and costs.billing_currency = stored.billing_currency
    where
        costs.charge_category = 'Usage'
        and costs.pricing_category = 'Standard'
        and stored.billing_period is null
        and not {{ billing_period_in('costs.billing_period', periods) }}
    group by
        costs.billing_period,
        costs.provider,
        costs.billing_account_id,
        costs.sub_account_id,
        costs.resource_id,
        costs.billing_currency,
        costs.reporting_currency,
        costs.exchange_rate
    having sum(costs.effective_cost) > 0

)

select billing_period from mismatched
union
select billing_period from unlisted
        {%- endset -%}
        {%- for row in run_query(changed_sql) -%}
            {%- if row[0] not in periods -%}{%- do periods.append(row[0]) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(periods | sort) }}
{%- endmacro %}
