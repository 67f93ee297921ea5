"""The fictional company behind the sample data: Acme, its teams, billing accounts and accounts.

Plain data only. The generator reads it, `seeds/*.csv` are written from it (`seed_rows`), and the
tests check that both agree. Account ids, subscription GUIDs and project numbers are fixed, so
the seeds stay valid for every `--seed`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

# FOCUS ProviderName spelling, used by seeds/account_owners.csv.
AWS, MICROSOFT, GOOGLE = "AWS", "Microsoft", "Google Cloud"

# From this generated month on (0-based: the 7th month) team REORG_TEAM is split in two.
REORG_MONTH_INDEX = 6
REORG_TEAM = "growth"
REORG_NEW_TEAMS = ("growth-acquisition", "growth-retention")

# The month (0-based: the 3rd) that is restated: AWS delivers it twice (the manifests list the
# later delivery), and the final data of several exports carries a refund, credit or adjustment.
RESTATED_MONTH_INDEX = 2

# Owners of shared accounts (networking, Kubernetes, payers; security tooling).
PLATFORM_TEAM = "platform"
SECURITY_TEAM = "security"


def table(text: str) -> list[dict[str, str]]:
    """Rows of a `|`-separated text table (first line: column names; `#` lines are comments)."""
    lines = [
        ln for ln in text.strip().splitlines() if ln.strip() and not ln.lstrip().startswith("#")
    ]
    names = [c.strip() for c in lines[0].split("|")]
    return [dict(zip(names, (c.strip() for c in ln.split("|")), strict=True)) for ln in lines[1:]]


@dataclass(frozen=True)
class Team:
    name: str
    department: str
    cost_center: str
    products: tuple[str, ...]
    tag_coverage: float  # share of the team's taggable resources that carry a team tag
    key_style: int  # which of a provider's team-key variants the team habitually uses
    active_until_reorg: bool = True  # has resources, tags and metrics before the reorg
    active_from_reorg: bool = True  # ... and from the reorg on

    @property
    def owner_email(self) -> str:
        return f"{self.name}-leads@acme.example"


# reorg: `growth` ends at the reorg, the two new teams start with it
_TEAMS = """
team               | department           | cost_center | products               | coverage | style | lifetime
payments           | Commerce             | CC-1100     | payments-api           | 0.94     | 0     | always
checkout           | Commerce             | CC-1110     | storefront             | 0.88     | 1     | always
catalog            | Commerce             | CC-1120     | catalog-api            | 0.82     | 0     | always
search             | Discovery            | CC-1200     | search-api             | 0.90     | 1     | always
recommendations    | Discovery            | CC-1210     | recs-engine            | 0.74     | 0     | always
ml                 | Data & AI            | CC-1300     | recs-engine,fraud-model | 0.70    | 2     | always
data-platform      | Data & AI            | CC-1310     | data-lake              | 0.95     | 0     | always
analytics          | Data & AI            | CC-1320     | bi-dashboards          | 0.66     | 1     | always
mobile             | Digital              | CC-1400     | mobile-app             | 0.80     | 0     | always
web                | Digital              | CC-1410     | storefront             | 0.85     | 1     | always
identity           | Platform             | CC-1500     | login                  | 0.92     | 0     | always
platform           | Platform Engineering | CC-1510     | internal-platform      | 0.90     | 0     | always
sre                | Platform Engineering | CC-1520     | observability          | 0.80     | 2     | always
devex              | Platform Engineering | CC-1530     | ci-cd                  | 0.62     | 1     | always
security           | Security             | CC-1600     | security-tooling       | 0.86     | 0     | always
notifications      | Customer Experience  | CC-1700     | messaging              | 0.78     | 0     | always
support-tools      | Customer Experience  | CC-1710     | helpdesk               | 0.63     | 1     | always
logistics          | Operations           | CC-1800     | delivery-tracking      | 0.64     | 2     | always
fleet              | Operations           | CC-1810     | route-planner          | 0.68     | 2     | always
marketing-tech     | Marketing            | CC-1900     | campaigns              | 0.72     | 1     | always
growth             | Marketing            | CC-1910     | referrals              | 0.80     | 0     | before
finance-systems    | Corporate            | CC-2000     | billing-engine         | 0.91     | 0     | always
growth-acquisition | Marketing            | CC-1911     | referrals              | 0.80     | 0     | after
growth-retention   | Marketing            | CC-1912     | loyalty                | 0.80     | 1     | after
"""

TEAMS: tuple[Team, ...] = tuple(
    Team(r["team"], r["department"], r["cost_center"], tuple(r["products"].split(",")),
         float(r["coverage"]), int(r["style"]), r["lifetime"] != "after", r["lifetime"] != "before")
    for r in table(_TEAMS)
)  # fmt: skip
TEAMS_BY_NAME = {t.name: t for t in TEAMS}

# Tag key variants as people type them. Canonical keys: team, environment, cost_center, product.
# Index = Team.key_style (a team mostly uses one variant; ~15% of its resources use another).
TEAM_KEYS = {
    "aws": ("team", "Team", "owner-team"),
    "azure": ("team", "Team", " team", "owner-team"),
    "gcp": ("team", "owner-team", "team"),  # GCP label keys are lower case only
    "focus": ("team", " team", "Team"),
}
ENV_KEYS = {
    "aws": ("environment",),
    "azure": ("env", "Environment"),
    "gcp": ("env",),
    "focus": ("env", "environment"),
}
COST_CENTER_KEYS = {
    "aws": ("cost-center",),
    "azure": ("CostCenter", "cost-center"),
    "gcp": ("cost-center", "cost_center"),
    "focus": ("CostCenter",),
}
PRODUCT_KEYS = {
    "aws": ("product",),
    "azure": ("product", "app"),
    "gcp": ("product",),
    "focus": ("product",),
}
# Provider-defined or housekeeping tag keys the data also carries (not aliases of canonical keys).
OTHER_TAG_KEYS = (
    "aws:createdBy",
    "aws_createdBy",
    "managed-by",
    "user_managed-by",
    "goog-k8s-cluster-name",
)

CANONICAL_TAG_KEYS = ("team", "environment", "cost_center", "product")


def tag_key_aliases() -> list[tuple[str, str]]:
    """Every tag key variant the sample data uses -> canonical key (source_key, canonical_key).

    Keys are listed as the providers write them (`user:team` in legacy CUR headers, `user_team`
    in CUR 2.0 maps, `team` elsewhere) with surrounding whitespace trimmed (the data also has
    `" team"`; normalization trims before the lookup), plus lower-cased forms so that a
    case-insensitive lookup finds them too.
    """
    groups = {
        "team": TEAM_KEYS,
        "environment": ENV_KEYS,
        "cost_center": COST_CENTER_KEYS,
        "product": PRODUCT_KEYS,
    }
    out: dict[str, str] = {}
    for canonical, per_provider in groups.items():
        out.setdefault(canonical, canonical)
        for keys in per_provider.values():
            for key in (k.strip() for k in keys):
                for variant in (key, key.lower(), f"user:{key}", f"user_{key}"):
                    out.setdefault(variant, canonical)
    return sorted(out.items(), key=lambda kv: (kv[1], kv[0].lower(), kv[0]))


@dataclass(frozen=True)
class Account:
    """An AWS account, Azure subscription or GCP project."""

    provider: str  # AWS | Microsoft | Google Cloud
    billing_account_id: str
    account_id: str  # as the data carries it in the sub-account column
    name: str
    owner_team: str
    kind: str  # team | network | k8s | security | payer
    env: str  # prod | staging | dev
    region: str
    weight: float  # relative share of the billing account's resources
    hosted_teams: tuple[str, ...] = ()  # teams whose resources live here (default: the owner)
    number: str = ""  # GCP project number

    @property
    def shared(self) -> bool:
        return self.kind != "team"

    @property
    def teams(self) -> tuple[str, ...]:
        return self.hosted_teams or (self.owner_team,)


@dataclass(frozen=True)
class BillingAccount:
    key: str  # generator label: aws_cur2, aws_cur, azure_ea, azure_mca, focus, gcp_json, ...
    source: str  # pipeline source (docs/landing-formats.md): aws_cur2, aws_cur, azure, gcp, focus
    provider: str
    billing_account_id: str
    name: str
    currency: str
    monthly_budget: float  # usage spend of the first month, in `currency`
    row_share: float  # share of the requested line items
    accounts: tuple[Account, ...]
    billing_profile_id: str = ""


def _guid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.acme.example"))


EA_ENROLLMENT = "8608480"
MCA_ACCOUNT = f"{_guid('mca-account')}:{_guid('mca-tenant')}_2019-05-31"
MCA_PROFILE = "AC7Q-M2X4-BG7-PGB"
EU_MCA_ACCOUNT = f"{_guid('eu-mca-account')}:{_guid('eu-mca-tenant')}_2019-05-31"
EU_MCA_PROFILE = "EU3K-R8T2-BG7-TGB"
# Microsoft's FOCUS export names the billing profile (ARM path) as the billing account
EU_FOCUS_BILLING_ACCOUNT = f"/providers/Microsoft.Billing/billingAccounts/{EU_MCA_ACCOUNT}/billingProfiles/{EU_MCA_PROFILE}"

# One table per billing account. `id`: AWS account id, GCP project number (project id = name),
# Azure: blank (the subscription GUID derives from the name). `hosted`: other teams' resources.
_ACCOUNTS = """
ba          | id           | name                      | owner           | kind     | env     | region       | weight | hosted
# ---- AWS, CUR 2.0 payer (Acme Corp)
aws_cur2    | 210987654321 | acme-management           | platform        | payer    | prod    | us-east-1    | 0      |
aws_cur2    | 304958712345 | acme-network              | platform        | network  | prod    | us-east-1    | 5      |
aws_cur2    | 318273645501 | acme-eks-shared           | platform        | k8s      | prod    | us-east-1    | 9      |
aws_cur2    | 329384756102 | acme-security-tooling     | security        | security | prod    | us-east-1    | 2.5    |
aws_cur2    | 331245678903 | acme-log-archive          | security        | security | prod    | us-east-1    | 1.5    |
aws_cur2    | 412345678901 | acme-payments-prod        | payments        | team     | prod    | us-east-1    | 8      |
aws_cur2    | 412345678902 | acme-payments-staging     | payments        | team     | staging | us-east-1    | 2      |
aws_cur2    | 423456789012 | acme-checkout-prod        | checkout        | team     | prod    | us-east-1    | 6      |
aws_cur2    | 434567890123 | acme-catalog-prod         | catalog         | team     | prod    | us-west-2    | 4      |
aws_cur2    | 445678901234 | acme-search-prod          | search          | team     | prod    | us-east-1    | 7      |
aws_cur2    | 456789012345 | acme-recommendations-prod | recommendations | team     | prod    | us-east-1    | 4      |
aws_cur2    | 467890123456 | acme-ml-training          | ml              | team     | prod    | us-west-2    | 6      |
aws_cur2    | 478901234567 | acme-data-platform-prod   | data-platform   | team     | prod    | us-east-1    | 8      | data-platform,data-platform,analytics
aws_cur2    | 478901234568 | acme-data-platform-dev    | data-platform   | team     | dev     | us-east-1    | 2      |
aws_cur2    | 489012345678 | acme-analytics-prod       | analytics       | team     | prod    | us-east-1    | 3      |
aws_cur2    | 490123456789 | acme-mobile-backend-prod  | mobile          | team     | prod    | us-east-1    | 5      |
aws_cur2    | 501234567890 | acme-web-prod             | web             | team     | prod    | us-east-1    | 5      | web,web,checkout
aws_cur2    | 512345678901 | acme-identity-prod        | identity        | team     | prod    | us-east-1    | 3.5    |
aws_cur2    | 523456789012 | acme-sre-observability    | sre             | team     | prod    | us-east-1    | 3      |
aws_cur2    | 534567890123 | acme-devex-ci             | devex           | team     | dev     | us-east-1    | 3      |
aws_cur2    | 545678901234 | acme-notifications-prod   | notifications   | team     | prod    | us-east-1    | 2.5    |
aws_cur2    | 556789012345 | acme-marketing-tech-prod  | marketing-tech  | team     | prod    | eu-west-1    | 2      |
aws_cur2    | 567890123456 | acme-growth-prod          | growth          | team     | prod    | us-east-1    | 2.5    |
aws_cur2    | 578901234567 | acme-finance-systems-prod | finance-systems | team     | prod    | us-east-1    | 2.5    |
aws_cur2    | 589012345678 | acme-sandbox              | devex           | team     | dev     | us-west-2    | 1.5    | devex,ml,search,web,mobile
# ---- AWS, legacy CUR payer of the acquired Parcelly
aws_cur     | 587654321098 | parcelly-payer            | platform        | payer    | prod    | eu-central-1 | 0      |
aws_cur     | 598765432101 | parcelly-prod             | logistics       | team     | prod    | eu-central-1 | 6      | logistics,logistics,fleet
aws_cur     | 598765432102 | parcelly-staging          | logistics       | team     | staging | eu-central-1 | 2      |
aws_cur     | 598765432103 | parcelly-routing          | fleet           | team     | prod    | eu-central-1 | 4      |
aws_cur     | 598765432104 | parcelly-network          | platform        | network  | prod    | eu-central-1 | 1.5    |
# ---- Azure EA enrollment
azure_ea    |              | acme-web-prod             | web             | team     | prod    | eastus       | 6      | web,web,checkout
azure_ea    |              | acme-web-dev              | web             | team     | dev     | eastus       | 2      |
azure_ea    |              | acme-identity-prod        | identity        | team     | prod    | eastus       | 4      |
azure_ea    |              | acme-analytics            | analytics       | team     | prod    | eastus2      | 4      |
azure_ea    |              | acme-finance-systems      | finance-systems | team     | prod    | eastus       | 3      |
azure_ea    |              | acme-marketing            | marketing-tech  | team     | prod    | westeurope   | 2.5    |
azure_ea    |              | acme-aks-shared           | platform        | k8s      | prod    | eastus       | 5      |
azure_ea    |              | acme-hub-network          | platform        | network  | prod    | eastus       | 3      |
# ---- Azure MCA billing account (US)
azure_mca   |              | acme-ml-training          | ml              | team     | prod    | westus2      | 6      |
azure_mca   |              | acme-ml-inference         | ml              | team     | prod    | eastus       | 3      | ml,recommendations
azure_mca   |              | acme-support-tools        | support-tools   | team     | prod    | eastus       | 3      |
azure_mca   |              | acme-notifications        | notifications   | team     | prod    | eastus       | 2.5    |
azure_mca   |              | acme-devex                | devex           | team     | dev     | eastus       | 2.5    |
azure_mca   |              | acme-sentinel             | security        | security | prod    | eastus       | 2      |
# ---- Azure MCA billing account (EU, EUR), delivered as a Microsoft FOCUS export
focus       |              | acme-eu-checkout          | checkout        | team     | prod    | westeurope   | 5      |
focus       |              | acme-eu-payments          | payments        | team     | prod    | westeurope   | 4      |
focus       |              | acme-eu-shared-network    | platform        | network  | prod    | westeurope   | 2      |
# ---- GCP: Acme Main (Parquet extract)
gcp_parquet | 731904518263 | acme-data-platform-prod   | data-platform   | team     | prod    | us-central1  | 6      | data-platform,data-platform,analytics
gcp_parquet | 731904518264 | acme-analytics-bq         | analytics       | team     | prod    | us-central1  | 4      |
gcp_parquet | 731904518265 | acme-ml-vertex            | ml              | team     | prod    | us-central1  | 4      |
gcp_parquet | 731904518266 | acme-search-prod          | search          | team     | prod    | us-east1     | 3      |
gcp_parquet | 731904518267 | acme-recs-prod            | recommendations | team     | prod    | us-east1     | 3      |
gcp_parquet | 731904518268 | acme-gke-shared           | platform        | k8s      | prod    | us-central1  | 5      |
# ---- GCP: Acme Mobile (NDJSON extract)
gcp_json    | 842015629374 | acme-mobile-backend       | mobile          | team     | prod    | us-central1  | 6      |
gcp_json    | 842015629375 | acme-mobile-firebase      | mobile          | team     | prod    | us-central1  | 2      |
gcp_json    | 842015629376 | acme-notifications-gcp    | notifications   | team     | prod    | us-east1     | 2      |
gcp_json    | 842015629377 | acme-catalog-gcp          | catalog         | team     | prod    | us-east1     | 2.5    |
gcp_json    | 842015629378 | acme-shared-vpc           | platform        | network  | prod    | us-central1  | 2      |
# ---- GCP: Acme Labs (flattened CSV)
gcp_csv     | 953126730485 | acme-ml-research          | ml              | team     | dev     | us-central1  | 4      |
gcp_csv     | 953126730486 | acme-devex-ci             | devex           | team     | dev     | us-central1  | 3      |
gcp_csv     | 953126730487 | acme-growth-experiments   | growth          | team     | dev     | us-east1     | 2      |
gcp_csv     | 953126730488 | acme-security-scc         | security        | security | prod    | us-central1  | 1.5    |
"""

_BILLING_ACCOUNTS = """
key         | source   | provider     | billing_account_id    | name                     | currency | budget  | share | profile
aws_cur2    | aws_cur2 | AWS          | 210987654321          | Acme Corp                | USD      | 520000  | 0.62  |
aws_cur     | aws_cur  | AWS          | 587654321098          | Parcelly GmbH (acquired) | USD      | 38000   | 0.05  |
azure_ea    | azure    | Microsoft    | 8608480               | Acme Corp EA             | USD      | 95000   | 0.07  |
azure_mca   | azure    | Microsoft    | {MCA_ACCOUNT}         | Acme Corp MCA            | USD      | 70000   | 0.05  | {MCA_PROFILE}
focus       | focus    | Microsoft    | {EU_FOCUS}            | Acme Europe BV           | EUR      | 28000   | 0.05  | {EU_MCA_PROFILE}
gcp_parquet | gcp      | Google Cloud | 01A2B3-C4D5E6-F7A8B9  | Acme Main                | USD      | 110000  | 0.08  |
gcp_json    | gcp      | Google Cloud | 0B1C2D-3E4F5A-6B7C8D  | Acme Mobile              | USD      | 45000   | 0.05  |
gcp_csv     | gcp      | Google Cloud | 0C9D8E-7F6A5B-4C3D2E  | Acme Labs                | USD      | 18000   | 0.03  |
"""


def _account(provider: str, billing_account_id: str, r: dict[str, str]) -> Account:
    if provider == MICROSOFT:  # the FOCUS export carries the ARM path of the subscription
        sub = _guid(r["name"])
        account_id, number = (f"/subscriptions/{sub}" if r["ba"] == "focus" else sub), ""
    elif provider == GOOGLE:
        account_id, number = r["name"], r["id"]
    else:
        account_id, number = r["id"], ""
    hosted = tuple(r["hosted"].split(",")) if r["hosted"] else ()
    return Account(provider, billing_account_id, account_id, r["name"], r["owner"], r["kind"], r["env"],
                   r["region"], float(r["weight"]), hosted, number)  # fmt: skip


def _billing_accounts() -> tuple[BillingAccount, ...]:
    subst = {"{MCA_ACCOUNT}": MCA_ACCOUNT, "{MCA_PROFILE}": MCA_PROFILE, "{EU_FOCUS}": EU_FOCUS_BILLING_ACCOUNT,
             "{EU_MCA_PROFILE}": EU_MCA_PROFILE}  # fmt: skip
    rows = table(_ACCOUNTS)
    out = []
    for b in table(_BILLING_ACCOUNTS):
        b = {k: subst.get(v, v) for k, v in b.items()}
        accounts = tuple(
            _account(b["provider"], b["billing_account_id"], r) for r in rows if r["ba"] == b["key"]
        )
        out.append(BillingAccount(b["key"], b["source"], b["provider"], b["billing_account_id"], b["name"],
                                  b["currency"], float(b["budget"]), float(b["share"]), accounts,
                                  b["profile"]))  # fmt: skip
    return tuple(out)


BILLING_ACCOUNTS = _billing_accounts()
BILLING_ACCOUNTS_BY_KEY = {b.key: b for b in BILLING_ACCOUNTS}
ACCOUNTS: tuple[Account, ...] = tuple(a for b in BILLING_ACCOUNTS for a in b.accounts)


def seed_rows() -> dict[str, list[tuple[str, ...]]]:
    """Rows of seeds/teams.csv, seeds/account_owners.csv, seeds/tag_key_aliases.csv (with header)."""
    teams = [("team", "department", "cost_center", "owner_email")]
    teams += [(t.name, t.department, t.cost_center, t.owner_email) for t in TEAMS]
    owners = [("provider", "account_id", "team")]
    # every account, plus the billing accounts (for charges without one: tax, rounding, support)
    owned = {(a.provider, a.account_id, a.owner_team) for a in ACCOUNTS}
    owned |= {(b.provider, b.billing_account_id, PLATFORM_TEAM) for b in BILLING_ACCOUNTS}
    owners += sorted(owned)
    aliases = [("source_key", "canonical_key"), *tag_key_aliases()]
    return {"teams.csv": teams, "account_owners.csv": owners, "tag_key_aliases.csv": aliases}
