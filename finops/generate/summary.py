"""What generate() returns: rows and billed totals per export and billing period, files written."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

# The billed-cost column of each export, as written (the summary's totals are sums of it).
BILLED_COST_COLUMN = {
    "aws_cur2": "line_item_unblended_cost",
    "aws_cur": "lineItem/UnblendedCost",
    "azure_ea": "CostInBillingCurrency",
    "azure_mca": "costInBillingCurrency",
    "focus": "BilledCost",
    "gcp_json": "cost",
    "gcp_parquet": "cost",
    "gcp_csv": "cost",
}


@dataclass(frozen=True)
class PeriodTotal:
    """One delivery that a manifest (or 'newest file') makes current: one export x billing period."""

    source: str  # export label: aws_cur2, aws_cur, azure_ea, azure_mca, focus, gcp_json, ...
    export: str  # export / report name, or the GCP billing account's folder
    billing_account_id: str
    billing_period: str  # YYYY-MM
    currency: str
    rows: int
    billed_total: Decimal  # sum of BILLED_COST_COLUMN[source] over the delivery's files
    files: tuple[Path, ...] = ()


@dataclass
class GenerationSummary:
    out_dir: Path
    periods: list[PeriodTotal]
    files: list[Path]  # every file written, superseded deliveries and manifests included
    business_rows: int
    elapsed_seconds: float
    months: list[str] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        """Billing line items in the current deliveries (business metrics not included)."""
        return sum(p.rows for p in self.periods)

    def totals(self) -> dict[tuple[str, str], tuple[int, Decimal]]:
        """(source, billing_period) -> (rows, billed total)."""
        out: dict[tuple[str, str], tuple[int, Decimal]] = {}
        for p in self.periods:
            n, t = out.get((p.source, p.billing_period), (0, Decimal(0)))
            out[(p.source, p.billing_period)] = (n + p.rows, t + p.billed_total)
        return out

    def table(self) -> str:
        """A short text table: one line per export, summed over the months."""
        per: dict[str, tuple[int, Decimal, str, set[str]]] = {}
        for p in self.periods:
            n, t, cur, months = per.get(p.source, (0, Decimal(0), p.currency, set()))
            per[p.source] = (n + p.rows, t + p.billed_total, cur, months | {p.billing_period})
        lines = [f"{'source':<12} {'months':>6} {'rows':>12} {'billed':>18} cur", "-" * 55]
        for source, (n, t, cur, months) in per.items():
            lines.append(f"{source:<12} {len(months):>6} {n:>12,} {t:>18,.2f} {cur}")
        lines.append("-" * 55)
        span = f"{self.months[0]}..{self.months[-1]}" if self.months else ""
        lines.append(f"{'total':<12} {len(self.months):>6} {self.total_rows:>12,}   {span}")
        lines.append(
            f"business metrics rows: {self.business_rows:,}; files: {len(self.files):,}; "
            f"{self.elapsed_seconds:.1f}s -> {self.out_dir}"
        )
        return "\n".join(lines)
