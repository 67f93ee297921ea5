"""AWS services as they appear in CUR line items: product codes, usage types, units, rates.

`row_w` is a service's share of the resources (hence rows) of an account kind, `spend_w` its
share of the billing account's spend. `fixed` services (instances) bill one hour per row at the
resource's hourly rate; the others bill `cost / rate` units. Flags: fixed, weekly (weekday
pattern), sp / ri (Savings Plan / reservation eligible), legacy (also in the acquired
subsidiary's legacy CUR), notag (cannot carry tags).
Resource-id templates: {region} {acct} {team} {n} {h13} {h16} {h17} {h32} {uuid}.
"""

from __future__ import annotations

from typing import Any

from finops.generate.company import table

REGIONS = {
    # code: (usage-type prefix, location, availability zone)
    "us-east-1": ("", "US East (N. Virginia)", "us-east-1a"),
    "us-west-2": ("USW2-", "US West (Oregon)", "us-west-2b"),
    "eu-west-1": ("EU-", "EU (Ireland)", "eu-west-1a"),
    "eu-central-1": ("EUC1-", "EU (Frankfurt)", "eu-central-1a"),
}

PRODUCT_NAMES = {
    "AmazonEC2": "Amazon Elastic Compute Cloud",
    "AmazonRDS": "Amazon Relational Database Service",
    "AmazonS3": "Amazon Simple Storage Service",
    "AWSLambda": "AWS Lambda",
    "AmazonDynamoDB": "Amazon DynamoDB",
    "AmazonElastiCache": "Amazon ElastiCache",
    "AmazonCloudFront": "Amazon CloudFront",
    "AmazonCloudWatch": "AmazonCloudWatch",
    "AmazonSageMaker": "Amazon SageMaker",
    "AmazonRedshift": "Amazon Redshift",
    "AmazonKinesis": "Amazon Kinesis",
    "AWSQueueService": "Amazon Simple Queue Service",
    "AmazonSNS": "Amazon Simple Notification Service",
    "AWSGlue": "AWS Glue",
    "AmazonAthena": "Amazon Athena",
    "AmazonECR": "Amazon EC2 Container Registry (ECR)",
    "awskms": "AWS Key Management Service",
    "AmazonRoute53": "Amazon Route 53",
    "AWSDataTransfer": "AWS Data Transfer",
    "AmazonVPC": "Amazon Virtual Private Cloud",
    "AmazonEKS": "Amazon Elastic Container Service for Kubernetes",
    "AWSELB": "Elastic Load Balancing",
    "AmazonGuardDuty": "Amazon GuardDuty",
    "AWSSecurityHub": "AWS Security Hub",
    "AWSConfig": "AWS Config",
    "AWSCloudTrail": "AWS CloudTrail",
    "ComputeSavingsPlans": "Savings Plans for AWS Compute usage",
    "AWSSupportEnterprise": "AWS Support (Enterprise)",
    "AWSSupportBusiness": "AWS Support (Business)",
}

_SERVICES = """
key             | kind     | gran | row_w | spend_w | trend | flags             | product_code      | usage_fmt                   | operation                 | unit                      | family                             | rate         | itypes
# ---- team accounts
ec2             | team     | H    | 30    | 24      | 0.004 | fixed sp legacy   | AmazonEC2         | BoxUsage:{itype}            | RunInstances              | Hrs                       | Compute Instance                   | 0            | m5.xlarge m6i.2xlarge c6g.2xlarge r6i.xlarge m7g.large t3.large c7i.4xlarge
ebs             | team     | D    | 8     | 4       | 0     | legacy            | AmazonEC2         | EBS:VolumeUsage.gp3         | CreateVolume-Gp3          | GB-Mo                     | Storage                            | 0.08         |
ebs_snap        | team     | D    | 3     | 1       | 0     |                   | AmazonEC2         | EBS:SnapshotUsage           | CreateSnapshot            | GB-Mo                     | Storage Snapshot                   | 0.05         |
rds             | team     | H    | 10    | 12      | 0     | fixed ri legacy   | AmazonRDS         | InstanceUsage:{itype}       | CreateDBInstance:0014     | Hrs                       | Database Instance                  | 0            | db.r6g.xlarge db.r6g.2xlarge db.m6g.large db.r7g.4xlarge
rds_storage     | team     | D    | 3     | 2       | 0     | legacy            | AmazonRDS         | RDS:GP3-Storage             | CreateDBInstance:0014     | GB-Mo                     | Database Storage                   | 0.115        |
s3              | team     | D    | 8     | 6       | 0.01  | legacy            | AmazonS3          | TimedStorage-ByteHrs        | StandardStorage           | GB-Mo                     | Storage                            | 0.023        |
s3_req          | team     | D    | 4     | 1       | 0     | weekly            | AmazonS3          | Requests-Tier1              | PutObject                 | Requests                  | API Request                        | 0.000005     |
lambda          | team     | D    | 4     | 1.2     | 0     | weekly sp legacy  | AWSLambda         | Lambda-GB-Second            | Invoke                    | Lambda-GB-Second          | Serverless                         | 0.0000166667 |
dynamodb        | team     | D    | 3     | 2       | 0     | weekly            | AmazonDynamoDB    | ReadCapacityUnit-Hrs        | CommittedThroughput       | ReadCapacityUnit-Hrs      | Provisioned IOPS                   | 0.00013      |
elasticache     | team     | H    | 4     | 3       | 0     | fixed             | AmazonElastiCache | NodeUsage:{itype}           | CreateCacheCluster:0002   | Hrs                       | Cache Instance                     | 0            | cache.r6g.large cache.m6g.xlarge
cloudfront      | team     | D    | 2     | 2       | 0     | weekly legacy     | AmazonCloudFront  | US-DataTransfer-Out-Bytes   | GET                       | GB                        | Data Transfer                      | 0.085        |
cloudwatch      | team     | D    | 4     | 2       | 0     |                   | AmazonCloudWatch  | DataProcessing-Bytes        | PutLogEvents              | GB                        | Data Payload                       | 0.5          |
sagemaker       | team     | H    | 3     | 4       | 0.02  | fixed             | AmazonSageMaker   | Host:{itype}                | RunInstance               | Hrs                       | ML Instance                        | 0            | ml.g5.2xlarge ml.m5.xlarge ml.p3.2xlarge
redshift        | team     | H    | 1.5   | 3       | 0     | fixed             | AmazonRedshift    | Node:{itype}                | RunComputeNode:0001       | Hrs                       | Compute Instance                   | 0            | ra3.xlplus ra3.4xlarge
kinesis         | team     | H    | 1.5   | 1       | 0     | fixed             | AmazonKinesis     | Storage-ShardHour           | shardHourStorage          | ShardHour                 | Kinesis Streams                    | 0            |
sqs             | team     | D    | 2     | 0.3     | 0     | weekly legacy     | AWSQueueService   | Requests-RBP                | GetQueueAttributes        | Requests                  | API Request                        | 0.0000004    |
sns             | team     | D    | 1     | 0.2     | 0     |                   | AmazonSNS         | Requests-Tier1              | Publish                   | Requests                  | API Request                        | 0.0000005    |
glue            | team     | D    | 1     | 0.8     | 0     |                   | AWSGlue           | ETL-DPU-Hour                | Jobrun                    | DPU-Hour                  | AWS Glue                           | 0.44         |
athena          | team     | D    | 1     | 0.5     | 0     | weekly            | AmazonAthena      | DataScannedInTB             | RunQuery                  | Terabytes                 | Athena Queries                     | 5.0          |
ecr             | team     | D    | 1     | 0.2     | 0     |                   | AmazonECR         | TimedStorage-ByteHrs        | StoreImage                | GB-Mo                     | EC2 Container Registry             | 0.1          |
kms             | team     | D    | 1     | 0.1     | 0     |                   | awskms            | KMS-Keys                    | CreateKey                 | Keys                      | Encryption Key                     | 0.0333333333 |
route53         | team     | D    | 0.5   | 0.1     | 0     |                   | AmazonRoute53     | DNS-Queries                 | Query                     | Queries                   | DNS Query                          | 0.0000004    |
dt_regional     | team     | D    | 3     | 1.5     | 0     | legacy            | AWSDataTransfer   | DataTransfer-Regional-Bytes | InterZone-In              | GB                        | Data Transfer                      | 0.01         |
dt_out          | team     | D    | 2     | 1.5     | 0     | weekly legacy     | AWSDataTransfer   | DataTransfer-Out-Bytes      | RunInstances              | GB                        | Data Transfer                      | 0.09         |
# ---- shared networking account
nat_hours       | network  | H    | 3     | 1.5     | 0     | fixed legacy      | AmazonEC2         | NatGateway-Hours            | NatGateway                | Hrs                       | NAT Gateway                        | 0            |
nat_bytes       | network  | H    | 3     | 3       | 0     | legacy            | AmazonEC2         | NatGateway-Bytes            | NatGateway                | GB                        | NAT Gateway                        | 0.045        |
tgw_att         | network  | H    | 3     | 1.5     | 0     | fixed             | AmazonVPC         | TransitGateway-Hours        | TransitGatewayVPC         | hour                      | Transit Gateway                    | 0            |
tgw_bytes       | network  | H    | 3     | 2.5     | 0     |                   | AmazonVPC         | TransitGateway-Bytes        | TransitGatewayVPC         | GigaBytes                 | Transit Gateway                    | 0.02         |
vpce            | network  | H    | 1     | 0.5     | 0     | fixed             | AmazonVPC         | VpcEndpoint-Hours           | VpcEndpoint               | Hrs                       | VpcEndpoint                        | 0            |
dt_inter_region | network  | D    | 1     | 1       | 0     | notag legacy      | AWSDataTransfer   | USE1-USW2-AWS-Out-Bytes     | InterRegion               | GB                        | Data Transfer                      | 0.02         |
# ---- shared Kubernetes account
eks_cluster     | k8s      | H    | 1     | 0.4     | 0     | fixed             | AmazonEKS         | AmazonEKS-Hours:perCluster  | CreateOperation           | Hours                     | Compute                            | 0            |
ec2_nodes       | k8s      | H    | 10    | 9       | 0.006 | fixed sp          | AmazonEC2         | BoxUsage:{itype}            | RunInstances              | Hrs                       | Compute Instance                   | 0            | m6i.4xlarge m6i.8xlarge c6i.4xlarge
ebs_nodes       | k8s      | D    | 2     | 1       | 0     |                   | AmazonEC2         | EBS:VolumeUsage.gp3         | CreateVolume-Gp3          | GB-Mo                     | Storage                            | 0.08         |
elb             | k8s      | H    | 2     | 1       | 0     | fixed             | AWSELB            | LoadBalancerUsage           | LoadBalancing:Application | Hrs                       | Load Balancer-Application          | 0            |
# ---- shared security accounts
guardduty       | security | D    | 2     | 1.2     | 0     |                   | AmazonGuardDuty   | PaidEventsAnalyzed          | AnalyzeEvents             | Events                    | Security Services                  | 0.000004     |
securityhub     | security | D    | 1.5   | 0.6     | 0     |                   | AWSSecurityHub    | PaidComplianceCheck         | BatchImportFindings       | Checks                    | Security Services                  | 0.001        |
config          | security | D    | 1.5   | 0.5     | 0     |                   | AWSConfig         | ConfigurationItemRecorded   | PutConfigurationRecorder  | ConfigurationItemRecorded | Management Tools - AWS Config      | 0.003        |
cloudtrail      | security | D    | 1     | 0.4     | 0     |                   | AWSCloudTrail     | PaidEventsRecorded          | PutEventSelectors         | Events                    | Management Tools - AWS CloudTrail  | 0.00001      |
s3_logs         | security | D    | 2     | 1.5     | 0.01  |                   | AmazonS3          | TimedStorage-ByteHrs        | StandardStorage           | GB-Mo                     | Storage                            | 0.023        |
"""

_TEXTS = """
key             | desc_fmt                                                                                         | res_fmt
ec2             | ${rate} per On Demand Linux {itype} Instance Hour                                                | i-{h17}
ebs             | $0.08 per GB-month of General Purpose (gp3) provisioned storage                                  | vol-{h17}
ebs_snap        | $0.05 per GB-Month of snapshot data stored                                                       | arn:aws:ec2:{region}:{acct}:snapshot/snap-{h17}
rds             | ${rate} per RDS {itype} instance hour (or partial hour) running PostgreSQL                       | arn:aws:rds:{region}:{acct}:db:{team}-pg-{n}
rds_storage     | $0.115 per GB-month of provisioned GP3 storage                                                   | arn:aws:rds:{region}:{acct}:db:{team}-pg-{n}
s3              | $0.023 per GB - first 50 TB / month of storage used                                              | acme-{team}-data-{n}
s3_req          | $0.005 per 1,000 PUT, COPY, POST, or LIST requests                                               | acme-{team}-data-{n}
lambda          | AWS Lambda - Total Compute                                                                       | arn:aws:lambda:{region}:{acct}:function:{team}-fn-{n}
dynamodb        | $0.00013 per hour for units of read capacity for a month                                         | arn:aws:dynamodb:{region}:{acct}:table/{team}-table-{n}
elasticache     | ${rate} per {itype} Redis node hour                                                              | arn:aws:elasticache:{region}:{acct}:cluster:{team}-redis-{n}
cloudfront      | $0.085 per GB - first 10 TB / month data transfer out (United States)                            | arn:aws:cloudfront::{acct}:distribution/E{h13}
cloudwatch      | $0.50 per GB custom log data ingested                                                            | arn:aws:logs:{region}:{acct}:log-group:/aws/{team}/app-{n}
sagemaker       | ${rate} per Hosting {itype} hour                                                                 | arn:aws:sagemaker:{region}:{acct}:endpoint/{team}-endpoint-{n}
redshift        | ${rate} per {itype} node-hour (or partial hour)                                                  | arn:aws:redshift:{region}:{acct}:cluster:{team}-dw-{n}
kinesis         | ${rate} per shard hour                                                                           | arn:aws:kinesis:{region}:{acct}:stream/{team}-events-{n}
sqs             | $0.40 per million Amazon SQS standard requests                                                   | arn:aws:sqs:{region}:{acct}:{team}-queue-{n}
sns             | $0.50 per 1 million Amazon SNS requests                                                          | arn:aws:sns:{region}:{acct}:{team}-topic-{n}
glue            | $0.44 per DPU-Hour for each Apache Spark or Spark Streaming job                                  | arn:aws:glue:{region}:{acct}:job/{team}-etl-{n}
athena          | $5.00 per Terabytes for DataScannedInTB                                                          | arn:aws:athena:{region}:{acct}:workgroup/{team}
ecr             | $0.10 per GB-month of data storage                                                               | arn:aws:ecr:{region}:{acct}:repository/{team}/app-{n}
kms             | $1 per customer-managed key per month                                                            | arn:aws:kms:{region}:{acct}:key/{uuid}
route53         | $0.40 per 1,000,000 queries for the first 1 Billion queries                                      | arn:aws:route53:::hostedzone/Z{h13}
dt_regional     | $0.010 per GB - regional data transfer - in/out/between EC2 AZs                                  | i-{h17}
dt_out          | $0.090 per GB - first 10 TB / month data transfer out beyond the global free tier                | i-{h17}
nat_hours       | ${rate} per NAT Gateway Hour                                                                     | arn:aws:ec2:{region}:{acct}:natgateway/nat-{h17}
nat_bytes       | $0.045 per GB Data Processed by NAT Gateways                                                     | arn:aws:ec2:{region}:{acct}:natgateway/nat-{h17}
tgw_att         | ${rate} per TransitGateway attachment-hour (or partial hour)                                     | arn:aws:ec2:{region}:{acct}:transit-gateway-attachment/tgw-attach-{h17}
tgw_bytes       | $0.02 per GB - data processed by Transit Gateway                                                 | arn:aws:ec2:{region}:{acct}:transit-gateway-attachment/tgw-attach-{h17}
vpce            | ${rate} per VPC Endpoint Hour                                                                    | arn:aws:ec2:{region}:{acct}:vpc-endpoint/vpce-{h17}
dt_inter_region | $0.020 per GB - US East (Northern Virginia) data transfer to US West (Oregon)                    |
eks_cluster     | ${rate} per hour per Amazon EKS cluster                                                          | arn:aws:eks:{region}:{acct}:cluster/acme-shared-{n}
ec2_nodes       | ${rate} per On Demand Linux {itype} Instance Hour                                                | i-{h17}
ebs_nodes       | $0.08 per GB-month of General Purpose (gp3) provisioned storage                                  | vol-{h17}
elb             | ${rate} per Application LoadBalancer-hour (or partial hour)                                      | arn:aws:elasticloadbalancing:{region}:{acct}:loadbalancer/app/k8s-ingress-{n}/{h16}
guardduty       | $4.00 per million CloudTrail events analyzed                                                     | arn:aws:guardduty:{region}:{acct}:detector/{h32}
securityhub     | $0.0010 per security check                                                                       | arn:aws:securityhub:{region}:{acct}:hub/default
config          | $0.003 per Configuration Item recorded                                                           | arn:aws:config:{region}:{acct}:config-recorder/default
cloudtrail      | $0.10 per 100,000 management events recorded                                                     | arn:aws:cloudtrail:{region}:{acct}:trail/org-trail
s3_logs         | $0.023 per GB - first 50 TB / month of storage used                                              | acme-logs-{n}
"""

_FLAGS = ("fixed", "weekly", "sp", "ri", "legacy", "notag")


def services(legacy: bool) -> list[dict[str, Any]]:
    """The catalog of the CUR 2.0 payer, or (legacy=True) the acquired subsidiary's smaller one."""
    texts = {r["key"]: r for r in table(_TEXTS)}
    out = []
    for r in table(_SERVICES):
        flags = set(r.pop("flags").split())
        s: dict[str, Any] = {**r, **{f: f in flags for f in _FLAGS}, **texts[r["key"]]}
        s.update(row_w=float(r["row_w"]), spend_w=float(r["spend_w"]), trend=float(r["trend"]),
                 rate=float(r["rate"]), itypes=r["itypes"].split(), taggable=not s.pop("notag"))  # fmt: skip
        if legacy:
            if not s["legacy"]:
                continue
            # the subsidiary covers EC2 with reserved instances, not Savings Plans, and has no RDS RIs
            s["sp"], s["ri"] = False, s["key"] == "ec2"
        out.append(s)
    return out


# Commitments. `share` is the share of eligible resources the commitment covers; a commitment
# started `started_months_before` the first generated month (negative: bought during the window).
_COMMITMENTS = """
ba       | key | kind | share | discount | upfront_share | offering                | payment         | term | family | region                | started_months_before
aws_cur2 | sp1 | sp   | 0.45  | 0.28     | 0.0           | ComputeSavingsPlans     | No Upfront      | 3yr  |        |                       | 10
aws_cur2 | sp2 | sp   | 0.20  | 0.38     | 0.5           | EC2InstanceSavingsPlans | Partial Upfront | 1yr  | m6i    | US East (N. Virginia) | -1
aws_cur2 | ri1 | ri   | 0.60  | 0.35     | 0.5           | convertible             | Partial Upfront | 3yr  |        |                       | 7
aws_cur  | ri1 | ri   | 0.50  | 0.30     | 0.5           | standard                | Partial Upfront | 3yr  |        |                       | 9
"""


def commitments(ba_key: str) -> list[dict[str, Any]]:
    out = []
    for r in table(_COMMITMENTS):
        if r.pop("ba") == ba_key:
            r.update(share=float(r["share"]), discount=float(r["discount"]),
                     upfront_share=float(r["upfront_share"]), started_months_before=int(r["started_months_before"]),
                     family=r["family"] or None, region=r["region"] or None)  # fmt: skip
            out.append(r)
    return out
