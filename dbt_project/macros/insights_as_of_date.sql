{#
    The insights' "as of" day, one rule for budget_vs_actual and cost_anomalies: var
    insights_as_of_date when set, else the last day with usage minus one day, unless that day
    ends its month (a month-to-date export's last day is partial; a delivery reaching the
    month's last day is the month's final one). An aggregate over `date_column`.
#}
{% macro insights_as_of_date(date_column) -%}
    {%- if var('insights_as_of_date', none) -%}
        cast('{{ var("insights_as_of_date") }}' as date)
    {%- else -%}
        case
            when extract(month from max({{ date_column }}) + interval 1 day)
                <> extract(month from max({{ date_column }}))
                then max({{ date_column }})
            else cast(max({{ date_column }}) - interval 1 day as date)
        end
    {%- endif -%}
{%- endmacro %}
