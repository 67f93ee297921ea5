{#
    Cost conservation: per `group_by` (default provider x billing account x billing period),
    the sums of `measures` in the tested model equal those of `compare_model` to within
    `tolerance` (default half a cent). A failing row shows both totals and the difference.
    Groups present on one side only fail too.
#}
{% test cost_conserved(
    model,
    compare_model,
    measures=['billed_cost', 'effective_cost'],
    group_by=['provider', 'billing_account_id', 'billing_period'],
    tolerance=0.005
) %}

with

actual as (

    select
        {{ group_by | join(', ') }},
        {%- for measure in measures %}
        sum({{ measure }}) as {{ measure }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
    group by {{ group_by | join(', ') }}

),

expected as (

    select
        {{ group_by | join(', ') }},
        {%- for measure in measures %}
        sum({{ measure }}) as {{ measure }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ compare_model }}
    group by {{ group_by | join(', ') }}

),

compared as (

    select
        {%- for column in group_by %}
        coalesce(actual.{{ column }}, expected.{{ column }}) as {{ column }},
        {%- endfor %}
        {%- for measure in measures %}
        expected.{{ measure }} as expected_{{ measure }},
        actual.{{ measure }} as actual_{{ measure }},
        coalesce(actual.{{ measure }}, 0) - coalesce(expected.{{ measure }}, 0)
            as {{ measure }}_difference{{ "," if not loop.last }}
        {%- endfor %}
    from actual
    full outer join expected
        on
        {%- for column in group_by %}
        actual.{{ column }} is not distinct from expected.{{ column }}
        {{- " and" if not loop.last }}
        {%- endfor %}

)

select *
from compared
where
{%- for measure in measures %}
    abs({{ measure }}_difference) >= {{ tolerance }}
    {{- " or" if not loop.last }}
{%- endfor %}

{% endtest %}
