"""Dagster's SQLite run storage within `fewer_fsyncs` (orchestration/lib/storage.py): the same
events are stored, Dagster's connections stop checkpointing the WAL at every event, and the block
leaves the files checkpointed and consistent."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg

from orchestration.lib.storage import fewer_fsyncs

CHECKS = 20


@dg.asset(check_specs=[dg.AssetCheckSpec(f"check_{i}", asset="events") for i in range(CHECKS)])
def events():
    yield dg.Output(1)
    for i in range(CHECKS):
        yield dg.AssetCheckResult(check_name=f"check_{i}", passed=i % 2 == 0)


def _instance(home: Path, monkeypatch) -> dg.DagsterInstance:
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return dg.DagsterInstance.get()


def _stored(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, str | None]]:
    return [
        (e.dagster_event.event_type_value, e.step_key)
        for e in instance.all_logs(run_id)
        if e.is_dagster_event
    ]


def test_events_are_stored_alike_and_the_wal_is_checkpointed_once(tmp_path, monkeypatch):
    plain = _instance(tmp_path / "plain", monkeypatch)
    reference = dg.materialize([events], instance=plain)
    expected = _stored(plain, reference.run_id)

    home = tmp_path / "fast"
    fast = _instance(home, monkeypatch)
    with fewer_fsyncs(home):
        result = dg.materialize([events], instance=fast)
        shard = home / "history" / "runs" / f"{result.run_id}.db"
        # Dagster closed its connection after every event, yet the WAL is still there: no
        # connection was the last one, so none checkpointed (and synced) on close.
        assert Path(f"{shard}-wal").exists()
        connection = sqlite3.connect(shard)
        try:
            assert connection.execute("pragma journal_mode").fetchone() == ("wal",)
        finally:
            connection.close()
    assert result.success
    # the block's end closed the last connections: the WAL is checkpointed into the file
    assert not Path(f"{shard}-wal").exists()
    assert _stored(fast, result.run_id) == expected
    evaluations = fast.get_latest_asset_check_evaluation_record(
        dg.AssetCheckKey(dg.AssetKey("events"), "check_1")
    )
    assert (
        evaluations is not None
        and evaluations.event.dagster_event.event_specific_data.passed is False
    )


def test_connections_outside_the_dagster_home_are_left_alone(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    other = tmp_path / "other.db"
    with fewer_fsyncs(home):
        import sqlalchemy as sa

        engine = sa.create_engine(f"sqlite:///{other}", poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            # synchronous stays at SQLite's default (2 = FULL) for files elsewhere
            assert connection.exec_driver_sql("pragma synchronous").scalar() == 2
        engine.dispose()
