"""Optimization marts on the shared generated year (read-only): the planted opportunities.

finops/generate/plants.py puts fixed-cost resources into Acme's CUR 2.0 export every month.
Expected savings are derived by hand from those costs and the seeds:
  idle (saving = all of it):   payments DynamoDB table 4.00/day, analytics ALB 2.50/day
  previous generation:         search m4.xlarge 0.20/h x 24 = 4.80/day, x 4.0 %   (m4 -> m6i)
                               web c4.2xlarge 0.398/h x 24 = 9.552/day, x 14.6 % (c4 -> c6i)
                               devex t2.large 0.0928/h x 24 = 2.2272/day, x 10.3 % (t2 -> t3)
  storage growth:              management account S3 5.00/day x 1.25^month index
February 2025 has 28 days; December 2025 (index 11) 31.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.warehouses import Warehouse

pytestmark = pytest.mark.slow

SEARCH_M4 = "i-0a4d5e6f7a8b9c0d1"
WEB_C4 = "i-0c4e5f6a7b8c9d0e2"
DEVEX_T2 = "i-0b2c3d4e5f6a7b8c3"
LEDGER = "arn:aws:dynamodb:us-east-1:412345678901:table/payments-ledger-2019"
OLD_ALB = (
    "arn:aws:elasticloadbalancing:us-east-1:489012345678:loadbalancer/app/analytics-old/0a1b2c3d"
)


def _opportunities(wh: Warehouse, kind: str, period: str) -> dict[str, tuple]:
    rows = wh.query(
        "select scope, team, sub_account_id, basis_cost, estimated_monthly_saving, "
        "reporting_currency from marts.optimization_opportunities "
        "where opportunity_type = ? and billing_period = ?",
        [kind, period],
    )
    return {r[0]: r[1:] for r in rows}


def test_the_planted_idle_resources_are_found_with_their_owner_and_full_cost(
    year_warehouse: Warehouse,
) -> None:
    idle = _opportunities(year_warehouse, "idle_resource", "2025-02")
    assert idle[LEDGER] == ("payments", "412345678901", Decimal("112.00"), Decimal("112.00"), "USD")
    assert idle[OLD_ALB] == ("analytics", "489012345678", Decimal("70.00"), Decimal("70.00"), "USD")
    # real resources that bill with a zero quantity would be listed too; the generated ones
    # always carry usage, so the plants are all there is
    assert set(idle) == {LEDGER, OLD_ALB}


def test_the_planted_previous_generation_instances_are_found_with_the_seed_saving(
    year_warehouse: Warehouse,
) -> None:
    previous = _opportunities(year_warehouse, "previous_generation", "2025-02")
    assert set(previous) == {SEARCH_M4, WEB_C4, DEVEX_T2}
    assert previous[SEARCH_M4][:4] == (
        "search", "445678901234", Decimal("134.40"), Decimal("5.376")  # 4.80 x 28 x 0.04
    )  # fmt: skip
    assert previous[WEB_C4][:4] == (
        "web", "501234567890", Decimal("267.456"), Decimal("39.048576")  # 9.552 x 28 x 0.146
    )  # fmt: skip
    assert previous[DEVEX_T2][:4] == (
        "devex", "534567890123", Decimal("62.3616"), Decimal("6.4232448")  # 2.2272 x 28 x 0.103
    )  # fmt: skip
    evidence = year_warehouse.scalar(
        "select evidence from marts.optimization_opportunities where billing_period = '2025-02' "
        f"and scope = '{WEB_C4}'"
    )
    assert evidence == "c4.2xlarge (c4 family) billed 267.46 USD on demand; current equivalent c6i"


def test_the_growing_archive_bucket_is_found_and_flat_storage_is_not(
    year_warehouse: Warehouse,
) -> None:
    # December (index 11): 5 x 1.25^11 = 58.21 a day; September (index 8): 29.80 a day.
    # Added cost 28.41 a day x 31 days = 880.71, half of it saved by tiering / expiry.
    growth = _opportunities(year_warehouse, "storage_growth", "2025-12")
    assert growth["210987654321"] == (
        "platform", "210987654321", Decimal("880.71"), Decimal("440.355"), "USD"
    )  # fmt: skip
    # it needs three consecutive increases: nothing in the first three months
    assert (
        year_warehouse.scalar(
            "select count(*) from marts.optimization_opportunities where opportunity_type = "
            "'storage_growth' and scope = '210987654321' and billing_period < '2025-04'"
        )
        == 0
    )


def test_every_opportunity_type_is_present_with_an_owner_and_a_method(
    year_warehouse: Warehouse,
) -> None:
    rows = year_warehouse.query(
        "select opportunity_type, count(*), count(*) filter (where team = 'unallocated'), "
        "min(estimated_monthly_saving) >= 0, count(distinct method) "
        "from marts.optimization_opportunities where billing_period = '2025-06' "
        "group by all order by all"
    )
    kinds = {r[0]: r[1:] for r in rows}
    assert set(kinds) == {
        "commitment_purchase",
        "idle_resource",
        "previous_generation",
        "storage_growth",
        "unused_commitment",
        "untagged_spend",
    }
    for kind, (count, unowned, non_negative, methods) in kinds.items():
        assert count > 0 and non_negative and methods == 1, kind
        if kind != "untagged_spend":
            assert unowned == 0, kind
    # a commitment purchase is the typical discount of a baseline of on-demand spend
    for basis, saving, rate in year_warehouse.query(
        "select o.basis_cost, o.estimated_monthly_saving, d.typical_discount "
        "from marts.optimization_opportunities o join seeds.commitment_discounts d "
        "on lower(d.provider) = lower(o.provider) and lower(d.service_category) = lower(o.scope) "
        "where o.opportunity_type = 'commitment_purchase'"
    ):
        assert abs(saving - basis * rate) < Decimal("1e-11")


def test_commitment_coverage_and_unused_commitment_opportunities_agree(
    year_warehouse: Warehouse,
) -> None:
    """Unused commitment cost in the coverage mart = the unused_commitment opportunities, to the cent."""
    by_period = year_warehouse.query(
        """
        select coverage.billing_period, coverage.provider, coverage.unused, opportunities.unused
        from (
            select billing_period, provider, sum(unused_commitment_cost) as unused
            from marts.commitment_coverage group by all
        ) as coverage
        full join (
            select billing_period, provider, sum(estimated_monthly_saving) as unused
            from marts.optimization_opportunities
            where opportunity_type = 'unused_commitment' group by all
        ) as opportunities using (billing_period, provider)
        where abs(coalesce(coverage.unused, 0) - coalesce(opportunities.unused, 0)) >= 0.005
        """
    )
    assert by_period == []
    assert (
        year_warehouse.scalar(
            "select count(*) from marts.commitment_coverage where unused_commitment_cost > 0"
        )
        > 0
    )
    ratios = year_warehouse.query(
        "select min(coverage_pct), max(coverage_pct), min(utilization_pct), "
        "max(utilization_pct) from marts.commitment_coverage"
    )[0]
    assert all(0 <= r <= 1 for r in ratios)
