"""The provider-neutral part of the generator: calendar, ids, and the usage rows, all in DuckDB SQL.

For one billing account and month the engine draws *resources* (an EC2 instance, a bucket, a
VM, a BigQuery dataset...) and expands each into one usage row per hour or day it ran:

* resource ``r`` of a billing account keeps its account, service, tags and size in every month
  (they are hashes of ``(seed, billing account, r)``), so the fleet persists from month to month;
* how long it runs in a month is a hash of the month too; resources are taken in order of ``r``
  until the month's row target is reached (a running sum), so row counts are exact up to one
  resource;
* the month's budget is split over all resource-hours by a per-row price level (a service's
  spend share over its expected share of rows) and the resource's size, so the bill has the
  same size whatever the number of rows, and a few big services dominate it.

Pseudo-random numbers are ``hash(seed, ...)`` mapped to [0, 1); no Python loops over rows.
Sums that feed other values are taken over DECIMAL, so they do not depend on summation order.
"""

from __future__ import annotations

import calendar
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from finops.generate import company

MACROS = (
    # uniform [0, 1) from a 64-bit hash. DuckDB's hash(a, b, c) of arguments that differ only in
    # the last one are correlated, so the result is hashed once more to mix the bits.
    "CREATE OR REPLACE MACRO u01(h) AS (hash(h) >> 11)::DOUBLE / 9007199254740992.0",
    # pseudo-random integer in [0, n)
    "CREATE OR REPLACE MACRO pick(h, n) AS (hash(h) % (n))::INT",
    # roughly standard normal (Irwin-Hall of 4 uniforms)
    "CREATE OR REPLACE MACRO nrm(h) AS (u01(hash(h, 1)) + u01(hash(h, 2)) + u01(hash(h, 3))"
    " + u01(hash(h, 4)) - 2.0) * 1.7320508",
    # lower-case hex of n hash bits
    "CREATE OR REPLACE MACRO hx(h, n) AS right(lpad(lower(hex(h)), 16, '0'), n)",
    "CREATE OR REPLACE MACRO money(x) AS round(x, 10)",
)


def connect() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB, single-threaded.

    Single-threaded execution is what makes the files byte-identical: row order, float sums and
    row groups no longer depend on thread timing, and the wide final projections need no sort.
    generate() gets its parallelism from running independent exports on separate connections.
    """
    config: dict[str, Any] = {"preserve_insertion_order": True, "threads": 1}
    con = duckdb.connect(config=config)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    for macro in MACROS:
        con.execute(macro)
    return con


def det_uuid(seed: int, *parts: object) -> str:
    """A UUID (version 4 layout) derived from the seed and a name: same inputs, same id."""
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def det_int(seed: int, *parts: object) -> int:
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(sql_str(v) for v in values) + "]::VARCHAR[]"


# ------------------------------------------------------------------------------------ calendar
@dataclass(frozen=True)
class Month:
    index: int
    start: date
    end: date  # first day of the next month (exclusive)

    @property
    def period(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def yyyymm(self) -> str:
        return f"{self.start:%Y%m}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def ts(self) -> str:
        return f"TIMESTAMP '{self.start:%Y-%m-%d} 00:00:00'"

    def end_ts(self) -> str:
        return f"TIMESTAMP '{self.end:%Y-%m-%d} 00:00:00'"


def month_range(start: str | None, months: int, today: date | None = None) -> list[Month]:
    """`months` calendar months from `start` ("YYYY-MM"); default: ending with last complete month."""
    if months < 1:
        raise ValueError("months must be >= 1")
    if start is None:
        today = today or date.today()
        y, m = today.year, today.month - months
    else:
        try:
            y, m = (int(p) for p in start.split("-"))
            date(y, m, 1)
        except ValueError as exc:
            raise ValueError(f"start must be 'YYYY-MM', got {start!r}") from exc
    out = []
    for i in range(months):
        yy, mm = divmod(y * 12 + (m - 1) + i, 12)
        first = date(yy, mm + 1, 1)
        days = calendar.monthrange(first.year, first.month)[1]
        out.append(Month(i, first, first + timedelta(days=days)))
    return out


# ------------------------------------------------------------------------------------ catalogs
def load_table(con: duckdb.DuckDBPyConnection, name: str, rows: list[dict[str, Any]]) -> None:
    """Create (or replace) a small table from Python dicts (catalogs, accounts, teams)."""
    tbl = pa.Table.from_pylist(rows)
    con.register("_load_tmp", tbl)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _load_tmp")
    con.unregister("_load_tmp")


def load_company(con: duckdb.DuckDBPyConnection, ba: company.BillingAccount) -> None:
    """Tables `acc` (weighted, for sampling) and `teams` for one billing account."""
    accts = [a for a in ba.accounts if a.weight > 0]
    total = sum(a.weight for a in accts)
    rows, cum = [], 0.0
    for i, a in enumerate(accts):
        rows.append(
            {
                "acct_idx": i,
                "account_id": a.account_id,
                "account_name": a.name,
                "kind": a.kind,
                "env": a.env,
                "region": a.region,
                "owner_team": a.owner_team,
                "hosted": list(a.teams) if a.kind == "team" else [],
                "cum_lo": cum / total,
                "weight": a.weight,
                "project_number": a.number,
            }
        )
        cum += a.weight
    load_table(con, "acc", rows)
    load_table(
        con,
        "teams",
        [
            {
                "team": t.name,
                "coverage": t.tag_coverage,
                "key_style": t.key_style,
                "cost_center": t.cost_center,
                "product": t.products[0],
                "department": t.department,
            }
            for t in company.TEAMS
        ],
    )


def load_services(con: duckdb.DuckDBPyConnection, services: list[dict[str, Any]]) -> None:
    """Table `svc`: the service catalog with per-kind cumulative row weights for sampling.

    Required keys: key, kind, gran ('H' hourly | 'D' daily), row_w, spend_w, fixed (constant cost
    per slot, like an instance-hour), weekly (weekday pattern), trend (monthly growth), taggable.
    Anything else is carried along for the provider's projection.
    """
    rows = []
    kinds = sorted({s["kind"] for s in services})
    for kind in kinds:
        group = [s for s in services if s["kind"] == kind]
        total, cum = sum(s["row_w"] for s in group), 0.0
        for s in group:
            rows.append({**s, "cum_lo": cum / total})
            cum += s["row_w"]
    spend_total = sum(s["spend_w"] for s in services)
    for i, s in enumerate(rows):
        s["svc"] = i
        s["spend_share"] = s["spend_w"] / spend_total
    load_table(con, "svc", rows)


# ------------------------------------------------------------------------------------ resources
@dataclass(frozen=True)
class UsageSpec:
    """What the engine needs to draw one billing account's usage in one month."""

    seed: int
    ba_key: str
    month: Month
    n_rows: int  # usage rows wanted
    budget: float  # usage spend of the month, in billing currency
    start_ts: str  # SQL timestamp of slot 0 (GCP: midnight Pacific, as UTC)
    hours: int  # hourly slots in the month
    team_keys: Sequence[str]
    env_keys: Sequence[str]
    cc_keys: Sequence[str]
    product_keys: Sequence[str]
    value_case_variants: bool = True  # 'Payments', 'PAYMENTS', 'payments ' besides 'payments'
    min_resources: int = 150
    # a runaway workload: (service key, month index, first day, last day, cost multiplier)
    anomaly: tuple[str, int, int, int, float] | None = None


def build_resources(con: duckdb.DuckDBPyConnection, spec: UsageSpec) -> None:
    """Create temp table `res`: the resources of the month, with tags and a per-slot cost `norm`."""
    m, s = spec.month, spec.seed
    ba = sql_str(spec.ba_key)
    days, hours = m.days, spec.hours
    n = max(1, spec.n_rows)
    # mean run length: long-lived when there is room, short-lived for small row counts
    len_h = float(min(hours, max(4.0, n / spec.min_resources)))
    len_d = float(min(days, max(1.0, n / spec.min_resources)))
    rmax = int(4 * n / min(len_h, len_d)) + 200
    budget_m = spec.budget
    reorg_from, reorg_team = company.REORG_MONTH_INDEX, company.REORG_TEAM
    new_a, new_b = company.REORG_NEW_TEAMS
    variants = "TRUE" if spec.value_case_variants else "FALSE"
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE res0 AS
WITH cand AS (
    SELECT r, hash({s}, {ba}, r) AS h,
           u01(hash({s}, {ba}, r, 'acct')) AS ua, u01(hash({s}, {ba}, r, 'svc')) AS us,
           u01(hash({s}, {ba}, r, {m.index}, 'len')) AS ul,
           u01(hash({s}, {ba}, r, {m.index}, 'start')) AS ust
    FROM range({rmax}) t(r)
), with_acct AS (
    SELECT c.*, a.account_id, a.account_name, a.kind, a.env, a.region, a.owner_team, a.hosted,
           a.project_number
    FROM cand c ASOF JOIN acc a ON c.ua >= a.cum_lo
), with_svc AS (
    SELECT w.*, v.svc, v.gran, v.fixed, v.weekly, v.taggable, v.spend_share, v.trend, v.key AS svc_key
    FROM with_acct w ASOF JOIN svc v ON w.kind = v.kind AND w.us >= v.cum_lo
), sized AS (
    SELECT *,
        CASE gran WHEN 'H' THEN {hours} ELSE {days} END AS slots,
        greatest(1, least(CASE gran WHEN 'H' THEN {hours} ELSE {days} END,
            round(CASE gran WHEN 'H' THEN {len_h} ELSE {len_d} END * (0.25 + 1.5 * ul))))::BIGINT AS len,
        exp(0.6 * nrm(hash(h, 'size'))) AS size
    FROM with_svc
), placed AS (
    SELECT *, floor(ust * (slots - len + 1))::BIGINT AS start_slot,
           sum(len) OVER (ORDER BY r) - len AS rk0
    FROM sized
    QUALIFY rk0 < {n}
), teamed AS (
    SELECT p.*,
        CASE WHEN kind = 'team' THEN list_element(hosted, 1 + floor(u01(hash(h, 'team')) * len(hosted))::INT) END
            AS base_team
    FROM placed p
), tagged AS (
    SELECT t.*,
        CASE WHEN base_team = '{reorg_team}' AND {m.index} >= {reorg_from}
             THEN CASE WHEN pick(hash(h, 'reorg'), 2) = 0 THEN '{new_a}' ELSE '{new_b}' END
             ELSE base_team END AS team,
        tm.key_style, tm.cost_center, tm.product,
        taggable AND base_team IS NOT NULL
            AND u01(hash(h, 'tagged')) < tm.coverage * CASE env WHEN 'prod' THEN 1.0 ELSE 0.85 END AS has_team_tag,
        u01(hash(h, 'keyvar')) AS ukey, u01(hash(h, 'case')) AS ucase
    FROM teamed t LEFT JOIN teams tm ON tm.team = t.base_team
), keyed AS (
    SELECT *,
        CASE WHEN has_team_tag THEN
            list_element({sql_list(spec.team_keys)},
                1 + (CASE WHEN ukey < 0.85 THEN key_style
                          ELSE floor(ukey * 1000)::INT END) % {len(spec.team_keys)})
        END AS team_key,
        CASE WHEN NOT has_team_tag THEN NULL
             WHEN u01(hash(h, 'bogus')) < 0.012 THEN 'tbd'
             WHEN NOT {variants} OR ucase < 0.86 THEN team
             WHEN ucase < 0.93 THEN upper(team[1]) || team[2:]
             WHEN ucase < 0.97 THEN upper(team)
             ELSE team || ' ' END AS team_val,
        CASE WHEN taggable AND u01(hash(h, 'envtag')) < 0.8 THEN
            list_element({sql_list(spec.env_keys)}, 1 + pick(hash(h, 'envkey'), {len(spec.env_keys)})) END AS env_key,
        CASE WHEN taggable AND has_team_tag AND u01(hash(h, 'cctag')) < 0.55 THEN
            list_element({sql_list(spec.cc_keys)}, 1 + pick(hash(h, 'cckey'), {len(spec.cc_keys)})) END AS cc_key,
        CASE WHEN taggable AND has_team_tag AND u01(hash(h, 'prodtag')) < 0.4 THEN
            list_element({sql_list(spec.product_keys)}, 1 + pick(hash(h, 'prodkey'), {len(spec.product_keys)}))
            END AS product_key
    FROM tagged
)
SELECT * EXCLUDE (ukey, ucase),
    list_filter([
        {{'key': team_key, 'value': team_val}},
        {{'key': env_key, 'value': env}},
        {{'key': cc_key, 'value': CASE WHEN {variants} THEN cost_center ELSE lower(cost_center) END}},
        {{'key': product_key, 'value': product}},
        {{'key': CASE WHEN kind <> 'team' AND taggable THEN 'managed-by' END, 'value': 'terraform'}}
    ], lambda x: x.key IS NOT NULL) AS tags
FROM keyed
""")
    # Spend: the month's budget, split over resource-slots by a per-row price level and the
    # resource's size. A service's price level is its spend share over its expected share of rows,
    # so services get their spend share on average while no single resource of a rarely drawn
    # service soaks up that service's whole budget.
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE res AS
WITH kinds AS (
    SELECT kind, sum(weight) / (SELECT sum(weight) FROM acc) AS p_kind FROM acc GROUP BY kind
), price AS (
    SELECT v.svc, v.spend_share / (k.p_kind * v.row_w / sum(v.row_w) OVER (PARTITION BY v.kind)
        * CASE v.gran WHEN 'H' THEN {len_h} ELSE {len_d} END) AS price
    FROM svc v JOIN kinds k USING (kind)
), raw AS (
    SELECT res0.*, price.price * pow(1.0 + trend, {m.index}) * size AS raw FROM res0 JOIN price USING (svc)
)
SELECT * EXCLUDE (raw),
    {budget_m} * raw / (sum(CAST(len * raw AS DECIMAL(38, 12))) OVER ())::DOUBLE AS norm
FROM raw
""")


def expand_usage(con: duckdb.DuckDBPyConnection, spec: UsageSpec) -> int:
    """Create temp table `use` from `res`: one row per resource and hour (or day) it ran.

    Columns: rk (row order key), r, slot, t0, t1, cost (on-demand cost of the row).
    Returns the number of usage rows.
    """
    m, s = spec.month, spec.seed
    ba = sql_str(spec.ba_key)
    if spec.anomaly:
        a_key, a_month, a_from, a_to, a_x = spec.anomaly
        anomaly = (
            # Hourly resources count slots in hours, daily ones (BigQuery analysis) in days.
            f"CASE WHEN res.svc_key = {sql_str(a_key)} AND {m.index} = {a_month}"
            f" AND ((res.gran = 'H' AND u.slot BETWEEN {a_from * 24} AND {a_to * 24 + 23})"
            f" OR (res.gran = 'D' AND u.slot BETWEEN {a_from} AND {a_to})) THEN {a_x} ELSE 1.0 END"
        )
    else:
        anomaly = "1.0"
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE use AS
WITH u AS (
    SELECT r, rk0 + k AS rk, start_slot + k AS slot
    FROM (SELECT r, rk0, start_slot, unnest(range(len)) AS k FROM res)
)
SELECT u.rk, u.r, u.slot,
    CASE res.gran WHEN 'H' THEN {spec.start_ts} + to_hours(u.slot) ELSE {spec.start_ts} + to_days(u.slot) END AS t0,
    CASE res.gran WHEN 'H' THEN {spec.start_ts} + to_hours(u.slot + 1) ELSE {spec.start_ts} + to_days(u.slot + 1) END AS t1,
    money(res.norm
        * CASE WHEN res.fixed THEN 1.0 ELSE 0.75 + 0.5 * u01(hash({s}, {ba}, {m.index}, u.rk)) END
        * CASE WHEN res.weekly AND dayofweek({spec.start_ts} + to_hours(u.slot * CASE res.gran WHEN 'H' THEN 1 ELSE 24 END)) IN (0, 6)
               THEN 0.8 ELSE 1.0 END
        * {anomaly}) AS cost
FROM u JOIN res USING (r)
""")
    return int(con.execute("SELECT count(*) FROM use").fetchall()[0][0])


def month_budget(ba: company.BillingAccount, seed: int, month: Month) -> float:
    """The billing account's usage budget for a month: steady growth plus a little noise."""
    noise = (det_int(seed, ba.key, month.index, "budget") % 1000) / 1000.0 - 0.5
    return ba.monthly_budget * (1.012**month.index) * (1.0 + 0.04 * noise) * month.days / 30.4


def month_rows(rows: int, share: float, months: list[Month], month: Month) -> int:
    """Row target of one billing account and month: its share, growing a little over the year."""
    weights = [(1.0 + 0.01 * mm.index) * mm.days for mm in months]
    return round(rows * share * weights[month.index] / sum(weights))


def pacific_start(month: Month) -> tuple[str, int]:
    """GCP invoice months are Pacific time: (UTC timestamp of the month's start, hours in it)."""
    from zoneinfo import ZoneInfo

    la, utc = ZoneInfo("America/Los_Angeles"), ZoneInfo("UTC")
    s = datetime(month.start.year, month.start.month, 1, tzinfo=la).astimezone(utc)
    e = datetime(month.end.year, month.end.month, 1, tzinfo=la).astimezone(utc)
    return f"TIMESTAMP '{s:%Y-%m-%d %H:%M:%S}'", int((e - s).total_seconds() // 3600)
