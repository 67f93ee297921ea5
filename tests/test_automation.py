"""Schedule, landing sensor and alert hook, evaluated for real (no Dagster daemon needed)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import dagster as dg
import pytest

from finops.alerts import redact_url, send_alert
from finops.config import Settings
from orchestration.defs.automation.definitions import daily_refresh, landing_sensor
from orchestration.lib.landing_watch import changed_periods, open_periods, period_from_path
from tests import builders as b

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def test_schedule_refreshes_current_and_previous_month() -> None:
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2025, 3, 15, 6, 0, tzinfo=dt.UTC)
    )
    request = daily_refresh(context)
    assert request.tags[RANGE_START] == "2025-02-01"
    assert request.tags[RANGE_END] == "2025-03-01"
    assert request.run_key == "daily-2025-03-15"
    assert daily_refresh.cron_schedule == "0 6 * * *"
    assert daily_refresh.execution_timezone == "UTC"


def test_open_periods_cross_a_year() -> None:
    assert open_periods(dt.date(2026, 1, 3)) == ["2025-12", "2026-01"]


@pytest.mark.parametrize(
    ("path", "period"),
    [
        ("aws/cur2/x/data/BILLING_PERIOD=2025-03/e1/x-00001.snappy.parquet", "2025-03"),
        ("aws/cur/r/20250301-20250401/r-Manifest.json", "2025-03"),
        ("gcp/e/gcp_billing_export_resource_v1_01A2B3-202503-000000000000.json", "2025-03"),
        ("business/business_metrics_2025-03.csv", "2025-03"),
        ("focus/my-export.csv", None),
    ],
)
def test_period_from_path(path: str, period: str | None) -> None:
    assert period_from_path(path) == period


def _evaluate(cursor: str | None) -> dg.SensorResult:
    context = dg.build_sensor_context(cursor=cursor)
    return landing_sensor(context)


def test_sensor_triggers_on_new_and_changed_deliveries_only(settings: Settings) -> None:
    aws = settings.landing_dir / "aws"
    b.write_cur2_delivery(aws, "2025-01", "exec-1", ["1.00"])

    first = _evaluate(None)
    assert len(first.run_requests) == 1
    assert first.run_requests[0].tags[RANGE_START] == "2025-01-01"
    assert first.run_requests[0].tags[RANGE_END] == "2025-01-01"

    unchanged = _evaluate(first.cursor)
    assert unchanged.run_requests == []

    # Touching a file without changing its bytes is not a new delivery.
    manifest = aws / "cur2/acme-cur2/metadata/BILLING_PERIOD=2025-01/acme-cur2-Manifest.json"
    manifest.touch()
    touched = _evaluate(unchanged.cursor)
    assert touched.run_requests == []

    # A restated March arrives: a run for March only.
    b.write_cur2_delivery(aws, "2025-03", "exec-1", ["2.00"])
    restated = _evaluate(touched.cursor)
    assert [r.tags[RANGE_START] for r in restated.run_requests] == ["2025-03-01"]
    assert _evaluate(restated.cursor).run_requests == []


def test_changed_periods_fall_back_to_open_months_for_freely_named_files() -> None:
    today = dt.date(2025, 6, 10)
    assert changed_periods({}, {"focus/export.csv": [1, 1, "abc"]}, today) == ["2025-05", "2025-06"]
    assert changed_periods({"a/2025-01.csv": [1, 1, "x"]}, {}, today) == ["2025-01"]  # removal


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Collector.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_alert_posts_to_webhook_and_redacts_its_secret(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/hooks/SECRET-TOKEN"
    monkeypatch.setenv("FINOPS_ALERT_WEBHOOK_URL", url)
    with caplog.at_level(logging.ERROR):
        assert send_alert("run failed", "raw/aws_cur2_line_items: file X is truncated") is True
    thread.join(5)
    server.server_close()
    assert _Collector.received == [
        {"text": "run failed\nraw/aws_cur2_line_items: file X is truncated"}
    ]
    assert "SECRET-TOKEN" not in caplog.text
    assert redact_url(url) == "http://127.0.0.1/***"


def test_alert_without_webhook_only_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("FINOPS_ALERT_WEBHOOK_URL", raising=False)
    with caplog.at_level(logging.ERROR):
        assert send_alert("t", "x") is False
    assert "ALERT: t: x" in caplog.text


def test_unreachable_webhook_is_reported_without_the_url(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("FINOPS_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/hooks/TOPSECRET")
    with caplog.at_level(logging.ERROR):
        assert send_alert("t", "x", timeout_s=2) is False
    assert "TOPSECRET" not in caplog.text and "failed" in caplog.text
