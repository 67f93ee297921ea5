"""Known optimization opportunities planted in the AWS CUR 2.0 sample (docs/optimization.md).

Every generated month carries, in Acme's CUR 2.0 export, one line per day for each resource
below; none is tagged, so the account owner (seeds/account_owners.csv) owns it. Costs are fixed
numbers, so the expected savings can be derived by hand:

* idle: provisioned resources billed every day with a usage amount of 0;
* previous generation: on-demand instances of a family seeds/instance_generations.csv maps to a
  current one (24 hours a day at the public on-demand rate);
* storage growth: an S3 bucket (the billing-export archive) in the management account, which runs
  no compute, whose daily cost grows by STORAGE_GROWTH per generated month (month index 0 = the
  first generated month).
"""

from __future__ import annotations

from dataclasses import dataclass

from finops.generate.company import table


@dataclass(frozen=True)
class Plant:
    kind: str  # idle | previous_generation | storage_growth
    account_id: str
    owner_team: str
    product_code: str
    usage_type: str
    operation: str
    unit: str
    family: str
    itype: str | None
    resource_id: str
    daily_cost: float  # USD per day (storage_growth: in month index 0)
    daily_amount: float  # usage amount per day (storage_growth: per USD of daily cost)
    description: str


_PLANTS = """
kind                | account      | owner         | product        | usage_type               | operation             | unit  | family          | itype       | resource_id                                                                                | daily_cost | daily_amount | description
idle                | 412345678901 | payments      | AmazonDynamoDB | TimedStorage-ByteHrs     | CommittedThroughput   | GB-Mo | Database Storage |            | arn:aws:dynamodb:us-east-1:412345678901:table/payments-ledger-2019                         | 4.00       | 0            | $4.00 per day provisioned table, no usage
idle                | 489012345678 | analytics     | AWSELB         | LoadBalancerUsage        | LoadBalancing:Application | Hrs | Load Balancer-Application |   | arn:aws:elasticloadbalancing:us-east-1:489012345678:loadbalancer/app/analytics-old/0a1b2c3d | 2.50       | 0            | $2.50 per day load balancer, no traffic
previous_generation | 445678901234 | search        | AmazonEC2      | BoxUsage:m4.xlarge       | RunInstances          | Hrs   | Compute Instance | m4.xlarge  | i-0a4d5e6f7a8b9c0d1                                                                        | 4.80       | 24           | $0.20 per On Demand Linux m4.xlarge Instance Hour
previous_generation | 501234567890 | web           | AmazonEC2      | BoxUsage:c4.2xlarge      | RunInstances          | Hrs   | Compute Instance | c4.2xlarge | i-0c4e5f6a7b8c9d0e2                                                                        | 9.552      | 24           | $0.398 per On Demand Linux c4.2xlarge Instance Hour
previous_generation | 534567890123 | devex         | AmazonEC2      | BoxUsage:t2.large        | RunInstances          | Hrs   | Compute Instance | t2.large   | i-0b2c3d4e5f6a7b8c3                                                                        | 2.2272     | 24           | $0.0928 per On Demand Linux t2.large Instance Hour
storage_growth      | 210987654321 | platform      | AmazonS3       | TimedStorage-ByteHrs     | StandardStorage       | GB-Mo | Storage         |             | acme-billing-archive                                                                       | 5.00       | 1.4492753623 | $0.023 per GB - first 50 TB / month of storage used
"""

PLANTS: tuple[Plant, ...] = tuple(
    Plant(r["kind"], r["account"], r["owner"], r["product"], r["usage_type"], r["operation"],
          r["unit"], r["family"], r["itype"] or None, r["resource_id"], float(r["daily_cost"]),
          float(r["daily_amount"]), r["description"])
    for r in table(_PLANTS)
)  # fmt: skip

# storage_growth: the daily cost of month index i is daily_cost * (1 + STORAGE_GROWTH) ** i
STORAGE_GROWTH = 0.25


def daily_cost(plant: Plant, month_index: int) -> float:
    """The plant's cost per day in a generated month, rounded to the cent like the exports."""
    if plant.kind == "storage_growth":
        return round(plant.daily_cost * (1 + STORAGE_GROWTH) ** month_index, 2)
    return plant.daily_cost
