"""The fictional company behind the sample data: Acme, its teams, billing accounts and accounts.

Plain data only. The generator reads it, `seeds/*.csv` are written from it (`seed_rows`), and the
tests check that both agree. Account ids, subscription GUIDs and project numbers are fixed, so the
seeds stay valid for every `--seed`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

# FOCUS ProviderName spelling, used by seeds/account_owners.csv.
AWS, MICROSOFT, GOOGLE = "AWS", "Microsoft", "Google Cloud"

# From this generated month on (0-based: the 7th month), team REORG_TEAM is split in two.
REORG_MONTH_INDEX = 6
REORG_TEAM = "growth"
REORG_NEW_TEAMS = ("growth-acquisition", "growth-retention")

# The month (0-based: the 3rd) that AWS restates: two deliveries, the manifest lists the later one.
RESTATED_MONTH_INDEX = 2


@dataclass(frozen=True)
class Team:
    name: str
    department: str
    cost_center: str
    products: tuple[str, ...]
    tag_coverage: float  # share of the team's taggable resources that carry a team tag
    key_style: int  # which of a provider's team-key variants the team habitually uses
    active_until_reorg: bool = True
    active_from_reorg: bool = True

    @property
    def owner_email(self) -> str:
        return f"{self.name}-leads@acme.example"


def _t(
    name: str, dept: str, cc: str, products: tuple[str, ...], cov: float, style: int, **kw: bool
) -> Team:
    return Team(name, dept, cc, products, cov, style, **kw)


TEAMS: tuple[Team, ...] = (
    _t("payments", "Commerce", "CC-1100", ("payments-api",), 0.94, 0),
    _t("checkout", "Commerce", "CC-1110", ("storefront",), 0.88, 1),
    _t("catalog", "Commerce", "CC-1120", ("catalog-api",), 0.82, 0),
    _t("search", "Discovery", "CC-1200", ("search-api",), 0.90, 1),
    _t("recommendations", "Discovery", "CC-1210", ("recs-engine",), 0.74, 0),
    _t("ml", "Data & AI", "CC-1300", ("recs-engine", "fraud-model"), 0.70, 2),
    _t("data-platform", "Data & AI", "CC-1310", ("data-lake",), 0.95, 0),
    _t("analytics", "Data & AI", "CC-1320", ("bi-dashboards",), 0.66, 1),
    _t("mobile", "Digital", "CC-1400", ("mobile-app",), 0.80, 0),
    _t("web", "Digital", "CC-1410", ("storefront",), 0.85, 1),
    _t("identity", "Platform", "CC-1500", ("login",), 0.92, 0),
    _t("platform", "Platform Engineering", "CC-1510", ("internal-platform",), 0.90, 0),
    _t("sre", "Platform Engineering", "CC-1520", ("observability",), 0.80, 2),
    _t("devex", "Platform Engineering", "CC-1530", ("ci-cd",), 0.62, 1),
    _t("security", "Security", "CC-1600", ("security-tooling",), 0.86, 0),
    _t("notifications", "Customer Experience", "CC-1700", ("messaging",), 0.78, 0),
    _t("support-tools", "Customer Experience", "CC-1710", ("helpdesk",), 0.63, 1),
    _t("logistics", "Operations", "CC-1800", ("delivery-tracking",), 0.64, 2),
    _t("fleet", "Operations", "CC-1810", ("route-planner",), 0.68, 2),
    _t("marketing-tech", "Marketing", "CC-1900", ("campaigns",), 0.72, 1),
    _t("growth", "Marketing", "CC-1910", ("referrals",), 0.80, 0, active_from_reorg=False),
    _t("finance-systems", "Corporate", "CC-2000", ("billing-engine",), 0.91, 0),
    # the mid-year reorg splits `growth` into these two (tags change from REORG_MONTH_INDEX on)
    _t(
        "growth-acquisition",
        "Marketing",
        "CC-1911",
        ("referrals",),
        0.80,
        0,
        active_until_reorg=False,
    ),
    _t("growth-retention", "Marketing", "CC-1912", ("loyalty",), 0.80, 1, active_until_reorg=False),
)
TEAMS_BY_NAME = {t.name: t for t in TEAMS}

# Owners of shared accounts (networking, Kubernetes, security tooling, payers).
PLATFORM_TEAM = "platform"
SECURITY_TEAM = "security"

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
# Provider-defined or housekeeping tag keys that the data also carries (not aliases).
OTHER_TAG_KEYS = ("aws:createdBy", "aws_createdBy", "managed-by", "goog-k8s-cluster-name")

CANONICAL_TAG_KEYS = ("team", "environment", "cost_center", "product")


def tag_key_aliases() -> list[tuple[str, str]]:
    """Every tag key variant the sample data uses -> canonical key (source_key, canonical_key).

    Keys are listed as the providers write them (`user:team` in legacy CUR headers, `user_team`
    in CUR 2.0 maps, `team` elsewhere) and with surrounding whitespace trimmed (the data also
    has `" team"`; normalization trims before the lookup). Lower-cased forms are included so a
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
        for keys in per_provider.values():
            for raw in keys:
                key = raw.strip()
                for variant in (key, key.lower(), f"user:{key}", f"user_{key}"):
                    out.setdefault(variant, canonical)
        out.setdefault(canonical, canonical)
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
    weight: float  # relative share of usage rows
    hosted_teams: tuple[str, ...] = ()  # teams whose resources live here (default: owner only)
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
    monthly_budget: float  # billed spend of the first month, in `currency`
    row_share: float  # share of the requested line items
    accounts: tuple[Account, ...] = field(default_factory=tuple)
    billing_profile_id: str = ""


def _guid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{name}.acme.example"))


# --------------------------------------------------------------------------------------- AWS
CUR2_PAYER = "210987654321"
LEGACY_PAYER = "587654321098"


def _aws(
    payer: str,
    acct: str,
    name: str,
    owner: str,
    kind: str,
    env: str,
    region: str,
    w: float,
    hosted: tuple[str, ...] = (),
) -> Account:
    return Account(AWS, payer, acct, name, owner, kind, env, region, w, hosted)


_CUR2_ACCOUNTS = (
    _aws(
        CUR2_PAYER, CUR2_PAYER, "acme-management", PLATFORM_TEAM, "payer", "prod", "us-east-1", 0.0
    ),
    _aws(
        CUR2_PAYER,
        "304958712345",
        "acme-network",
        PLATFORM_TEAM,
        "network",
        "prod",
        "us-east-1",
        5.0,
    ),
    _aws(
        CUR2_PAYER,
        "318273645501",
        "acme-eks-shared",
        PLATFORM_TEAM,
        "k8s",
        "prod",
        "us-east-1",
        9.0,
    ),
    _aws(
        CUR2_PAYER,
        "329384756102",
        "acme-security-tooling",
        SECURITY_TEAM,
        "security",
        "prod",
        "us-east-1",
        2.5,
    ),
    _aws(
        CUR2_PAYER,
        "331245678903",
        "acme-log-archive",
        SECURITY_TEAM,
        "security",
        "prod",
        "us-east-1",
        1.5,
    ),
    _aws(
        CUR2_PAYER,
        "412345678901",
        "acme-payments-prod",
        "payments",
        "team",
        "prod",
        "us-east-1",
        8.0,
    ),
    _aws(
        CUR2_PAYER,
        "412345678902",
        "acme-payments-staging",
        "payments",
        "team",
        "staging",
        "us-east-1",
        2.0,
    ),
    _aws(
        CUR2_PAYER,
        "423456789012",
        "acme-checkout-prod",
        "checkout",
        "team",
        "prod",
        "us-east-1",
        6.0,
    ),
    _aws(
        CUR2_PAYER, "434567890123", "acme-catalog-prod", "catalog", "team", "prod", "us-west-2", 4.0
    ),
    _aws(
        CUR2_PAYER, "445678901234", "acme-search-prod", "search", "team", "prod", "us-east-1", 7.0
    ),
    _aws(
        CUR2_PAYER,
        "456789012345",
        "acme-recommendations-prod",
        "recommendations",
        "team",
        "prod",
        "us-east-1",
        4.0,
    ),
    _aws(CUR2_PAYER, "467890123456", "acme-ml-training", "ml", "team", "prod", "us-west-2", 6.0),
    _aws(
        CUR2_PAYER,
        "478901234567",
        "acme-data-platform-prod",
        "data-platform",
        "team",
        "prod",
        "us-east-1",
        8.0,
        ("data-platform", "data-platform", "analytics"),
    ),
    _aws(
        CUR2_PAYER,
        "478901234568",
        "acme-data-platform-dev",
        "data-platform",
        "team",
        "dev",
        "us-east-1",
        2.0,
    ),
    _aws(
        CUR2_PAYER,
        "489012345678",
        "acme-analytics-prod",
        "analytics",
        "team",
        "prod",
        "us-east-1",
        3.0,
    ),
    _aws(
        CUR2_PAYER,
        "490123456789",
        "acme-mobile-backend-prod",
        "mobile",
        "team",
        "prod",
        "us-east-1",
        5.0,
    ),
    _aws(
        CUR2_PAYER,
        "501234567890",
        "acme-web-prod",
        "web",
        "team",
        "prod",
        "us-east-1",
        5.0,
        ("web", "web", "checkout"),
    ),
    _aws(
        CUR2_PAYER,
        "512345678901",
        "acme-identity-prod",
        "identity",
        "team",
        "prod",
        "us-east-1",
        3.5,
    ),
    _aws(
        CUR2_PAYER,
        "523456789012",
        "acme-sre-observability",
        "sre",
        "team",
        "prod",
        "us-east-1",
        3.0,
    ),
    _aws(CUR2_PAYER, "534567890123", "acme-devex-ci", "devex", "team", "dev", "us-east-1", 3.0),
    _aws(
        CUR2_PAYER,
        "545678901234",
        "acme-notifications-prod",
        "notifications",
        "team",
        "prod",
        "us-east-1",
        2.5,
    ),
    _aws(
        CUR2_PAYER,
        "556789012345",
        "acme-marketing-tech-prod",
        "marketing-tech",
        "team",
        "prod",
        "eu-west-1",
        2.0,
    ),
    _aws(
        CUR2_PAYER, "567890123456", "acme-growth-prod", "growth", "team", "prod", "us-east-1", 2.5
    ),
    _aws(
        CUR2_PAYER,
        "578901234567",
        "acme-finance-systems-prod",
        "finance-systems",
        "team",
        "prod",
        "us-east-1",
        2.5,
    ),
    _aws(
        CUR2_PAYER,
        "589012345678",
        "acme-sandbox",
        "devex",
        "team",
        "dev",
        "us-west-2",
        1.5,
        ("devex", "ml", "search", "web", "mobile"),
    ),
)

_LEGACY_ACCOUNTS = (
    _aws(
        LEGACY_PAYER,
        LEGACY_PAYER,
        "parcelly-payer",
        PLATFORM_TEAM,
        "payer",
        "prod",
        "eu-central-1",
        0.0,
    ),
    _aws(
        LEGACY_PAYER,
        "598765432101",
        "parcelly-prod",
        "logistics",
        "team",
        "prod",
        "eu-central-1",
        6.0,
        ("logistics", "logistics", "fleet"),
    ),
    _aws(
        LEGACY_PAYER,
        "598765432102",
        "parcelly-staging",
        "logistics",
        "team",
        "staging",
        "eu-central-1",
        2.0,
    ),
    _aws(
        LEGACY_PAYER,
        "598765432103",
        "parcelly-routing",
        "fleet",
        "team",
        "prod",
        "eu-central-1",
        4.0,
    ),
    _aws(
        LEGACY_PAYER,
        "598765432104",
        "parcelly-network",
        PLATFORM_TEAM,
        "network",
        "prod",
        "eu-central-1",
        1.5,
    ),
)

# ------------------------------------------------------------------------------------- Azure
EA_ENROLLMENT = "8608480"
MCA_ACCOUNT = f"{_guid('mca-account')}:{_guid('mca-tenant')}_2019-05-31"
MCA_PROFILE = "AC7Q-M2X4-BG7-PGB"
EU_MCA_ACCOUNT = f"{_guid('eu-mca-account')}:{_guid('eu-mca-tenant')}_2019-05-31"
EU_MCA_PROFILE = "EU3K-R8T2-BG7-TGB"
EU_FOCUS_BILLING_ACCOUNT = f"/providers/Microsoft.Billing/billingAccounts/{EU_MCA_ACCOUNT}/billingProfiles/{EU_MCA_PROFILE}"


def _az(
    ba: str,
    name: str,
    owner: str,
    kind: str,
    env: str,
    region: str,
    w: float,
    hosted: tuple[str, ...] = (),
    arm_path: bool = False,
) -> Account:
    sub = _guid(name)
    return Account(
        MICROSOFT,
        ba,
        f"/subscriptions/{sub}" if arm_path else sub,
        name,
        owner,
        kind,
        env,
        region,
        w,
        hosted,
    )


_EA_SUBS = (
    _az(
        EA_ENROLLMENT,
        "acme-web-prod",
        "web",
        "team",
        "prod",
        "eastus",
        6.0,
        ("web", "web", "checkout"),
    ),
    _az(EA_ENROLLMENT, "acme-web-dev", "web", "team", "dev", "eastus", 2.0),
    _az(EA_ENROLLMENT, "acme-identity-prod", "identity", "team", "prod", "eastus", 4.0),
    _az(EA_ENROLLMENT, "acme-analytics", "analytics", "team", "prod", "eastus2", 4.0),
    _az(EA_ENROLLMENT, "acme-finance-systems", "finance-systems", "team", "prod", "eastus", 3.0),
    _az(EA_ENROLLMENT, "acme-marketing", "marketing-tech", "team", "prod", "westeurope", 2.5),
    _az(EA_ENROLLMENT, "acme-aks-shared", PLATFORM_TEAM, "k8s", "prod", "eastus", 5.0),
    _az(EA_ENROLLMENT, "acme-hub-network", PLATFORM_TEAM, "network", "prod", "eastus", 3.0),
)
_MCA_SUBS = (
    _az(MCA_ACCOUNT, "acme-ml-training", "ml", "team", "prod", "westus2", 6.0),
    _az(
        MCA_ACCOUNT,
        "acme-ml-inference",
        "ml",
        "team",
        "prod",
        "eastus",
        3.0,
        ("ml", "recommendations"),
    ),
    _az(MCA_ACCOUNT, "acme-support-tools", "support-tools", "team", "prod", "eastus", 3.0),
    _az(MCA_ACCOUNT, "acme-notifications", "notifications", "team", "prod", "eastus", 2.5),
    _az(MCA_ACCOUNT, "acme-devex", "devex", "team", "dev", "eastus", 2.5),
    _az(MCA_ACCOUNT, "acme-sentinel", SECURITY_TEAM, "security", "prod", "eastus", 2.0),
)
_EU_SUBS = (
    _az(
        EU_FOCUS_BILLING_ACCOUNT,
        "acme-eu-checkout",
        "checkout",
        "team",
        "prod",
        "westeurope",
        5.0,
        arm_path=True,
    ),
    _az(
        EU_FOCUS_BILLING_ACCOUNT,
        "acme-eu-payments",
        "payments",
        "team",
        "prod",
        "westeurope",
        4.0,
        arm_path=True,
    ),
    _az(
        EU_FOCUS_BILLING_ACCOUNT,
        "acme-eu-shared-network",
        PLATFORM_TEAM,
        "network",
        "prod",
        "westeurope",
        2.0,
        arm_path=True,
    ),
)

# --------------------------------------------------------------------------------------- GCP
GCP_MAIN, GCP_MOBILE, GCP_LABS = (
    "01A2B3-C4D5E6-F7A8B9",
    "0B1C2D-3E4F5A-6B7C8D",
    "0C9D8E-7F6A5B-4C3D2E",
)


def _gcp(
    ba: str,
    project: str,
    number: str,
    owner: str,
    kind: str,
    env: str,
    region: str,
    w: float,
    hosted: tuple[str, ...] = (),
) -> Account:
    return Account(GOOGLE, ba, project, project, owner, kind, env, region, w, hosted, number)


_GCP_MAIN_PROJECTS = (
    _gcp(
        GCP_MAIN,
        "acme-data-platform-prod",
        "731904518263",
        "data-platform",
        "team",
        "prod",
        "us-central1",
        6.0,
        ("data-platform", "data-platform", "analytics"),
    ),
    _gcp(
        GCP_MAIN,
        "acme-analytics-bq",
        "731904518264",
        "analytics",
        "team",
        "prod",
        "us-central1",
        4.0,
    ),
    _gcp(GCP_MAIN, "acme-ml-vertex", "731904518265", "ml", "team", "prod", "us-central1", 4.0),
    _gcp(GCP_MAIN, "acme-search-prod", "731904518266", "search", "team", "prod", "us-east1", 3.0),
    _gcp(
        GCP_MAIN,
        "acme-recs-prod",
        "731904518267",
        "recommendations",
        "team",
        "prod",
        "us-east1",
        3.0,
    ),
    _gcp(
        GCP_MAIN,
        "acme-gke-shared",
        "731904518268",
        PLATFORM_TEAM,
        "k8s",
        "prod",
        "us-central1",
        5.0,
    ),
)
_GCP_MOBILE_PROJECTS = (
    _gcp(
        GCP_MOBILE,
        "acme-mobile-backend",
        "842015629374",
        "mobile",
        "team",
        "prod",
        "us-central1",
        6.0,
    ),
    _gcp(
        GCP_MOBILE,
        "acme-mobile-firebase",
        "842015629375",
        "mobile",
        "team",
        "prod",
        "us-central1",
        2.0,
    ),
    _gcp(
        GCP_MOBILE,
        "acme-notifications-gcp",
        "842015629376",
        "notifications",
        "team",
        "prod",
        "us-east1",
        2.0,
    ),
    _gcp(
        GCP_MOBILE, "acme-catalog-gcp", "842015629377", "catalog", "team", "prod", "us-east1", 2.5
    ),
    _gcp(
        GCP_MOBILE,
        "acme-shared-vpc",
        "842015629378",
        PLATFORM_TEAM,
        "network",
        "prod",
        "us-central1",
        2.0,
    ),
)
_GCP_LABS_PROJECTS = (
    _gcp(GCP_LABS, "acme-ml-research", "953126730485", "ml", "team", "dev", "us-central1", 4.0),
    _gcp(GCP_LABS, "acme-devex-ci", "953126730486", "devex", "team", "dev", "us-central1", 3.0),
    _gcp(
        GCP_LABS,
        "acme-growth-experiments",
        "953126730487",
        "growth",
        "team",
        "dev",
        "us-east1",
        2.0,
    ),
    _gcp(
        GCP_LABS,
        "acme-security-scc",
        "953126730488",
        SECURITY_TEAM,
        "security",
        "prod",
        "us-central1",
        1.5,
    ),
)

BILLING_ACCOUNTS: tuple[BillingAccount, ...] = (
    BillingAccount(
        "aws_cur2", "aws_cur2", AWS, CUR2_PAYER, "Acme Corp", "USD", 520_000, 0.60, _CUR2_ACCOUNTS
    ),
    BillingAccount(
        "aws_cur",
        "aws_cur",
        AWS,
        LEGACY_PAYER,
        "Parcelly GmbH (acquired)",
        "USD",
        38_000,
        0.07,
        _LEGACY_ACCOUNTS,
    ),
    BillingAccount(
        "azure_ea", "azure", MICROSOFT, EA_ENROLLMENT, "Acme Corp EA", "USD", 95_000, 0.07, _EA_SUBS
    ),
    BillingAccount(
        "azure_mca",
        "azure",
        MICROSOFT,
        MCA_ACCOUNT,
        "Acme Corp MCA",
        "USD",
        70_000,
        0.05,
        _MCA_SUBS,
        MCA_PROFILE,
    ),
    BillingAccount(
        "focus",
        "focus",
        MICROSOFT,
        EU_FOCUS_BILLING_ACCOUNT,
        "Acme Europe BV",
        "EUR",
        28_000,
        0.05,
        _EU_SUBS,
        EU_MCA_PROFILE,
    ),
    BillingAccount(
        "gcp_json", "gcp", GOOGLE, GCP_MAIN, "Acme Main", "USD", 110_000, 0.08, _GCP_MAIN_PROJECTS
    ),
    BillingAccount(
        "gcp_parquet",
        "gcp",
        GOOGLE,
        GCP_MOBILE,
        "Acme Mobile",
        "USD",
        45_000,
        0.05,
        _GCP_MOBILE_PROJECTS,
    ),
    BillingAccount(
        "gcp_csv", "gcp", GOOGLE, GCP_LABS, "Acme Labs", "USD", 18_000, 0.03, _GCP_LABS_PROJECTS
    ),
)
BILLING_ACCOUNTS_BY_KEY = {b.key: b for b in BILLING_ACCOUNTS}
ACCOUNTS: tuple[Account, ...] = tuple(a for b in BILLING_ACCOUNTS for a in b.accounts)


def team_for_period(team: str, month_index: int, resource_hash: int) -> str:
    """The team name a resource's tag carries in a month (the reorg splits REORG_TEAM)."""
    if team == REORG_TEAM and month_index >= REORG_MONTH_INDEX:
        return REORG_NEW_TEAMS[resource_hash % 2]
    return team


def seed_rows() -> dict[str, list[tuple[str, ...]]]:
    """Rows of seeds/teams.csv, seeds/account_owners.csv, seeds/tag_key_aliases.csv (with header)."""
    teams = [("team", "department", "cost_center", "owner_email")]
    teams += [(t.name, t.department, t.cost_center, t.owner_email) for t in TEAMS]
    owners = [("provider", "account_id", "team")]
    owners += sorted({(a.provider, a.account_id, a.owner_team) for a in ACCOUNTS})
    aliases = [("source_key", "canonical_key"), *tag_key_aliases()]
    return {"teams.csv": teams, "account_owners.csv": owners, "tag_key_aliases.csv": aliases}
