"""A real BI tool on the published BI file: Apache Superset (bi/.venv, `make bi-install`).

The year's marts are published with finops.publish, Superset is started the way `make bi` starts
it (bi/superset/superset.sh serve, gunicorn on a free local port, its own metadata copy), the
DuckDB database is created through Superset's REST API with the read-only URI of
docs/bi-tools.md, and SQL Lab runs the team x month query. Every total must equal the pipeline's
mart exactly, the connection must be read-only, DML must be refused, and the file must be left
byte for byte as published. Nothing is mocked: real Superset, real duckdb-engine, real file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]
SUPERSET_SH = ROOT / "bi" / "superset" / "superset.sh"
BI_VENV = ROOT / "bi" / ".venv"
CENT = Decimal("0.01")

TEAM_MONTH_SQL = """
select billing_period, team,
       cast(sum(billed_cost) as varchar) as billed_cost,
       cast(round(sum(billed_cost), 2) as varchar) as billed_cost_cents
from team_cost_monthly
group by billing_period, team
order by billing_period, team
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class SupersetApi:
    """Superset's REST API as a browser session uses it: JWT login, CSRF token, session cookie."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.headers: dict[str, str] = {}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
        request = urllib.request.Request(
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Referer": self.base, **self.headers},
        )
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"{}"), dict(response.headers)
        except urllib.error.HTTPError as error:
            text = error.read().decode()
            try:
                return error.code, json.loads(text), dict(error.headers)
            except ValueError:
                return error.code, {"raw": text[:2000]}, dict(error.headers)

    def login(self, username: str = "admin", password: str = "admin") -> None:
        status, body, _ = self.call(
            "POST",
            "/api/v1/security/login",
            {"username": username, "password": password, "provider": "db", "refresh": False},
        )
        assert status == 200, f"Superset login failed ({status}): {body}"
        self.headers["Authorization"] = f"Bearer {body['access_token']}"
        status, body, _ = self.call("GET", "/api/v1/security/csrf_token/")
        assert status == 200, f"no CSRF token ({status}): {body}"
        self.headers["X-CSRFToken"] = body["result"]

    def sql(self, database_id: int, sql: str) -> tuple[int, dict]:
        status, body, _ = self.call(
            "POST",
            "/api/v1/sqllab/execute/",
            {"database_id": database_id, "sql": sql, "schema": "main", "runAsync": False},
        )
        return status, body


@pytest.fixture(scope="module")
def published(year_warehouse, tmp_path_factory) -> Path:
    """The year's marts published as the BI file, in an output folder of this module's own."""
    from finops.publish import publish_bi_file

    out = tmp_path_factory.mktemp("bi_tool_output")
    settings = dataclasses.replace(year_warehouse.settings, output_dir=out)
    return publish_bi_file(settings).path


@pytest.fixture(scope="module")
def superset(tmp_path_factory):
    """Superset started as `make bi` starts it, on a free port, with a metadata copy of its own."""
    if not (BI_VENV / ".installed").exists():
        pytest.fail(
            f"Apache Superset is not installed in {BI_VENV}: run `make bi-install` "
            "(`make test` does it first)"
        )
    home = tmp_path_factory.mktemp("superset_home")
    port = free_port()
    env = {
        **os.environ,
        "FINOPS_SUPERSET_HOME": str(home),
        "SUPERSET_PORT": str(port),
        "DO_NOT_TRACK": "1",
    }
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [str(SUPERSET_SH), "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Superset exited ({proc.returncode}):\n{tail(home / 'server.log')}")
            try:
                with urllib.request.urlopen(base + "/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Superset did not answer in 90 s:\n{tail(home / 'server.log')}")
            time.sleep(0.5)
        api = SupersetApi(base)
        api.login()
        yield api
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.mark.slow
def test_superset_sql_lab_reads_the_published_file_read_only(
    year_warehouse, published: Path, superset: SupersetApi
) -> None:
    before = sha256(published)

    # The pipeline's mart, summed exactly in Python (Decimal), is the expected answer.
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for period, team, cost in year_warehouse.query(
        "select billing_period, team, billed_cost from marts.team_cost_monthly"
    ):
        expected[(period, team)] += cost
    assert len(expected) >= 12 * 3, "the year fixture should have several teams every month"

    # Create the database the way docs/bi-tools.md says (URI with access_mode=read_only, no DML).
    status, body, _ = superset.call(
        "POST",
        "/api/v1/database/",
        {
            "database_name": "finops",
            "sqlalchemy_uri": f"duckdb:///{published}?access_mode=read_only",
            "expose_in_sqllab": True,
            "allow_dml": False,
        },
    )
    assert status == 201, f"creating the DuckDB database in Superset failed ({status}): {body}"
    database_id = body["id"]

    started = time.monotonic()
    status, result = superset.sql(database_id, TEAM_MONTH_SQL)
    assert status == 200 and result["status"] == "success", f"SQL Lab failed ({status}): {result}"
    assert time.monotonic() - started < 30

    got = {
        (row["billing_period"], row["team"]): (
            Decimal(row["billed_cost"]),
            Decimal(row["billed_cost_cents"]),
        )
        for row in result["data"]
    }
    assert set(got) == set(expected), "Superset's team x month rows differ from the mart's"
    for key, total in expected.items():
        exact, cents = got[key]
        assert exact == total, f"{key}: Superset {exact} != mart {total}"
        assert cents == total.quantize(CENT), f"{key}: Superset {cents} != mart {total} to the cent"

    # The connection Superset opened is read-only, at DuckDB level, and DML is refused.
    status, result = superset.sql(
        database_id,
        "select current_setting('access_mode') as access_mode, version() as duckdb_version",
    )
    assert status == 200, result
    assert result["data"][0]["access_mode"] == "read_only"
    assert result["data"][0]["duckdb_version"] == f"v{duckdb.__version__}", (
        "bi/.venv pins the same DuckDB"
    )
    status, result = superset.sql(database_id, "create table scratch as select 1 as x")
    assert status != 200
    assert "DML_NOT_ALLOWED_ERROR" in json.dumps(result)
    assert sha256(published) == before, "the BI file changed while Superset read it"


@pytest.mark.slow
def test_superset_pages_load_nothing_from_the_internet(superset: SupersetApi) -> None:
    """The Content-Security-Policy only allows this server: no usage pixel, fonts or tiles."""
    request = urllib.request.Request(superset.base + "/login/")
    with urllib.request.urlopen(request, timeout=30) as response:
        csp = response.headers["Content-Security-Policy"]
    assert csp, "Superset served the login page without a Content-Security-Policy"
    assert "default-src 'self'" in csp
    for host in ("scarf.sh", "mapbox", "openstreetmap", "googleapis", "cartocdn", "http"):
        assert host not in csp, f"the Content-Security-Policy allows {host}: {csp}"
