"""The sources the pipeline ingests: raw table, columns, and how a file is recognized.

A source's columns are the provider's own (snake_cased), typed; money is DECIMAL. Optional
columns a delivery lacks are NULL, required ones missing fail the delivery. Every raw table also
carries `_billing_account_id`, `_billing_period` ('YYYY-MM'), `_source_file`, `_row_number` and
`_load_id`, so any raw row can be traced to the file and row it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from finops.ingest.columns import COST, QTY, Column, quote_ident, quote_literal, snake_case

C = Column  # short alias for the tables below


def _ts(name: str, required: bool = False, aliases: tuple[str, ...] = ()) -> Column:
    return Column(name, "timestamp", required=required, aliases=aliases)


def _cost(name: str, required: bool = False, aliases: tuple[str, ...] = ()) -> Column:
    return Column(name, COST, required=required, aliases=aliases)


def _qty(name: str, aliases: tuple[str, ...] = ()) -> Column:
    return Column(name, QTY, aliases=aliases)


STRING_MAP = "map(varchar, varchar)"

# --- AWS CUR 2.0 (Data Exports) ---------------------------------------------------------------
AWS_CUR2_COLUMNS: list[Column] = [
    C("bill_bill_type"),
    C("bill_billing_entity"),
    _ts("bill_billing_period_start_date", required=True),
    _ts("bill_billing_period_end_date"),
    C("bill_invoice_id"),
    C("bill_invoicing_entity"),
    C("bill_payer_account_id", required=True, not_null=True),
    C("bill_payer_account_name"),
    C("identity_line_item_id"),
    C("identity_time_interval"),
    C("line_item_availability_zone"),
    _cost("line_item_blended_cost"),
    C("line_item_currency_code", required=True, not_null=True),
    C("line_item_legal_entity"),
    C("line_item_line_item_description"),
    C("line_item_line_item_type", required=True, not_null=True),
    _cost("line_item_net_unblended_cost"),
    _qty("line_item_normalization_factor"),
    _qty("line_item_normalized_usage_amount"),
    C("line_item_operation"),
    C("line_item_product_code", required=True),
    C("line_item_resource_id"),
    C("line_item_tax_type"),
    Column("line_item_unblended_cost", COST, required=True, not_null=True),
    _cost("line_item_unblended_rate"),
    C("line_item_usage_account_id", required=True, not_null=True),
    C("line_item_usage_account_name"),
    _qty("line_item_usage_amount"),
    _ts("line_item_usage_end_date", required=True),
    _ts("line_item_usage_start_date", required=True),
    C("line_item_usage_type"),
    C("pricing_currency"),
    _cost("pricing_public_on_demand_cost"),
    _cost("pricing_public_on_demand_rate"),
    C("pricing_purchase_option"),
    C("pricing_term"),
    C("pricing_unit"),
    C("product_instance_type"),
    C("product_instance_family"),
    C("product_product_family"),
    C("product_region_code"),
    C("product_servicecode"),
    C("product_sku"),
    _cost("reservation_amortized_upfront_cost_for_usage"),
    _cost("reservation_amortized_upfront_fee_for_billing_period"),
    _cost("reservation_effective_cost"),
    _cost("reservation_recurring_fee_for_usage"),
    C("reservation_reservation_a_r_n", aliases=("reservation_reservation_arn",)),
    _cost("reservation_unused_amortized_upfront_fee_for_billing_period"),
    _cost("reservation_unused_recurring_fee"),
    _cost("savings_plan_amortized_upfront_commitment_for_billing_period"),
    _cost("savings_plan_recurring_commitment_for_billing_period"),
    C("savings_plan_savings_plan_a_r_n", aliases=("savings_plan_savings_plan_arn",)),
    _cost("savings_plan_savings_plan_effective_cost"),
    _cost("savings_plan_savings_plan_rate"),
    _cost("savings_plan_total_commitment_to_date"),
    _cost("savings_plan_used_commitment"),
    Column("resource_tags", STRING_MAP, parse="try_cast({col} as map(varchar, varchar))"),
    Column("cost_category", STRING_MAP, parse="try_cast({col} as map(varchar, varchar))"),
    Column("product", STRING_MAP, parse="try_cast({col} as map(varchar, varchar))"),
    Column("discount", "map(varchar, double)", parse="try_cast({col} as map(varchar, double))"),
]

# --- AWS legacy CUR (CSV headers `category/Name`, stored Athena-style snake_case) --------------
_LEGACY_FROM_CUR2 = {
    # legacy names whose snake_case differs from CUR 2.0's
    "product_instance_type": ("product/instanceType",),
    "product_product_family": ("product/productFamily",),
    "product_region_code": ("product/regionCode",),
    "product_sku": ("product/sku",),
}
AWS_CUR_COLUMNS: list[Column] = [
    C("product_product_name", aliases=("product/ProductName",)),
    C("product_region", aliases=("product/region",)),
    *[
        Column(
            c.name,
            c.type,
            c.required,
            c.aliases + _LEGACY_FROM_CUR2.get(c.name, ()),
            c.parse,
            c.not_null,
        )
        for c in AWS_CUR2_COLUMNS
        if c.type not in (STRING_MAP, "map(varchar, double)")
    ],
]

# --- Azure cost details (EA and MCA; EA names mapped onto MCA's) ------------------------------
AZURE_COLUMNS: list[Column] = [
    C("invoice_id"),
    C("previous_invoice_id"),
    C("billing_account_id", required=True, not_null=True),
    C("billing_account_name"),
    C("billing_profile_id"),
    C("billing_profile_name"),
    C("invoice_section_id"),
    C("invoice_section_name"),
    C("account_name"),
    C("account_owner_id"),
    C("cost_center"),
    Column("billing_period_start_date", "date"),
    Column("billing_period_end_date", "date"),
    Column("service_period_start_date", "date"),
    Column("service_period_end_date", "date"),
    Column("date", "date", required=True, not_null=True, aliases=("UsageDate",)),
    C("service_family"),
    C("product_order_id"),
    C("product_order_name"),
    C("consumed_service"),
    C("meter_id"),
    C("meter_name"),
    C("meter_category"),
    C("meter_sub_category"),
    C("meter_region"),
    C("product_id"),
    C("product_name"),
    C("subscription_id", aliases=("SubscriptionGuid",)),
    C("subscription_name"),
    C("publisher_type"),
    C("publisher_id"),
    C("publisher_name"),
    C("resource_group_name", aliases=("ResourceGroup",)),
    C("resource_id", aliases=("InstanceId", "ResourceId")),
    C("resource_name"),
    C("resource_location", aliases=("ResourceLocation",)),
    C("location"),
    _cost("effective_price"),
    _qty("quantity"),
    C("unit_of_measure"),
    C("charge_type"),
    C(
        "billing_currency",
        required=True,
        not_null=True,
        aliases=("BillingCurrencyCode", "Currency"),
    ),
    C("pricing_currency", aliases=("PricingCurrencyCode",)),
    Column(
        "cost_in_billing_currency",
        COST,
        required=True,
        not_null=True,
        aliases=("CostInBillingCurrency", "Cost"),
    ),
    _cost("cost_in_pricing_currency"),
    _cost("cost_in_usd"),
    _cost("payg_cost_in_billing_currency"),
    _cost("payg_cost_in_usd"),
    _cost("payg_price", aliases=("PayGPrice",)),
    _cost("unit_price"),
    Column("exchange_rate_pricing_to_billing", "double"),
    Column("exchange_rate_date", "date"),
    C("is_azure_credit_eligible"),
    C("service_info1"),
    C("service_info2"),
    C("additional_info"),
    C("tags"),  # JSON object; EA writes it without the outer braces (fixed in dbt staging)
    C("frequency"),
    C("term"),
    C("reservation_id"),
    C("reservation_name"),
    C("pricing_model"),
    C("offer_id"),
    C("part_number"),
    C("plan_name"),
    C("availability_zone"),
    C("cost_allocation_rule_name"),
    C("benefit_id"),
    C("benefit_name"),
    C("reseller_name"),
    C("reseller_mpn_id"),
    C("provider"),
]

# --- GCP billing export (flattened: struct fields become `a_b`, repeated fields JSON text) ----
GCP_COLUMNS: list[Column] = [
    C("billing_account_id", required=True, not_null=True),
    C("service_id"),
    C("service_description", required=True),
    C("sku_id"),
    C("sku_description"),
    _ts("usage_start_time", required=True),
    _ts("usage_end_time"),
    C("project_id"),
    C("project_number"),
    C("project_name"),
    C("project_labels"),
    C("project_ancestry_numbers"),
    C("labels"),
    C("system_labels"),
    C("tags"),
    C("location_location"),
    C("location_country"),
    C("location_region"),
    C("location_zone"),
    C("resource_name"),
    C("resource_global_name"),
    _ts("export_time"),
    Column("cost", COST, required=True, not_null=True),
    C("currency", required=True, not_null=True),
    Column("currency_conversion_rate", "double"),
    _qty("usage_amount"),
    C("usage_unit"),
    _qty("usage_amount_in_pricing_units"),
    C("usage_pricing_unit"),
    C("credits"),
    C("invoice_month", required=True, not_null=True),
    C("cost_type"),
    C("adjustment_info_id"),
    C("adjustment_info_description"),
    C("adjustment_info_mode"),
    C("adjustment_info_type"),
    _cost("cost_at_list"),
    C("transaction_type"),
    C("seller_name"),
    _cost("price_effective_price"),
    _qty("price_tier_start_amount"),
    C("price_unit"),
    _qty("price_pricing_unit_quantity"),
    C("consumption_model_id"),
    C("consumption_model_description"),
]

# --- FOCUS 1.0 / 1.1 / 1.2 ---------------------------------------------------------------------
_FOCUS_SPEC: list[tuple[str, str]] = [
    ("AvailabilityZone", "varchar"),
    ("BilledCost", COST),
    ("BillingAccountId", "varchar"),
    ("BillingAccountName", "varchar"),
    ("BillingAccountType", "varchar"),
    ("BillingCurrency", "varchar"),
    ("BillingPeriodEnd", "timestamp"),
    ("BillingPeriodStart", "timestamp"),
    ("CapacityReservationId", "varchar"),
    ("CapacityReservationStatus", "varchar"),
    ("ChargeCategory", "varchar"),
    ("ChargeClass", "varchar"),
    ("ChargeDescription", "varchar"),
    ("ChargeFrequency", "varchar"),
    ("ChargePeriodEnd", "timestamp"),
    ("ChargePeriodStart", "timestamp"),
    ("CommitmentDiscountCategory", "varchar"),
    ("CommitmentDiscountId", "varchar"),
    ("CommitmentDiscountName", "varchar"),
    ("CommitmentDiscountQuantity", QTY),
    ("CommitmentDiscountStatus", "varchar"),
    ("CommitmentDiscountType", "varchar"),
    ("CommitmentDiscountUnit", "varchar"),
    ("ConsumedQuantity", QTY),
    ("ConsumedUnit", "varchar"),
    ("ContractedCost", COST),
    ("ContractedUnitPrice", COST),
    ("EffectiveCost", COST),
    ("InvoiceId", "varchar"),
    ("InvoiceIssuerName", "varchar"),
    ("ListCost", COST),
    ("ListUnitPrice", COST),
    ("PricingCategory", "varchar"),
    ("PricingCurrency", "varchar"),
    ("PricingCurrencyContractedUnitPrice", COST),
    ("PricingCurrencyEffectiveCost", COST),
    ("PricingCurrencyListUnitPrice", COST),
    ("PricingQuantity", QTY),
    ("PricingUnit", "varchar"),
    ("ProviderName", "varchar"),
    ("PublisherName", "varchar"),
    ("RegionId", "varchar"),
    ("RegionName", "varchar"),
    ("ResourceId", "varchar"),
    ("ResourceName", "varchar"),
    ("ResourceType", "varchar"),
    ("ServiceCategory", "varchar"),
    ("ServiceName", "varchar"),
    ("ServiceSubcategory", "varchar"),
    ("SkuId", "varchar"),
    ("SkuMeter", "varchar"),
    ("SkuPriceDetails", "varchar"),
    ("SkuPriceId", "varchar"),
    ("SubAccountId", "varchar"),
    ("SubAccountName", "varchar"),
    ("SubAccountType", "varchar"),
    ("Tags", "varchar"),
]
_FOCUS_REQUIRED = {
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "EffectiveCost",
    "ProviderName",
    "ServiceName",
}
_FOCUS_NOT_NULL = {
    "BilledCost",
    "BillingAccountId",
    "BillingCurrency",
    "BillingPeriodStart",
    "ChargeCategory",
}
FOCUS_COLUMNS: list[Column] = [
    Column(
        snake_case(name),
        type_,
        required=name in _FOCUS_REQUIRED,
        not_null=name in _FOCUS_NOT_NULL,
    )
    for name, type_ in _FOCUS_SPEC
]

# --- business metrics (unit-cost drivers) ------------------------------------------------------
BUSINESS_COLUMNS: list[Column] = [
    Column("date", "date", required=True, not_null=True),
    C("team", required=True, not_null=True),
    C("product"),
    C("metric_name", required=True, not_null=True),
    Column("metric_value", "decimal(38, 6)", required=True, not_null=True),
]


@dataclass(frozen=True)
class Source:
    name: str
    folder: str
    table: str
    columns: list[Column]
    description: str
    # SQL over the projected raw columns (alias `r`):
    account_expr: str
    period_expr: str
    billed_cost_expr: str
    currency_expr: str | None
    # decides from the set of snake_cased delivered field names
    recognizes: Callable[[set[str]], bool]
    manifest: str | None = None  # 'cur2' | 'cur' where deliveries come with a manifest
    extra_selects: Callable[[dict[str, str]], list[str]] | None = None
    required_any: tuple[set[str], ...] = field(default_factory=tuple)
    # Impossible rows: (SQL condition over the staged raw columns, column to name, message).
    row_checks: tuple[tuple[str, str, str], ...] = ()

    @property
    def qualified_table(self) -> str:
        return f"raw.{self.table}"


def _period_of(ts_expr: str) -> str:
    return f"strftime({ts_expr}, '%Y-%m')"


def _legacy_cur_maps(fields: dict[str, str]) -> list[str]:
    """`resourceTags/user:team` columns -> map `resource_tags`; extra `product/*` -> map `product`."""
    known = {k for c in AWS_CUR_COLUMNS for k in c.match_keys()}

    def map_of(prefix: str, skip_known: bool) -> str:
        entries = []
        for name, expr in fields.items():
            if not name.startswith(prefix):
                continue
            if skip_known and snake_case(name) in known:
                continue
            key = quote_literal(name[len(prefix) :])
            entries.append(f"{{'k': {key}, 'v': nullif(cast({expr} as varchar), '')}}")
        if not entries:
            return "map()::map(varchar, varchar)"
        items = "[" + ", ".join(entries) + "]"
        return (
            f"map_from_entries(list_transform(list_filter({items}, lambda e: e.v is not null), "
            f"lambda e: {{'key': e.k, 'value': e.v}}))::map(varchar, varchar)"
        )

    return [
        f"{map_of('resourceTags/', False)} as resource_tags",
        f"{map_of('costCategory/', False)} as cost_category",
        f"{map_of('product/', True)} as product",
    ]


_NEGATIVE_USAGE = "negative usage quantity on a usage line (credits, refunds and corrections are other line types)"
# Microsoft corrects usage with negative quantities at negative cost (the FOCUS sample has such
# rows): only a negative quantity that costs money is impossible there.
_NEGATIVE_USAGE_CHARGED = "negative usage quantity with a positive cost"
_AWS_NEGATIVE_USAGE = (
    "line_item_line_item_type in ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage') "
    "and line_item_usage_amount < 0",
    "line_item_usage_amount",
    _NEGATIVE_USAGE,
)


def _gcp_label_keys_unique(column: str) -> tuple[str, str, str]:
    """GCP label keys are unique per resource; one key with two values cannot be attributed."""
    pairs = f'try(json_transform({column}, \'[{{"key": "VARCHAR", "value": "VARCHAR"}}]\'))'
    return (
        f"len(list_distinct(list_transform({pairs}, lambda e: e.key))) "
        f"< len(list_distinct({pairs}))",
        column,
        "the same label key appears twice with different values",
    )


def _has(*names: str) -> Callable[[set[str]], bool]:
    return lambda fields: all(n in fields for n in names)


SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            name="aws_cur2",
            folder="aws",
            table="aws_cur2_line_items",
            columns=AWS_CUR2_COLUMNS,
            description="AWS Data Exports CUR 2.0 line items (Parquet, manifest per period)",
            account_expr="r.bill_payer_account_id",
            period_expr=_period_of("r.bill_billing_period_start_date"),
            billed_cost_expr="r.line_item_unblended_cost",
            currency_expr="r.line_item_currency_code",
            recognizes=lambda f: "line_item_unblended_cost" in f and "resource_tags" in f,
            manifest="cur2",
            row_checks=(_AWS_NEGATIVE_USAGE,),
        ),
        Source(
            name="aws_cur",
            folder="aws",
            table="aws_cur_line_items",
            columns=AWS_CUR_COLUMNS,
            description="AWS legacy Cost and Usage Report line items (CSV, manifest per assembly)",
            account_expr="r.bill_payer_account_id",
            period_expr=_period_of("r.bill_billing_period_start_date"),
            billed_cost_expr="r.line_item_unblended_cost",
            currency_expr="r.line_item_currency_code",
            recognizes=lambda f: "line_item_unblended_cost" in f and "resource_tags" not in f,
            manifest="cur",
            extra_selects=_legacy_cur_maps,
            row_checks=(_AWS_NEGATIVE_USAGE,),
        ),
        Source(
            name="azure",
            folder="azure",
            table="azure_cost_details",
            columns=AZURE_COLUMNS,
            description="Azure Cost Management cost details (EA or MCA CSV)",
            account_expr="r.billing_account_id",
            period_expr=_period_of("coalesce(r.billing_period_start_date, r.date)"),
            billed_cost_expr="r.cost_in_billing_currency",
            currency_expr="r.billing_currency",
            recognizes=lambda f: (
                "meter_category" in f and ("cost_in_billing_currency" in f or "cost" in f)
            ),
            row_checks=(
                (
                    "lower(charge_type) = 'usage' and quantity < 0 and cost_in_billing_currency > 0",
                    "quantity",
                    _NEGATIVE_USAGE_CHARGED,
                ),
            ),
        ),
        Source(
            name="gcp",
            folder="gcp",
            table="gcp_billing_export",
            columns=GCP_COLUMNS,
            description="Google Cloud billing export (BigQuery extract: NDJSON, Parquet, CSV)",
            account_expr="r.billing_account_id",
            period_expr=(
                "case when regexp_full_match(r.invoice_month, '[0-9]{6}') then "
                "substr(r.invoice_month, 1, 4) || '-' || substr(r.invoice_month, 5, 2) end"
            ),
            billed_cost_expr="r.cost",
            currency_expr="r.currency",
            recognizes=_has("billing_account_id", "cost", "usage_start_time"),
            row_checks=(
                (
                    "coalesce(lower(cost_type), 'regular') = 'regular' and usage_amount < 0",
                    "usage_amount",
                    _NEGATIVE_USAGE,
                ),
                _gcp_label_keys_unique("labels"),
                _gcp_label_keys_unique("project_labels"),
            ),
        ),
        Source(
            name="focus",
            folder="focus",
            table="focus_cost_and_usage",
            columns=FOCUS_COLUMNS,
            description="FOCUS 1.0-1.2 cost and usage rows (CSV, any provider)",
            account_expr="r.billing_account_id",
            period_expr=_period_of("r.billing_period_start"),
            billed_cost_expr="r.billed_cost",
            currency_expr="r.billing_currency",
            recognizes=_has("billed_cost", "charge_period_start", "billing_account_id"),
            row_checks=(
                (
                    "lower(charge_category) = 'usage' and consumed_quantity < 0 "
                    "and billed_cost > 0",
                    "consumed_quantity",
                    _NEGATIVE_USAGE_CHARGED,
                ),
            ),
        ),
        Source(
            name="business_metrics",
            folder="business",
            table="business_metrics",
            columns=BUSINESS_COLUMNS,
            description="Daily business metrics (unit-cost drivers) per team and product",
            account_expr="'business'",
            period_expr=_period_of("r.date"),
            billed_cost_expr="r.metric_value",
            currency_expr=None,
            recognizes=_has("metric_name", "metric_value", "team"),
        ),
    ]
}

# Which sources may live in each landing folder (the folder is the provider, the columns decide).
SOURCES_BY_FOLDER: dict[str, list[Source]] = {}
for _s in SOURCES.values():
    SOURCES_BY_FOLDER.setdefault(_s.folder, []).append(_s)


def recognize(folder: str, field_names: list[str]) -> Source | None:
    keys = {snake_case(n) for n in field_names}
    # Legacy CUR tag columns are many; their presence must not make a file look like CUR 2.0.
    for source in SOURCES_BY_FOLDER.get(folder, []):
        if source.recognizes(keys):
            return source
    return None


def raw_table_ddl(source: Source) -> str:
    cols = [f"{quote_ident(c.name)} {c.type}" for c in source.columns]
    if source.extra_selects is not None:
        cols += [
            "resource_tags map(varchar, varchar)",
            "cost_category map(varchar, varchar)",
            "product map(varchar, varchar)",
        ]
    cols += [
        "_billing_account_id varchar not null",
        "_billing_period varchar not null",
        "_source_file varchar not null",
        "_row_number bigint",
        "_load_id varchar not null",
        "_loaded_at timestamp not null",
    ]
    return f"create table if not exists {source.qualified_table} (\n  " + ",\n  ".join(cols) + "\n)"
