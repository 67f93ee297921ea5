"""Output schemas: every column an export writes, in order, and the SQL expression filling it.

The providers' column lists (CUR 2.0 and legacy CUR: AWS docs; EA and MCA: Cost Management
dataset schemas; FOCUS 1.2: the spec, in spec order; GCP: BigQuery detailed export) live here,
in one place, as text tables. Expressions run over an export's narrow `lines` table (alias `l`)
joined to small lookups: `x` the resource, `c` the commitment, `a`/`s` the account or
subscription, `p` the product. `{name}` placeholders are filled per delivery (billing period,
invoice id, ...); `{{` and `}}` are literal braces.
"""

from __future__ import annotations


def _spec(text: str) -> list[tuple[str, ...]]:
    """Rows of a ` | `-separated table; the last column (SQL, may contain `||`) takes the rest."""
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    width = len(lines[0].split(" | "))
    return [tuple(c.strip() for c in ln.split(" | ", width - 1)) for ln in lines[1:]]


# AWS Data Exports, table COST_AND_USAGE_REPORT (all columns, no split cost allocation data).
CUR2_COLUMNS = _spec(
    """
column                                                           | type                  | expression
bill_bill_type                                                   | VARCHAR               | l.bill_type
bill_billing_entity                                              | VARCHAR               | 'AWS'
bill_billing_period_end_date                                     | TIMESTAMP             | {pend}
bill_billing_period_start_date                                   | TIMESTAMP             | {pstart}
bill_invoice_id                                                  | VARCHAR               | {invoice}
bill_invoicing_entity                                            | VARCHAR               | 'Amazon Web Services, Inc.'
bill_payer_account_id                                            | VARCHAR               | {payer}
bill_payer_account_name                                          | VARCHAR               | {payer_name}
cost_category                                                    | MAP(VARCHAR, VARCHAR) | coalesce(x.cost_category, MAP {{}})
discount                                                         | MAP(VARCHAR, DOUBLE)  | CASE WHEN l.lt = 'EdpDiscount' THEN MAP {{'edp_discount': l.cost}} ELSE MAP {{}} END
discount_bundled_discount                                        | DOUBLE                | NULL
discount_total_discount                                          | DOUBLE                | CASE WHEN l.lt = 'EdpDiscount' THEN l.cost END
identity_line_item_id                                            | VARCHAR               | lower(hex(hash({exec_h}, l.rk))) || lower(hex(l.rk))
identity_time_interval                                           | VARCHAR               | strftime(l.t0, '%Y-%m-%dT%H:%M:%SZ') || '/' || strftime(l.t1, '%Y-%m-%dT%H:%M:%SZ')
line_item_availability_zone                                      | VARCHAR               | CASE WHEN x.fixed THEN x.az END
line_item_blended_cost                                           | DOUBLE                | l.cost
line_item_blended_rate                                           | VARCHAR               | {rate_str}
line_item_currency_code                                          | VARCHAR               | 'USD'
line_item_legal_entity                                           | VARCHAR               | {legal}
line_item_line_item_description                                  | VARCHAR               | coalesce(l.descr, x.descr)
line_item_line_item_type                                         | VARCHAR               | l.lt
line_item_net_unblended_cost                                     | DOUBLE                | money(l.cost * CASE WHEN l.lt IN ('Usage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'DiscountedUsage') THEN {net} WHEN l.lt = 'EdpDiscount' THEN 0.0 ELSE 1.0 END)
line_item_net_unblended_rate                                     | VARCHAR               | {net_rate_str}
line_item_normalization_factor                                   | DOUBLE                | CASE WHEN x.fixed AND x.product_code = 'AmazonEC2' THEN 8.0 END
line_item_normalized_usage_amount                                | DOUBLE                | CASE WHEN x.fixed AND x.product_code = 'AmazonEC2' THEN l.amount * 8.0 END
line_item_operation                                              | VARCHAR               | coalesce(l.op, x.operation)
line_item_product_code                                           | VARCHAR               | coalesce(x.product_code, l.pcode)
line_item_resource_id                                            | VARCHAR               | coalesce(x.resource_id, l.resource_id)
line_item_tax_type                                               | VARCHAR               | l.tax_type
line_item_unblended_cost                                         | DOUBLE                | l.cost
line_item_unblended_rate                                         | VARCHAR               | {rate_str}
line_item_usage_account_id                                       | VARCHAR               | l.acct
line_item_usage_account_name                                     | VARCHAR               | a.account_name
line_item_usage_amount                                           | DOUBLE                | round(l.amount, 10)
line_item_usage_end_date                                         | TIMESTAMP             | l.t1
line_item_usage_start_date                                       | TIMESTAMP             | l.t0
line_item_usage_type                                             | VARCHAR               | coalesce(l.utype, x.usage_type)
pricing_currency                                                 | VARCHAR               | 'USD'
pricing_lease_contract_length                                    | VARCHAR               | CASE WHEN c.kind = 'ri' THEN replace(c.term, 'yr', ' yr') END
pricing_offering_class                                           | VARCHAR               | CASE WHEN c.kind = 'ri' THEN c.offering END
pricing_public_on_demand_cost                                    | DOUBLE                | coalesce(l.od_cost, 0.0)
pricing_public_on_demand_rate                                    | VARCHAR               | {od_rate_str}
pricing_purchase_option                                          | VARCHAR               | CASE WHEN l.lt = 'DiscountedUsage' OR l.lt = 'RIFee' THEN c.payment WHEN x.r IS NOT NULL THEN 'OnDemand' END
pricing_rate_code                                                | VARCHAR               | x.rate_code
pricing_rate_id                                                  | VARCHAR               | x.rate_id
pricing_term                                                     | VARCHAR               | CASE WHEN l.lt IN ('DiscountedUsage', 'RIFee') THEN 'Reserved' WHEN x.r IS NOT NULL THEN 'OnDemand' END
pricing_unit                                                     | VARCHAR               | coalesce(x.unit, CASE WHEN l.lt LIKE 'SavingsPlan%Fee' THEN 'Hrs' END)
product                                                          | MAP(VARCHAR, VARCHAR) | coalesce(x.product_map, p.product_map)
product_comment                                                  | VARCHAR               | NULL
product_fee_code                                                 | VARCHAR               | CASE WHEN l.lt = 'Fee' THEN l.pcode END
product_fee_description                                          | VARCHAR               | CASE WHEN l.lt = 'Fee' THEN l.descr END
product_from_location                                            | VARCHAR               | CASE WHEN x.product_code = 'AWSDataTransfer' THEN x.region_name END
product_from_location_type                                       | VARCHAR               | CASE WHEN x.product_code = 'AWSDataTransfer' THEN 'AWS Region' END
product_from_region_code                                         | VARCHAR               | CASE WHEN x.product_code = 'AWSDataTransfer' THEN x.region END
product_instance_family                                          | VARCHAR               | CASE WHEN x.itype IS NOT NULL THEN 'General purpose' END
product_instance_type                                            | VARCHAR               | x.itype
product_instancesku                                              | VARCHAR               | NULL
product_location                                                 | VARCHAR               | x.region_name
product_location_type                                            | VARCHAR               | CASE WHEN x.r IS NOT NULL THEN 'AWS Region' END
product_operation                                                | VARCHAR               | x.operation
product_pricing_unit                                             | VARCHAR               | x.unit
product_product_family                                           | VARCHAR               | x.family
product_region_code                                              | VARCHAR               | x.region
product_servicecode                                              | VARCHAR               | coalesce(x.product_code, l.pcode)
product_sku                                                      | VARCHAR               | x.sku
product_to_location                                              | VARCHAR               | CASE WHEN x.product_code = 'AWSDataTransfer' THEN 'External' END
product_to_location_type                                         | VARCHAR               | CASE WHEN x.product_code = 'AWSDataTransfer' THEN 'Other' END
product_to_region_code                                           | VARCHAR               | NULL
product_usagetype                                                | VARCHAR               | coalesce(l.utype, x.usage_type)
reservation_amortized_upfront_cost_for_usage                     | DOUBLE                | CASE WHEN l.lt = 'DiscountedUsage' THEN money(l.eff * c.upfront_share) END
reservation_amortized_upfront_fee_for_billing_period             | DOUBLE                | CASE WHEN l.lt = 'RIFee' THEN l.f1 END
reservation_availability_zone                                    | VARCHAR               | NULL
reservation_effective_cost                                       | DOUBLE                | CASE WHEN l.lt = 'DiscountedUsage' THEN l.eff END
reservation_end_time                                             | VARCHAR               | CASE WHEN c.kind = 'ri' AND l.lt IN ('DiscountedUsage', 'RIFee') THEN c.end_time END
reservation_modification_status                                  | VARCHAR               | CASE WHEN l.lt = 'RIFee' THEN 'Original' END
reservation_net_amortized_upfront_cost_for_usage                 | DOUBLE                | CASE WHEN l.lt = 'DiscountedUsage' THEN money(l.eff * c.upfront_share * {net}) END
reservation_net_amortized_upfront_fee_for_billing_period         | DOUBLE                | CASE WHEN l.lt = 'RIFee' THEN l.f1 END
reservation_net_effective_cost                                   | DOUBLE                | CASE WHEN l.lt = 'DiscountedUsage' THEN money(l.eff * {net}) END
reservation_net_recurring_fee_for_usage                          | DOUBLE                | CASE WHEN l.lt = 'DiscountedUsage' THEN money((l.eff - money(l.eff * c.upfront_share)) * {net}) END
reservation_net_unused_amortized_upfront_fee_for_billing_period  | DOUBLE                | CASE WHEN l.lt = 'RIFee' THEN l.f2 END
reservation_net_unused_recurring_fee                             | DOUBLE                | CASE WHEN l.lt = 'RIFee' THEN l.f3 END
reservation_net_upfront_value                                    | DOUBLE                | NULL
reservation_normalized_units_per_reservation                     | VARCHAR               | NULL
reservation_number_of_reservations                               | VARCHAR               | CASE WHEN l.lt = 'RIFee' THEN CAST(greatest(1, round(l.amount / {hours}))::BIGINT AS VARCHAR) END
reservation_recurring_fee_for_usage                              | DOUBLE                | CASE WHEN l.lt = 'DiscountedUsage' THEN money(l.eff - money(l.eff * c.upfront_share)) END
reservation_reservation_a_r_n                                    | VARCHAR               | CASE WHEN l.lt IN ('DiscountedUsage', 'RIFee') THEN c.arn END
reservation_start_time                                           | VARCHAR               | CASE WHEN c.kind = 'ri' AND l.lt IN ('DiscountedUsage', 'RIFee') THEN c.start_time END
reservation_subscription_id                                      | VARCHAR               | CASE WHEN l.lt IN ('DiscountedUsage', 'RIFee') THEN c.subscription_id END
reservation_total_reserved_normalized_units                      | VARCHAR               | NULL
reservation_total_reserved_units                                 | VARCHAR               | CASE WHEN l.lt = 'RIFee' THEN CAST(round(l.amount, 2) AS VARCHAR) END
reservation_units_per_reservation                                | VARCHAR               | NULL
reservation_unused_amortized_upfront_fee_for_billing_period      | DOUBLE                | CASE WHEN l.lt = 'RIFee' THEN l.f2 END
reservation_unused_normalized_unit_quantity                      | DOUBLE                | NULL
reservation_unused_quantity                                      | DOUBLE                | CASE WHEN l.lt = 'RIFee' THEN round(l.f4, 6) END
reservation_unused_recurring_fee                                 | DOUBLE                | CASE WHEN l.lt = 'RIFee' THEN l.f3 END
reservation_upfront_value                                        | DOUBLE                | CASE WHEN l.lt = 'RIFee' THEN money(l.f1 * 12 * c.term_years) END
resource_tags                                                    | MAP(VARCHAR, VARCHAR) | coalesce(x.tags_map, MAP {{}})
savings_plan_amortized_upfront_commitment_for_billing_period     | DOUBLE                | CASE WHEN l.lt = 'SavingsPlanRecurringFee' THEN l.f3 END
savings_plan_end_time                                            | VARCHAR               | CASE WHEN c.kind = 'sp' AND l.lt LIKE 'SavingsPlan%' THEN c.end_time END
savings_plan_instance_type_family                                | VARCHAR               | CASE WHEN c.kind = 'sp' AND l.lt LIKE 'SavingsPlan%' THEN c.family END
savings_plan_net_amortized_upfront_commitment_for_billing_period | DOUBLE                | CASE WHEN l.lt = 'SavingsPlanRecurringFee' THEN l.f3 END
savings_plan_net_recurring_commitment_for_billing_period         | DOUBLE                | CASE WHEN l.lt = 'SavingsPlanRecurringFee' THEN l.f4 END
savings_plan_net_savings_plan_effective_cost                     | DOUBLE                | CASE WHEN l.lt = 'SavingsPlanCoveredUsage' THEN money(l.eff * {net}) END
savings_plan_offering_type                                       | VARCHAR               | CASE WHEN c.kind = 'sp' AND l.lt LIKE 'SavingsPlan%' THEN c.offering END
savings_plan_payment_option                                      | VARCHAR               | CASE WHEN c.kind = 'sp' AND l.lt LIKE 'SavingsPlan%' THEN c.payment END
savings_plan_purchase_term                                       | VARCHAR               | CASE WHEN c.kind = 'sp' AND l.lt LIKE 'SavingsPlan%' THEN c.term END
savings_plan_recurring_commitment_for_billing_period             | DOUBLE                | CASE WHEN l.lt = 'SavingsPlanRecurringFee' THEN l.f4 END
savings_plan_region                                              | VARCHAR               | CASE WHEN c.kind = 'sp' AND l.lt LIKE 'SavingsPlan%' THEN c.region END
savings_plan_savings_plan_a_r_n                                  | VARCHAR               | CASE WHEN c.kind = 'sp' AND l.lt LIKE 'SavingsPlan%' THEN c.arn END
savings_plan_savings_plan_effective_cost                         | DOUBLE                | CASE WHEN l.lt = 'SavingsPlanCoveredUsage' THEN l.eff END
savings_plan_savings_plan_rate                                   | DOUBLE                | CASE WHEN l.lt = 'SavingsPlanCoveredUsage' THEN money(l.rate * (1 - c.discount)) END
savings_plan_start_time                                          | VARCHAR               | CASE WHEN c.kind = 'sp' AND l.lt LIKE 'SavingsPlan%' THEN c.start_time END
savings_plan_total_commitment_to_date                            | DOUBLE                | CASE WHEN l.lt = 'SavingsPlanRecurringFee' THEN l.f1 END
savings_plan_used_commitment                                     | DOUBLE                | CASE WHEN l.lt = 'SavingsPlanRecurringFee' THEN l.f2 END
"""
)

# AWS legacy CUR: `category/name`, the manifest's column type, expression.
_LEGACY = _spec(
    """
column                                                 | manifest_type      | expression
identity/LineItemId                                    | String             | lower(hex(hash({exec_h}, l.rk))) || lower(hex(l.rk))
identity/TimeInterval                                  | Interval           | strftime(l.t0, '%Y-%m-%dT%H:%M:%SZ') || '/' || strftime(l.t1, '%Y-%m-%dT%H:%M:%SZ')
bill/InvoiceId                                         | String             | {invoice}
bill/InvoicingEntity                                   | String             | {invoicing_entity}
bill/BillingEntity                                     | String             | 'AWS'
bill/BillType                                          | String             | l.bill_type
bill/PayerAccountId                                    | String             | {payer}
bill/BillingPeriodStartDate                            | DateTime           | strftime({pstart}, '%Y-%m-%dT%H:%M:%SZ')
bill/BillingPeriodEndDate                              | DateTime           | strftime({pend}, '%Y-%m-%dT%H:%M:%SZ')
lineItem/UsageAccountId                                | String             | l.acct
lineItem/LineItemType                                  | String             | l.lt
lineItem/UsageStartDate                                | DateTime           | strftime(l.t0, '%Y-%m-%dT%H:%M:%SZ')
lineItem/UsageEndDate                                  | DateTime           | strftime(l.t1, '%Y-%m-%dT%H:%M:%SZ')
lineItem/ProductCode                                   | String             | coalesce(x.product_code, l.pcode)
lineItem/UsageType                                     | String             | coalesce(l.utype, x.usage_type)
lineItem/Operation                                     | String             | coalesce(l.op, x.operation)
lineItem/AvailabilityZone                              | String             | CASE WHEN x.fixed THEN x.az END
lineItem/ResourceId                                    | String             | coalesce(x.resource_id, l.resource_id)
lineItem/UsageAmount                                   | BigDecimal         | CAST(l.amount AS DECIMAL(24, 10))
lineItem/NormalizationFactor                           | OptionalBigDecimal | CASE WHEN x.fixed AND x.product_code = 'AmazonEC2' THEN 8 END
lineItem/NormalizedUsageAmount                         | OptionalBigDecimal | CASE WHEN x.fixed AND x.product_code = 'AmazonEC2' THEN CAST(l.amount * 8 AS DECIMAL(24, 10)) END
lineItem/CurrencyCode                                  | String             | 'USD'
lineItem/UnblendedRate                                 | OptionalBigDecimal | CAST(l.rate AS DECIMAL(24, 10))
lineItem/UnblendedCost                                 | BigDecimal         | CAST(l.cost AS DECIMAL(24, 10))
lineItem/BlendedRate                                   | OptionalBigDecimal | CAST(l.rate AS DECIMAL(24, 10))
lineItem/BlendedCost                                   | BigDecimal         | CAST(l.cost AS DECIMAL(24, 10))
lineItem/LineItemDescription                           | String             | coalesce(l.descr, x.descr)
lineItem/TaxType                                       | String             | l.tax_type
lineItem/LegalEntity                                   | String             | {legal}
product/ProductName                                    | String             | coalesce(x.product_name, p.product_name)
product/instanceType                                   | String             | x.itype
product/location                                       | String             | x.region_name
product/locationType                                   | String             | CASE WHEN x.r IS NOT NULL THEN 'AWS Region' END
product/operation                                      | String             | x.operation
product/productFamily                                  | String             | x.family
product/region                                         | String             | x.region
product/servicecode                                    | String             | coalesce(x.product_code, l.pcode)
product/sku                                            | String             | x.sku
product/usagetype                                      | String             | coalesce(l.utype, x.usage_type)
pricing/LeaseContractLength                            | String             | CASE WHEN c.kind = 'ri' THEN replace(c.term, 'yr', ' yr') END
pricing/OfferingClass                                  | String             | CASE WHEN c.kind = 'ri' THEN c.offering END
pricing/PurchaseOption                                 | String             | CASE WHEN l.lt IN ('DiscountedUsage', 'RIFee') THEN c.payment WHEN x.r IS NOT NULL THEN 'OnDemand' END
pricing/RateCode                                       | String             | x.rate_code
pricing/RateId                                         | String             | x.rate_id
pricing/currency                                       | String             | 'USD'
pricing/publicOnDemandCost                             | BigDecimal         | CAST(coalesce(l.od_cost, 0) AS DECIMAL(24, 10))
pricing/publicOnDemandRate                             | BigDecimal         | CAST(coalesce(l.od_rate, 0) AS DECIMAL(24, 10))
pricing/term                                           | String             | CASE WHEN l.lt IN ('DiscountedUsage', 'RIFee') THEN 'Reserved' WHEN x.r IS NOT NULL THEN 'OnDemand' END
pricing/unit                                           | String             | x.unit
reservation/AmortizedUpfrontCostForUsage               | OptionalBigDecimal | CASE WHEN l.lt = 'DiscountedUsage' THEN CAST(money(l.eff * c.upfront_share) AS DECIMAL(24, 10)) END
reservation/AmortizedUpfrontFeeForBillingPeriod        | OptionalBigDecimal | CASE WHEN l.lt = 'RIFee' THEN CAST(l.f1 AS DECIMAL(24, 10)) END
reservation/EffectiveCost                              | OptionalBigDecimal | CASE WHEN l.lt = 'DiscountedUsage' THEN CAST(l.eff AS DECIMAL(24, 10)) END
reservation/EndTime                                    | OptionalString     | CASE WHEN l.lt IN ('DiscountedUsage', 'RIFee') THEN c.end_time END
reservation/ModificationStatus                         | OptionalString     | CASE WHEN l.lt = 'RIFee' THEN 'Original' END
reservation/NumberOfReservations                       | OptionalString     | CASE WHEN l.lt = 'RIFee' THEN CAST(greatest(1, round(l.amount / {hours}))::BIGINT AS VARCHAR) END
reservation/RecurringFeeForUsage                       | OptionalBigDecimal | CASE WHEN l.lt = 'DiscountedUsage' THEN CAST(money(l.eff - money(l.eff * c.upfront_share)) AS DECIMAL(24, 10)) END
reservation/ReservationARN                             | OptionalString     | CASE WHEN l.lt IN ('DiscountedUsage', 'RIFee') THEN c.arn END
reservation/StartTime                                  | OptionalString     | CASE WHEN l.lt IN ('DiscountedUsage', 'RIFee') THEN c.start_time END
reservation/SubscriptionId                             | OptionalString     | CASE WHEN l.lt IN ('DiscountedUsage', 'RIFee') THEN c.subscription_id END
reservation/TotalReservedUnits                         | OptionalString     | CASE WHEN l.lt = 'RIFee' THEN CAST(round(l.amount, 2) AS VARCHAR) END
reservation/UnusedAmortizedUpfrontFeeForBillingPeriod  | OptionalBigDecimal | CASE WHEN l.lt = 'RIFee' THEN CAST(l.f2 AS DECIMAL(24, 10)) END
reservation/UnusedQuantity                             | OptionalBigDecimal | CASE WHEN l.lt = 'RIFee' THEN CAST(l.f4 AS DECIMAL(24, 10)) END
reservation/UnusedRecurringFee                         | OptionalBigDecimal | CASE WHEN l.lt = 'RIFee' THEN CAST(l.f3 AS DECIMAL(24, 10)) END
reservation/UpfrontValue                               | OptionalBigDecimal | CASE WHEN l.lt = 'RIFee' THEN CAST(money(l.f1 * 12 * c.term_years) AS DECIMAL(24, 10)) END
savingsPlan/SavingsPlanARN                             | OptionalString     | NULL
savingsPlan/SavingsPlanEffectiveCost                   | OptionalBigDecimal | NULL
savingsPlan/SavingsPlanRate                            | OptionalBigDecimal | NULL
savingsPlan/TotalCommitmentToDate                      | OptionalBigDecimal | NULL
savingsPlan/UsedCommitment                             | OptionalBigDecimal | NULL
savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod | OptionalBigDecimal | NULL
savingsPlan/RecurringCommitmentForBillingPeriod        | OptionalBigDecimal | NULL
resourceTags/aws:createdBy                             | OptionalString     | x.created_by
resourceTags/user:Team                                 | OptionalString     | x.tag_Team
resourceTags/user:cost-center                          | OptionalString     | x.tag_cost_center
resourceTags/user:environment                          | OptionalString     | x.tag_environment
resourceTags/user:owner-team                           | OptionalString     | x.tag_owner_team
resourceTags/user:product                              | OptionalString     | x.tag_product
resourceTags/user:team                                 | OptionalString     | x.tag_team
"""
)

# Azure cost details, EA (schema 2024-08-01, 57 columns).
EA_COLUMNS = _spec(
    """
column                     | expression
InvoiceSectionName         | s.department
AccountName                | s.ea_account_name
AccountOwnerId             | s.owner_email
SubscriptionId             | l.sub
SubscriptionName           | s.sub_name
ResourceGroup              | x.resource_group
ResourceLocation           | x.resource_location
Date                       | strftime(l.d, '%m/%d/%Y')
ProductName                | coalesce(l.product, x.product_name)
MeterCategory              | coalesce(l.meter_category, x.meter_category)
MeterSubCategory           | x.meter_subcategory
MeterId                    | x.meter_id
MeterName                  | x.meter_name
MeterRegion                | x.meter_region
UnitOfMeasure              | coalesce(l.unit, x.unit)
Quantity                   | CAST(l.qty AS DECIMAL(24, 10))
EffectivePrice             | CAST(l.eff_price AS DECIMAL(24, 10))
CostInBillingCurrency      | CAST(l.cost AS DECIMAL(24, 10))
CostCenter                 | s.cost_center
ConsumedService            | x.consumed_service
ResourceId                 | coalesce(x.resource_id, l.resource_id)
Tags                       | x.tags_ea
OfferId                    | 'MS-AZR-0017P'
AdditionalInfo             | nullif(x.additional_info, '')
ServiceInfo1               | NULL
ServiceInfo2               | NULL
ResourceName               | coalesce(x.resource_name, l.resource_name)
ReservationId              | CASE WHEN c.kind = 'ri' THEN c.benefit_leaf END
ReservationName            | CASE WHEN c.kind = 'ri' THEN c.name END
UnitPrice                  | CAST(l.unit_price AS DECIMAL(24, 10))
ProductOrderId             | c.order_id
ProductOrderName           | c.order_name
Term                       | CASE WHEN l.charge_type = 'Purchase' AND c.key IS NOT NULL THEN c.term_months END
PublisherType              | coalesce(l.publisher_type, 'Azure')
PublisherName              | coalesce(l.publisher_name, 'Microsoft')
ChargeType                 | l.charge_type
Frequency                  | l.frequency
PricingModel               | l.pricing_model
AvailabilityZone           | NULL
BillingAccountId           | {ba_id}
BillingAccountName         | {ba_name}
BillingCurrencyCode        | 'USD'
BillingPeriodStartDate     | strftime({pstart}, '%m/%d/%Y')
BillingPeriodEndDate       | strftime({plast}, '%m/%d/%Y')
BillingProfileId           | {ba_id}
BillingProfileName         | {ba_name}
InvoiceSectionId           | s.invoice_section_id
IsAzureCreditEligible      | CASE WHEN l.publisher_type = 'Marketplace' THEN 'False' ELSE 'True' END
PartNumber                 | x.part_number
PayGPrice                  | CAST(l.payg_price AS DECIMAL(24, 10))
PlanName                   | CASE WHEN l.publisher_type = 'Marketplace' THEN l.product END
ServiceFamily              | coalesce(l.family, x.service_family)
CostAllocationRuleName     | NULL
benefitId                  | c.benefit_id
benefitName                | c.name
AccountId                  | s.ea_account_id
ResourceLocationNormalized | x.location_name
"""
)

# Azure cost details, MCA (schema 2023-12-01-preview, 65 columns).
MCA_COLUMNS = _spec(
    """
column                       | expression
invoiceId                    | {invoice}
previousInvoiceId            | NULL
billingAccountId             | {ba_id}
billingAccountName           | {ba_name}
billingProfileId             | {profile}
billingProfileName           | 'Acme Corp US'
invoiceSectionId             | s.invoice_section_id
invoiceSectionName           | s.department
resellerName                 | NULL
resellerMpnId                | NULL
costCenter                   | s.cost_center
billingPeriodEndDate         | strftime({plast}, '%m/%d/%Y')
billingPeriodStartDate       | strftime({pstart}, '%m/%d/%Y')
servicePeriodEndDate         | strftime({plast}, '%m/%d/%Y')
servicePeriodStartDate       | strftime({pstart}, '%m/%d/%Y')
date                         | strftime(l.d, '%m/%d/%Y')
serviceFamily                | coalesce(l.family, x.service_family)
productOrderId               | c.order_id
productOrderName             | c.order_name
consumedService              | x.consumed_service
meterId                      | x.meter_id
meterName                    | x.meter_name
meterCategory                | coalesce(l.meter_category, x.meter_category)
meterSubCategory             | x.meter_subcategory
meterRegion                  | x.meter_region
ProductId                    | x.product_id
ProductName                  | coalesce(l.product, x.product_name)
SubscriptionId               | l.sub
subscriptionName             | s.sub_name
publisherType                | coalesce(l.publisher_type, 'Microsoft')
publisherId                  | NULL
publisherName                | coalesce(l.publisher_name, 'Microsoft')
resourceGroupName            | x.resource_group
ResourceId                   | coalesce(x.resource_id, l.resource_id)
resourceLocation             | x.location
location                     | x.location_name
effectivePrice               | CAST(l.eff_price AS DECIMAL(24, 10))
quantity                     | CAST(l.qty AS DECIMAL(24, 10))
unitOfMeasure                | coalesce(l.unit, x.unit)
chargeType                   | l.charge_type
billingCurrency              | 'USD'
pricingCurrency              | 'USD'
costInBillingCurrency        | CAST(l.cost AS DECIMAL(24, 10))
costInPricingCurrency        | CAST(l.cost AS DECIMAL(24, 10))
costInUsd                    | CAST(l.cost AS DECIMAL(24, 10))
paygCostInBillingCurrency    | CAST(l.payg_cost AS DECIMAL(24, 10))
paygCostInUsd                | CAST(l.payg_cost AS DECIMAL(24, 10))
exchangeRatePricingToBilling | 1
exchangeRateDate             | strftime({pstart}, '%m/%d/%Y')
isAzureCreditEligible        | 'True'
serviceInfo1                 | NULL
serviceInfo2                 | NULL
additionalInfo               | nullif(x.additional_info, '')
tags                         | x.tags_json
PayGPrice                    | CAST(l.payg_price AS DECIMAL(24, 10))
frequency                    | l.frequency
term                         | CASE WHEN l.charge_type = 'Purchase' AND c.key IS NOT NULL THEN c.term_months END
reservationId                | CASE WHEN c.kind = 'ri' THEN c.benefit_leaf END
reservationName              | CASE WHEN c.kind = 'ri' THEN c.name END
pricingModel                 | l.pricing_model
unitPrice                    | CAST(l.unit_price AS DECIMAL(24, 10))
costAllocationRuleName       | NULL
benefitId                    | c.benefit_id
benefitName                  | c.name
provider                     | 'Azure'
"""
)

# FOCUS 1.2, the 57 columns in specification order.
FOCUS_COLUMNS = _spec(
    """
column                             | expression
AvailabilityZone                   | NULL
BilledCost                         | CAST(l.billed AS DECIMAL(24, 10))
BillingAccountId                   | {ba_id}
BillingAccountName                 | {ba_name}
BillingAccountType                 | 'Billing Profile'
BillingCurrency                    | 'EUR'
BillingPeriodEnd                   | strftime({pend}, '%Y-%m-%dT%H:%M:%SZ')
BillingPeriodStart                 | strftime({pstart}, '%Y-%m-%dT%H:%M:%SZ')
CapacityReservationId              | NULL
CapacityReservationStatus          | NULL
ChargeCategory                     | l.category
ChargeClass                        | NULL
ChargeDescription                  | coalesce(l.descr, x.meter_name || ' - ' || x.product_name)
ChargeFrequency                    | l.frequency
ChargePeriodEnd                    | strftime(l.t1, '%Y-%m-%dT%H:%M:%SZ')
ChargePeriodStart                  | strftime(l.t0, '%Y-%m-%dT%H:%M:%SZ')
CommitmentDiscountCategory         | CASE WHEN l.cm IS NOT NULL THEN 'Usage' END
CommitmentDiscountId               | c.benefit_id
CommitmentDiscountName             | c.name
CommitmentDiscountQuantity         | CASE WHEN l.status IS NOT NULL THEN CAST(l.qty AS DECIMAL(24, 10)) END
CommitmentDiscountStatus           | l.status
CommitmentDiscountType             | CASE WHEN l.cm IS NOT NULL THEN 'Reservation' END
CommitmentDiscountUnit             | CASE WHEN l.status IS NOT NULL THEN 'Hours' END
ConsumedQuantity                   | CASE WHEN l.category = 'Usage' THEN CAST(l.qty AS DECIMAL(24, 10)) END
ConsumedUnit                       | CASE WHEN l.category = 'Usage' THEN coalesce(u.focus_unit, 'Hours') END
ContractedCost                     | CAST(l.contracted AS DECIMAL(24, 10))
ContractedUnitPrice                | CAST(l.contracted_price AS DECIMAL(24, 10))
EffectiveCost                      | CAST(l.effective AS DECIMAL(24, 10))
InvoiceId                          | {invoice}
InvoiceIssuerName                  | 'Microsoft'
ListCost                           | CAST(l.list AS DECIMAL(24, 10))
ListUnitPrice                      | CAST(l.list_price AS DECIMAL(24, 10))
PricingCategory                    | l.pricing_category
PricingCurrency                    | 'USD'
PricingCurrencyContractedUnitPrice | CAST(round(l.contracted_price * {usd_per_eur}, 10) AS DECIMAL(24, 10))
PricingCurrencyEffectiveCost       | CAST(round(l.effective * {usd_per_eur}, 10) AS DECIMAL(24, 10))
PricingCurrencyListUnitPrice       | CAST(round(l.list_price * {usd_per_eur}, 10) AS DECIMAL(24, 10))
PricingQuantity                    | CAST(l.qty AS DECIMAL(24, 10))
PricingUnit                        | coalesce(u.focus_unit, l.unit)
ProviderName                       | 'Microsoft'
PublisherName                      | 'Microsoft'
RegionId                           | x.location
RegionName                         | x.location_name
ResourceId                         | lower(coalesce(x.resource_id, l.resource_id))
ResourceName                       | coalesce(x.resource_name, l.resource_name)
ResourceType                       | coalesce(x.resource_type, l.resource_type)
ServiceCategory                    | coalesce(x.focus_category, l.service_category)
ServiceName                        | coalesce(x.focus_service, l.service_name)
ServiceSubcategory                 | coalesce(x.focus_subcategory, l.service_subcategory)
SkuId                              | x.product_id
SkuMeter                           | x.meter_name
SkuPriceDetails                    | CASE WHEN x.additional_info <> '' THEN '{{"CoreCount": ' || (x.additional_info::JSON ->> 'VCPUs') || '}}' END
SkuPriceId                         | x.meter_id
SubAccountId                       | l.sub
SubAccountName                     | s.sub_name
SubAccountType                     | CASE WHEN l.sub IS NOT NULL THEN 'Subscription' END
Tags                               | x.tags_json
"""
)

# GCP detailed export fields, as NDJSON and Parquet extracts nest them.
GCP_NESTED = _spec(
    """
column                   | expression
billing_account_id       | {ba_id}
service                  | {{'id': l.service_id, 'description': l.service}}
sku                      | {{'id': l.sku_id, 'description': l.sku}}
usage_start_time         | {ts0}
usage_end_time           | {ts1}
project                  | CASE WHEN l.project IS NOT NULL THEN {{'id': l.project, 'number': p.number, 'name': p.name, 'labels': p.labels, 'ancestry_numbers': p.ancestry}} END
labels                   | coalesce(x.labels, []::STRUCT(key VARCHAR, value VARCHAR)[])
system_labels            | coalesce(x.system_labels, []::STRUCT(key VARCHAR, value VARCHAR)[])
location                 | {{'location': coalesce(x.region, p.region), 'country': 'US', 'region': coalesce(x.region, p.region), 'zone': x.zone}}
resource                 | {{'name': coalesce(x.resource_name, l.resource_name), 'global_name': coalesce(x.global_name, l.global_name)}}
export_time              | {ts_export}
cost                     | l.cost
currency                 | 'USD'
currency_conversion_rate | 1.0::DOUBLE
usage                    | {{'amount': round(l.amount, 6), 'unit': l.unit, 'amount_in_pricing_units': round(l.amount_pu, 10), 'pricing_unit': l.pricing_unit}}
credits                  | l.credits
invoice                  | {{'month': {invoice_month}}}
cost_type                | l.cost_type
adjustment_info          | l.adjustment
cost_at_list             | l.cost_at_list
transaction_type         | 'GOOGLE'
seller_name              | 'Google'
price                    | {{'effective_price': round(l.price, 10), 'tier_start_amount': 0.0::DOUBLE, 'unit': l.pricing_unit, 'pricing_unit_quantity': 1.0::DOUBLE}}
"""
)

# GCP flattened CSV: dotted names, repeated fields as JSON arrays (over the nested row).
GCP_FLAT = _spec(
    """
column                        | expression
billing_account_id            | billing_account_id
service.id                    | service.id
service.description           | service.description
sku.id                        | sku.id
sku.description               | sku.description
usage_start_time              | usage_start_time
usage_end_time                | usage_end_time
project.id                    | project.id
project.number                | project.number
project.name                  | project.name
project.labels                | CAST(to_json(project.labels) AS VARCHAR)
project.ancestry_numbers      | project.ancestry_numbers
labels                        | CAST(to_json(labels) AS VARCHAR)
system_labels                 | CAST(to_json(system_labels) AS VARCHAR)
location.location             | location.location
location.country              | location.country
location.region               | location.region
location.zone                 | location.zone
resource.name                 | resource.name
resource.global_name          | resource.global_name
export_time                   | export_time
cost                          | CAST(cost AS DECIMAL(24, 10))
currency                      | currency
currency_conversion_rate      | currency_conversion_rate
usage.amount                  | usage.amount
usage.unit                    | usage.unit
usage.amount_in_pricing_units | usage.amount_in_pricing_units
usage.pricing_unit            | usage.pricing_unit
credits                       | CAST(to_json(credits) AS VARCHAR)
invoice.month                 | invoice.month
cost_type                     | cost_type
adjustment_info.id            | adjustment_info.id
adjustment_info.description   | adjustment_info.description
adjustment_info.mode          | adjustment_info.mode
adjustment_info.type          | adjustment_info.type
cost_at_list                  | CAST(cost_at_list AS DECIMAL(24, 10))
transaction_type              | transaction_type
seller_name                   | seller_name
price.effective_price         | price.effective_price
price.tier_start_amount       | price.tier_start_amount
price.unit                    | price.unit
price.pricing_unit_quantity   | price.pricing_unit_quantity
"""
)

LEGACY_COLUMNS: list[tuple[str, str, str, str]] = [
    (*col.split("/", 1), typ, expr) for col, typ, expr in _LEGACY
]  # (category, name, manifest type, expression)
LEGACY_HEADER = [col for col, _, _ in _LEGACY]
