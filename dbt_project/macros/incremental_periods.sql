{#
    Incremental marts whose result for a billing period also depends on other periods
    (look-back windows, a mapping over all periods) rebuild a computed list of periods, not just
    the run's range: see optimization_opportunities and cost_anomalies. These helpers turn such
    a list into predicates and into the pre-hook that deletes the periods first (dbt's
    delete+insert only replaces the periods the new rows have; a rebuilt period whose result is
    now empty must lose its old rows too).
#}

{# true in an incremental run over a range of periods (range given, table exists, no full refresh) #}
{% macro billing_period_incremental_run() -%}
    {{ return(billing_period_range_given() and this is not none and is_incremental()) }}
{%- endmacro %}

{# 'YYYY-MM' shifted by `months` (negative: earlier) #}
{% macro billing_period_shift(period, months) -%}
    {%- set index = (period[:4] | int) * 12 + (period[5:7] | int) - 1 + months -%}
    {{ return('%04d-%02d' | format(index // 12, index % 12 + 1)) }}
{%- endmacro %}

{# every 'YYYY-MM' from `first` through `last` #}
{% macro billing_period_list(first, last) -%}
    {%- set periods = [] -%}
    {%- set start = (first[:4] | int) * 12 + (first[5:7] | int) - 1 -%}
    {%- set stop = (last[:4] | int) * 12 + (last[5:7] | int) - 1 -%}
    {%- for index in range(start, stop + 1) -%}
        {%- do periods.append('%04d-%02d' | format(index // 12, index % 12 + 1)) -%}
    {%- endfor -%}
    {{ return(periods) }}
{%- endmacro %}

{# each period of `periods` and the `months` periods before it, sorted, distinct #}
{% macro billing_periods_with_preceding(periods, months) -%}
    {%- set result = [] -%}
    {%- for period in periods -%}
        {%- for back in range(months, -1, -1) -%}
            {%- set shifted = billing_period_shift(period, -back) -%}
            {%- if shifted not in result -%}{%- do result.append(shifted) -%}{%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(result | sort) }}
{%- endmacro %}

{#
    `column in (periods)` in an incremental run; `true` otherwise (periods is none on a full
    build). An empty list selects nothing.
#}
{% macro billing_period_in(column, periods) -%}
    {%- if periods is none -%}
        true
    {%- elif periods | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ('{{ periods | join("', '") }}')
    {%- endif -%}
{%- endmacro %}

{# pre-hook: delete the periods an incremental run rebuilds (nothing on a full build) #}
{% macro delete_billing_periods(periods) -%}
    {%- if periods is not none and periods | length > 0 -%}
        delete from {{ this }} where {{ billing_period_in('billing_period', periods) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#
    cost_anomalies in an incremental run rebuilds every month (of charge date) from the first one
    a restatement can change to the end; none on a full build. A day's result depends on the
    series' costs of that day and the var anomaly_window_days days before it, on the first day
    of data (the window is cut there) and on the as-of day (no day after it is scored), so the
    rebuild starts at the earliest of: the restated range's first month, the first charge date
    of its rows (a billing period's usage is dated within its month, or a day later for a
    provider whose day ends after UTC midnight), and the month of the old and the new as-of
    day. The rebuild runs to the last month, so every day whose window reaches a restated day
    is rebuilt, and so is the rest of any anomaly that runs on from the restated days.
    Restating the first billing period (the first day of data may move) or a table without
    rows (the old as-of day is unknown) rebuilds all months. Runs queries (at execution).
#}
{% macro cost_anomalies_rebuild_from() -%}
    {%- if not billing_period_incremental_run() or not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set first, last = billing_period_range() -%}
    {%- set bounds_sql -%}
        with usage_costs as (
            select billing_period, charge_date
            from {{ ref('fct_allocated_cost') }}
            where charge_category = 'Usage'
        ),
        stored as (
            select count(*) as stored_rows, max(as_of_date) as old_as_of_date
            from {{ this }}
        )
        select
            strftime(least(
                cast('{{ first }}-01' as date),
                min(case when billing_period between '{{ first }}' and '{{ last }}' then charge_date end),
                {{ insights_as_of_date('charge_date') }},
                max(stored.old_as_of_date)
            ), '%Y-%m') as rebuild_from,
            strftime(min(charge_date), '%Y-%m') as first_month,
            '{{ first }}' <= min(billing_period) or max(stored.stored_rows) = 0 as rebuild_all
        from usage_costs
        cross join stored
    {%- endset -%}
    {%- set row = run_query(bounds_sql).rows[0] -%}
    {%- if row[1] is none -%}
        {{ return('0000-01') }}
    {%- elif row[2] -%}
        {{ return(row[1]) }}
    {%- else -%}
        {{ return(row[0]) }}
    {%- endif -%}
{%- endmacro %}
