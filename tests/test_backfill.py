"""A backfill month by month builds the same marts, to the cent, as one full run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from finops.config import Settings
from finops.pipeline import run_pipeline
from tests import builders as b

MARTS = ["fct_allocated_cost", "team_cost_monthly", "tag_coverage", "invoice_reconciliation"]


def _landing(settings: Settings) -> None:
    aws = settings.landing_dir / "aws"
    b.write_cur2_delivery(aws, "2025-01", "exec-1", ["10.00", "20.50"])
    b.write_cur2_delivery(aws, "2025-02", "exec-1", ["5.25", "0.01"])
    b.write_cur2_delivery(aws, "2025-03", "exec-1", ["7.77"])
    b.write_csv(
        settings.landing_dir / "azure/ea/20250101-20250131/ea_1.csv",
        b.EA_HEADER,
        [b.ea_row("12.34"), b.ea_row("0.66", day="01/31/2025")],
    )


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for mart in MARTS:
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                    [mart],
                ).fetchall()
            ]
            keep = ", ".join(f'"{c}"' for c in columns if c not in ("cost_id",))
            out[mart] = con.execute(f"select {keep} from marts.{mart} order by all").fetchall()
        return out
    finally:
        con.close()


@pytest.mark.slow
def test_backfill_in_two_runs_equals_one_full_run(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _landing(settings)
    full = run_pipeline(settings)
    assert full.success, full.failures
    assert full.periods == ["2025-01", "2025-02", "2025-03"]
    expected = _snapshot(settings.duckdb_path)
    assert expected["fct_allocated_cost"], "the full run built no fact rows"

    backfill_db = tmp_path / "backfill" / "finops.duckdb"
    monkeypatch.setenv("FINOPS_DUCKDB_PATH", str(backfill_db))
    backfill_settings = Settings.from_env()
    assert run_pipeline(backfill_settings, ["2025-01", "2025-02"]).success
    assert run_pipeline(backfill_settings, ["2025-03"]).success

    assert _snapshot(backfill_db) == expected
