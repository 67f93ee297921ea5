"""The `finops` command line: help on every command, and a real ingest run with its summary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from finops.cli import build_parser, main
from finops.config import Settings
from tests import builders as b

COMMANDS = ["generate", "ingest", "run", "demo", "dev"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "finops.cli", command, "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"usage: finops {command}" in out
    assert "FINOPS_LANDING_DIR" in out


def test_top_level_help_lists_commands() -> None:
    text = build_parser().format_help()
    for command in COMMANDS:
        assert command in text


def test_ingest_prints_progress_and_summary(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    b.write_cur2_delivery(settings.landing_dir / "aws", "2025-01", "exec-1", ["1.25", "2.50"])
    assert main(["ingest"]) == 0
    out = capsys.readouterr().out
    assert "aws_cur2 2025-01: loaded 2 rows, billed 3.75" in out
    assert "aws_cur2           2025-01" in out
    assert "1 deliveries loaded" in out and str(settings.duckdb_path) in out


def test_ingest_failure_exits_nonzero_with_the_file(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = b.write_cur2_delivery(settings.landing_dir / "aws", "2025-01", "exec-1", ["1.25"])
    bad.write_bytes(b"x")
    assert main(["ingest"]) == 1
    err = capsys.readouterr().err
    assert "acme-cur2-00001.snappy.parquet" in err and "unchanged" in err


def test_bad_month_argument_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ingest", "--period", "2025-13"])
    assert "is not a month like 2025-03" in capsys.readouterr().err


def test_demo_refuses_a_landing_folder_it_did_not_write(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    (settings.landing_dir / "mine.csv").write_text("precious")
    assert main(["demo", "--rows", "1000", "--months", "1"]) == 2
    assert (settings.landing_dir / "mine.csv").read_text() == "precious"
    assert "will not overwrite" in capsys.readouterr().err


def test_main_module_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "finops.cli", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
