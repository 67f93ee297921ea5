"""Security: data and seeds are data, never SQL or Jinja; landing paths cannot escape; secrets
stay out of the repository and the logs.

One small warehouse is built once for the module from a COPY of the dbt project and seeds
(tmp dir), with hostile team names, rule patterns, tag values and account names added, and with
the tag edge cases (malformed, nested, duplicate keys, 10k keys, very long values, non-ASCII
team names): one dbt build serves every case. Documented in docs/reliability.md.
"""

from __future__ import annotations

import csv
import http.server
import json
import logging
import re
import shutil
import subprocess
import threading
from decimal import Decimal
from pathlib import Path

import pytest

import finops.transform
from finops.alerts import WEBHOOK_ENV, send_alert
from finops.config import DBT_PROJECT_DIR, PROJECT_ROOT, SEEDS_DIR
from finops.ingest import IngestFailed, ingest
from tests import builders as b
from tests.warehouses import Warehouse, build, make_settings

SQL_TEAM = "o'brien; drop table marts.fct_allocated_cost; --"
JINJA_TEAM = "{{ 7 * 7 }}"
PATH_TEAM = "../../etc"
SLASH_TEAM = "a/b"
UNICODE_TEAM = "équipe-données"
HOSTILE_TEAMS = [SQL_TEAM, JINJA_TEAM, PATH_TEAM, SLASH_TEAM, UNICODE_TEAM]
RULE_RESOURCE = "/subscriptions/sub-mca-1/x/'; drop table marts.team_cost_daily; --"
ENV_VALUE = "'; drop table raw.azure_cost_details; --"
ACCOUNT_NAME = "Acme'; drop table seeds.teams; --"
SUBSCRIPTION_NAME = "{% if true %}jinja ran{% endif %}{{ 7 * 7 }}"

TEN_THOUSAND = {f"k{i:05d}": "v" for i in range(10_000)} | {"team": "search"}
# (cost, resource suffix, tags text) -> expected (team, allocation_method)
ROWS = [
    ("1.00", "malformed", '{"team": "search"', "unallocated", "unallocated"),
    ("2.00", "nested", '{"team": {"name": "search"}}', "unallocated", "unallocated"),
    ("4.00", "duplicate-keys", '{"team": "search", "team": "ml"}', "unallocated", "unallocated"),
    ("8.00", "ten-thousand-keys", json.dumps(TEN_THOUSAND), "search", "tag"),
    ("16.00", "long-value", json.dumps({"team": "ml", "note": "x" * 100_000}), "ml", "tag"),
    ("32.00", "non-ascii", json.dumps({"Team": "Équipe-Données "}), UNICODE_TEAM, "tag"),
    ("64.00", "jinja", json.dumps({"team": JINJA_TEAM}), JINJA_TEAM, "tag"),
    ("128.00", "sql", json.dumps({"team": SQL_TEAM}), SQL_TEAM, "tag"),
    ("256.00", "rule-pattern", "", PATH_TEAM, "rule"),
    ("512.00", "rule-tag-value", json.dumps({"env": ENV_VALUE}), SLASH_TEAM, "rule"),
]


def resource(suffix: str) -> str:
    return RULE_RESOURCE if suffix == "rule-pattern" else f"/subscriptions/sub-mca-1/{suffix}"


def append_csv(path: Path, rows: list[list[str]]) -> None:
    text = path.read_text()
    with open(path, "a", newline="") as handle:
        if not text.endswith("\n"):
            handle.write("\n")
        csv.writer(handle, lineterminator="\n").writerows(rows)


def hostile_project(root: Path) -> Path:
    """A copy of dbt_project/ and seeds/ with hostile seed rows; returns the project dir."""
    project = root / "dbt_project"
    shutil.copytree(
        DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages")
    )
    shutil.copytree(SEEDS_DIR, root / "seeds")
    append_csv(
        root / "seeds/teams.csv",
        [[t, "Hostile", "CC-9999", "nobody@acme.example"] for t in HOSTILE_TEAMS],
    )
    header = (root / "seeds/allocation_rules.csv").read_text().splitlines()[0].split(",")
    rules = [
        {
            "rule_id": "R901",
            "priority": "1",
            "provider": "Microsoft",
            "resource_id_like": "%'; drop table marts.team_cost_daily; --",
            "team": PATH_TEAM,
            "description": "hostile LIKE pattern",
        },
        {
            "rule_id": "R902",
            "priority": "2",
            "provider": "Microsoft",
            "tag_key": "env",
            "tag_value": ENV_VALUE,
            "team": SLASH_TEAM,
            "description": "hostile tag value",
        },
    ]
    append_csv(root / "seeds/allocation_rules.csv", [[r.get(c, "") for c in header] for r in rules])
    return project


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("hostile")
    settings = make_settings(root)
    project = hostile_project(root / "project")
    rows = []
    for cost, suffix, tags, _team, _method in ROWS:
        row = b.mca_row(cost, tags=tags)
        row[b.MCA_HEADER.index("ResourceId")] = resource(suffix)
        row[b.MCA_HEADER.index("billingAccountName")] = ACCOUNT_NAME
        row[b.MCA_HEADER.index("subscriptionName")] = SUBSCRIPTION_NAME
        rows.append(row)
    b.write_csv(settings.landing_dir / "azure/mca/20250101-20250131/mca_1.csv", b.MCA_HEADER, rows)
    ingest(settings)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(finops.transform, "DBT_PROJECT_DIR", project)
        statuses = build(
            settings,
            root,
            "--select",
            "+fct_allocated_cost +tag_coverage +invoice_reconciliation +team_cost_daily",
            "--indirect-selection",
            "cautious",  # only the tests of what is built
            check=False,
        )
    return Warehouse(settings, root, statuses)


@pytest.mark.slow
def test_hostile_values_build_cleanly_and_every_table_survives(hostile: Warehouse) -> None:
    failed = {uid: s for uid, s in hostile.statuses.items() if s in ("error", "fail")}
    assert failed == {}
    tables = {
        f"{s}.{t}"
        for s, t in hostile.query("select table_schema, table_name from information_schema.tables")
    }
    assert {
        "raw.azure_cost_details",
        "seeds.teams",
        "marts.fct_allocated_cost",
        "marts.team_cost_daily",
    } <= tables
    assert hostile.query(
        "select count(*), sum(cost_in_billing_currency) from raw.azure_cost_details"
    ) == [(10, Decimal("1023.00"))]


@pytest.mark.slow
def test_each_tag_edge_case_and_hostile_value_is_attributed_as_data(hostile: Warehouse) -> None:
    got = {
        rid: (team, method, cost)
        for rid, team, method, cost in hostile.query(
            "select resource_id, team, allocation_method, sum(billed_cost) "
            "from marts.fct_allocated_cost group by all"
        )
    }
    expected = {
        resource(suffix): (team, method, Decimal(cost)) for cost, suffix, _, team, method in ROWS
    }
    assert got == expected
    # the rules that matched are the hostile ones, by id
    assert hostile.query(
        "select resource_id, allocation_rule_id from marts.fct_allocated_cost "
        "where allocation_method = 'rule' order by 2"
    ) == [(RULE_RESOURCE, "R901"), ("/subscriptions/sub-mca-1/rule-tag-value", "R902")]


@pytest.mark.slow
def test_names_with_quotes_and_jinja_reach_the_marts_verbatim(hostile: Warehouse) -> None:
    assert hostile.query(
        "select distinct billing_account_name, sub_account_name from marts.fct_allocated_cost"
    ) == [(ACCOUNT_NAME, SUBSCRIPTION_NAME)]
    teams = {t for (t,) in hostile.query("select distinct team from marts.team_cost_daily")}
    assert set(HOSTILE_TEAMS) <= teams  # '{{ 7 * 7 }}' stayed text: never rendered to 49
    assert "49" not in teams


@pytest.mark.slow
def test_tag_edge_cases_are_counted_in_tag_coverage(hostile: Warehouse) -> None:
    """Malformed / nested / duplicate-key tag sets carry no valid team tag: the 7.00 of rows
    1, 2 and 4 is untagged cost, visible in tag_coverage; the tagged rest is tagged."""
    assert hostile.query(
        "select sum(taggable_cost), sum(tagged_cost), sum(untagged_cost) from marts.tag_coverage"
    ) == [(Decimal("1023.00"), Decimal("248.00"), Decimal("775.00"))]
    assert hostile.query(
        "select bool_and(is_reconciled), sum(allocated_billed_cost) "
        "from marts.invoice_reconciliation"
    ) == [(True, Decimal("1023.00"))]


# --- landing paths cannot escape ------------------------------------------------------------------


def test_symlinked_folder_out_of_landing_is_refused(settings, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    b.write_csv(outside / "ea.csv", b.EA_HEADER, [b.ea_row("1.00")])
    (settings.landing_dir / "azure").mkdir()
    (settings.landing_dir / "azure" / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(Exception, match="outside the landing folder"):
        ingest(settings)


def test_manifest_key_with_dotdot_is_refused(settings, tmp_path: Path) -> None:
    aws = settings.landing_dir / "aws"
    b.write_cur2_delivery(aws, "2025-01", "exec-1", ["1.00"])
    secret = b.write_cur2_delivery(tmp_path / "elsewhere", "2025-01", "x", ["99.00"])
    manifest = aws / "cur2/acme-cur2/metadata/BILLING_PERIOD=2025-01/acme-cur2-Manifest.json"
    data = json.loads(manifest.read_text())
    relative = Path("..", "..", *secret.relative_to(tmp_path).parts)
    data["dataFiles"] = [f"s3://acme-billing/{relative}"]
    manifest.write_text(json.dumps(data))
    assert (aws / relative).resolve() == secret.resolve()  # it would have been readable
    with pytest.raises(IngestFailed, match="leaves the landing folder; refusing to read it"):
        ingest(settings)


def test_manifest_key_through_a_symlink_is_refused(settings, tmp_path: Path) -> None:
    aws = settings.landing_dir / "aws"
    data_file = b.write_cur2_delivery(aws, "2025-01", "exec-1", ["1.00"])
    outside = tmp_path / "outside.parquet"
    shutil.move(data_file, outside)
    data_file.symlink_to(outside)
    with pytest.raises(Exception, match="outside the landing folder"):
        ingest(settings)


def test_hostile_csv_header_names_stay_data(settings) -> None:
    """Legacy CUR tag columns become map keys through SQL literals: quotes cannot break out."""
    key = "user:x'); drop table raw.aws_cur_line_items; --"
    header = [*b.LEGACY_HEADER, f"resourceTags/{key}"]
    row = [*b.legacy_row(1, "3.00"), "payments"]
    b.write_legacy_delivery(settings.landing_dir / "aws", "2025-01", "asm-1", [row], header=header)
    ingest(settings)
    from tests.conftest import query

    assert query(settings, "select resource_tags from raw.aws_cur_line_items") == [
        ({key: "payments"},)
    ]


# --- secrets ---------------------------------------------------------------------------------------

TOKEN = "T0KEN-5ecret-xoxb-123456"


class _Answer500(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_webhook_url_never_reaches_the_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Answer500)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        caplog.set_level(logging.DEBUG)
        for url in (
            f"http://127.0.0.1:{port}/services/{TOKEN}",  # answers 500
            f"http://user:{TOKEN}@127.0.0.1:1/hook?token={TOKEN}",  # nothing listens
        ):
            monkeypatch.setenv(WEBHOOK_ENV, url)
            assert send_alert("run failed", "details", timeout_s=2) is False
    finally:
        server.shutdown()
    text = caplog.text
    assert "ALERT: run failed: details" in text
    assert "127.0.0.1/***" in text  # the host only
    assert TOKEN not in text and "user:" not in text


SECRET_PATTERNS = {
    "AWS access key": r"\b(AKIA|ASIA)[0-9A-Z]{16}\b",
    "private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "Slack webhook": r"hooks\.slack\.com/services/T[0-9A-Z]+/B[0-9A-Z]+/[0-9A-Za-z]+",
    "Slack token": r"\bxox[abpr]-[0-9A-Za-z-]{10,}",
    "GitHub token": r"\bgh[pousr]_[0-9A-Za-z]{36}\b",
    "Teams/Office webhook": r"webhook\.office\.com/webhookb2/[0-9a-f-]{20,}",
    "password in URL": r"[a-z]+://[^/\s:@'\"]+:[^/\s@'\"{}$]{6,}@",
}


def test_no_secret_in_the_repository() -> None:
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    found = []
    for name in filter(None, files):
        path = PROJECT_ROOT / name.decode()
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        text = path.read_text(errors="replace")
        for what, pattern in SECRET_PATTERNS.items():
            for match in re.finditer(pattern, text):
                if path.name == "test_security.py":  # the patterns themselves
                    continue
                found.append((str(name.decode()), what, match.group(0)[:40]))
    assert found == []


# --- published outputs ---------------------------------------------------------------------------


@pytest.mark.slow
def test_published_outputs_are_read_only_and_team_extracts_hold_only_their_team(
    hostile: Warehouse,
) -> None:
    """Publishing the hostile warehouse: hostile team names get folders inside teams/, each
    holding that team's rows only, to the cent; every published file is read-only (0444)."""
    import stat
    from dataclasses import replace

    import duckdb

    from finops.publish import publish

    settings = replace(hostile.settings, output_dir=hostile.workdir / "output")
    publish(settings, dbt_artifacts=[hostile.workdir / "target"], dbt_docs=False)
    out = settings.output_dir
    files = [p for p in out.rglob("*") if p.is_file() and p.name != ".publish.lock"]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o444 for p in files)

    teams_dir = (out / "teams").resolve()
    with open(out / "teams" / "_teams.csv", newline="", encoding="utf-8") as handle:
        folders = {row["folder"]: row["team"] for row in csv.DictReader(handle)}
    assert set(HOSTILE_TEAMS) <= set(folders.values())
    con = duckdb.connect()
    try:
        for folder, team in folders.items():
            path = out / "teams" / folder
            assert path.resolve().parent == teams_dir, folder  # never outside teams/
            rows = con.execute(
                "select team, count(*), sum(effective_cost) "
                f"from read_parquet('{path}/team_cost_daily.parquet') group by team"
            ).fetchall()
            expected = hostile.query(
                "select team, count(*), sum(effective_cost) from marts.team_cost_daily "
                "where team = ? group by team",
                [team],
            )
            assert rows == expected, team  # that team's rows, all of them, nobody else's
    finally:
        con.close()
