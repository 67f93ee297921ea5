{#
    The combination of `columns` is unique (NULLs compare equal): one failing row per duplicated
    combination, with how often it occurs.
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
