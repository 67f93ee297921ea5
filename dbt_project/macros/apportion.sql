{#
    apportion(): split amounts over the rows of a group, exact to the last decimal.

    `relation` holds one row per (group, recipient) with the group's amounts repeated on every
    row and the recipient's weight. The result is `relation`'s columns plus `<amount>_share` for
    every amount, such that, per group, the shares sum EXACTLY to the amount:

      1. ratio    = weight / sum(weight)  (negative/NULL weights count as 0; when the group's
                    weights sum to 0 every row gets an equal ratio)
      2. base     = amount x ratio, rounded DOWN to the cent
      3. residual = amount - sum(base)    (exact DECIMAL arithmetic; < one cent per row)
      4. the residual's whole cents go, one each, to the rows with the largest dropped
         fraction (ties: `order_by`, so the result is deterministic), and the sub-cent rest of the
         residual goes to the first of those rows.
    So every share is a whole number of cents except at most one per group, which absorbs the
    sub-cent digits the amount itself carries; totals are exact, never off by a cent.
#}
{% macro apportion(relation, amounts, weight, partition_by, order_by) -%}
{%- set partition = partition_by | join(', ') -%}
    select
        ratios.*
        {%- for amount in amounts %},
        base_{{ loop.index }}
            + cast(
                (floor(cents_{{ loop.index }} / row_count)
                    + case
                        when rank_{{ loop.index }}
                            <= cents_{{ loop.index }} - floor(cents_{{ loop.index }} / row_count) * row_count
                            then 1
                        else 0
                    end) * 0.01
                as decimal(38, 12))
            + case
                when rank_{{ loop.index }} = 1
                    then residual_{{ loop.index }} - cast(cents_{{ loop.index }} * 0.01 as decimal(38, 12))
                else cast(0 as decimal(38, 12))
            end as {{ amount }}_share
        {%- endfor %}
    from (
        select
            ranked.*
            {%- for amount in amounts %},
            cast(floor(residual_{{ loop.index }} * 100) as bigint) as cents_{{ loop.index }}
            {%- endfor %}
        from (
            select
                based.*
                {%- for amount in amounts %},
                {{ amount }} - sum(base_{{ loop.index }}) over (partition by {{ partition }})
                    as residual_{{ loop.index }},
                row_number() over (
                    partition by {{ partition }}
                    order by fraction_{{ loop.index }} desc, {{ order_by | join(', ') }}
                ) as rank_{{ loop.index }}
                {%- endfor %}
            from (
                select
                    weighted.*
                    {%- for amount in amounts %},
                    cast(
                        floor(cast({{ amount }} as double) * apportion_ratio * 100) / 100
                        as decimal(38, 12)
                    ) as base_{{ loop.index }},
                    cast({{ amount }} as double) * apportion_ratio * 100
                    - floor(cast({{ amount }} as double) * apportion_ratio * 100)
                        as fraction_{{ loop.index }}
                    {%- endfor %}
                from (
                    select
                        totals.*,
                        case
                            when weight_total > 0 then positive_weight / weight_total
                            else 1.0 / row_count
                        end as apportion_ratio
                    from (
                        select
                            source_rows.*,
                            sum(positive_weight) over (partition by {{ partition }})
                                as weight_total,
                            count(*) over (partition by {{ partition }}) as row_count
                        from (
                            select
                                *,
                                case
                                    when {{ weight }} > 0 then cast({{ weight }} as double)
                                    else 0.0
                                end as positive_weight
                            from {{ relation }}
                        ) as source_rows
                    ) as totals
                ) as weighted
            ) as based
        ) as ranked
    ) as ratios
{%- endmacro %}
