"""Google Cloud SKUs as they appear in the detailed (resource-level) billing export.

`rate` is the price per pricing unit; `units` names the usage unit, the pricing unit and how
many usage units one pricing unit has (hour = 3600 seconds, ...). Flags: fixed (runs every hour
of the resource's life at a constant cost), weekly, cud (covered by the committed use
discount), sud (earns sustained use discounts when not covered), notag. Resource templates:
{team} {n} {project} {zone} {region} {id}.
"""

from __future__ import annotations

from typing import Any

from finops.generate.company import table

SERVICE_IDS = {
    "Compute Engine": "6F81-5844-456A",
    "Kubernetes Engine": "CCD8-9BF1-090E",
    "BigQuery": "24E6-581D-38E5",
    "Cloud Storage": "95FF-2EF5-5EA1",
    "Cloud SQL": "9662-B51E-5089",
    "Vertex AI": "C7E2-9256-1C43",
    "Cloud Run": "152E-C115-5142",
    "Cloud Pub/Sub": "A1E8-BE35-7EBC",
    "Cloud Logging": "5490-F7B7-8DF6",
    "Cloud Memorystore for Redis": "5AF5-2C11-D467",
    "Networking": "E505-1604-58F8",
    "Security Command Center": "F9A4-2B6C-8E01",
}

UNITS = {  # name: (usage unit, pricing unit, usage units per pricing unit)
    "hour": ("seconds", "hour", 3600.0),
    "gib_hour": ("byte-seconds", "gibibyte hour", 3865470566400.0),
    "gib_month": ("byte-seconds", "gibibyte month", 2.8759101e15),
    "gib": ("bytes", "gibibyte", 1073741824.0),
    "tib": ("bytes", "tebibyte", 1099511627776.0),
    "vcpu_s": ("seconds", "vCPU-second", 1.0),
    "count": ("count", "count", 1.0),
}

_SKUS = """
key          | kind     | gran | row_w | spend_w | trend | flags            | service                     | units     | rate     | machine        | sku
# ---- team projects
gce_core     | team     | H    | 14    | 16      | 0     | fixed cud sud    | Compute Engine              | hour      | 0.031611 | n2-standard-8  | N2 Instance Core running in Americas
gce_ram      | team     | H    | 14    | 7       | 0     | fixed cud sud    | Compute Engine              | gib_hour  | 0.004237 | n2-standard-8  | N2 Instance Ram running in Americas
pd           | team     | D    | 6     | 3       | 0     |                  | Compute Engine              | gib_month | 0.04     |                | Storage PD Capacity
gcs          | team     | D    | 7     | 6       | 0.01  |                  | Cloud Storage               | gib_month | 0.026    |                | Standard Storage US Multi-region
bq_analysis  | team     | D    | 5     | 14      | 0.01  | weekly           | BigQuery                    | tib       | 6.25     |                | Analysis
bq_storage   | team     | D    | 4     | 4       | 0     |                  | BigQuery                    | gib_month | 0.02     |                | Active Logical Storage
cloudsql     | team     | H    | 5     | 9       | 0     | fixed            | Cloud SQL                   | hour      | 0.0413   |                | Cloud SQL for PostgreSQL: Zonal - vCPU in Americas
vertex       | team     | H    | 3     | 8       | 0.02  | fixed            | Vertex AI                   | hour      | 0.4025   |                | Vertex AI: Online/Batch Prediction NVIDIA T4 GPU running in Americas
run          | team     | D    | 4     | 2       | 0     | weekly           | Cloud Run                   | vcpu_s    | 0.000024 |                | CPU Allocation Time
pubsub       | team     | D    | 3     | 1       | 0     | weekly           | Cloud Pub/Sub               | tib       | 40.0     |                | Message Delivery Basic
logging      | team     | D    | 3     | 1.5     | 0     |                  | Cloud Logging               | gib       | 0.5      |                | Log Storage cost
memorystore  | team     | H    | 2     | 3       | 0     | fixed            | Cloud Memorystore for Redis | gib_hour  | 0.054    |                | Redis Capacity Standard M2
egress       | team     | D    | 3     | 2       | 0     | weekly           | Networking                  | gib       | 0.12     |                | Network Internet Data Transfer Out from Americas to Americas
# ---- shared GKE project
gke_core     | k8s      | H    | 10    | 10      | 0     | fixed cud        | Compute Engine              | hour      | 0.021811 | e2-standard-16 | E2 Instance Core running in Americas
gke_ram      | k8s      | H    | 10    | 4       | 0     | fixed cud        | Compute Engine              | gib_hour  | 0.002923 | e2-standard-16 | E2 Instance Ram running in Americas
gke_mgmt     | k8s      | H    | 1     | 0.6     | 0     | fixed            | Kubernetes Engine           | hour      | 0.1      |                | Regional Kubernetes Clusters
gke_pd       | k8s      | D    | 3     | 1       | 0     |                  | Compute Engine              | gib_month | 0.1      |                | Balanced PD Capacity
# ---- shared VPC project
nat_uptime   | network  | H    | 2     | 0.5     | 0     | fixed            | Compute Engine              | hour      | 0.0014   |                | Cloud NAT Gateway uptime
nat_data     | network  | D    | 3     | 2       | 0     |                  | Compute Engine              | gib       | 0.045    |                | NAT Gateway: Data processing charge
lb           | network  | H    | 3     | 1.5     | 0     | fixed            | Networking                  | hour      | 0.025    |                | Network Load Balancing: Forwarding Rule Minimum Service Charge in Americas
inter_region | network  | D    | 3     | 2       | 0     | notag            | Networking                  | gib       | 0.05     |                | Network Inter Region Data Transfer Out from Americas to EMEA
# ---- security project
scc          | security | D    | 3     | 2       | 0     |                  | Security Command Center     | count     | 0.0003   |                | Security Command Center Premium: Virtual machine threat detection
audit_logs   | security | D    | 3     | 1.5     | 0     |                  | Cloud Logging               | gib       | 0.5      |                | Log Storage cost
"""

_RESOURCES = """
key          | res_fmt                  | global_fmt
gce_core     | instance-{team}-{n}      | //compute.googleapis.com/projects/{project}/zones/{zone}/instances/{id}
gce_ram      | instance-{team}-{n}      | //compute.googleapis.com/projects/{project}/zones/{zone}/instances/{id}
pd           | disk-{team}-{n}          | //compute.googleapis.com/projects/{project}/zones/{zone}/disks/{id}
gcs          | acme-{team}-bucket-{n}   | //storage.googleapis.com/projects/_/buckets/acme-{team}-bucket-{n}
bq_storage   | {team}_dataset_{n}       | //bigquery.googleapis.com/projects/{project}/datasets/{team}_dataset_{n}
cloudsql     | {team}-pg-{n}            | //cloudsql.googleapis.com/projects/{project}/instances/{team}-pg-{n}
vertex       | endpoint-{team}-{n}      | //aiplatform.googleapis.com/projects/{project}/locations/{region}/endpoints/{id}
run          | {team}-svc-{n}           | //run.googleapis.com/projects/{project}/locations/{region}/services/{team}-svc-{n}
pubsub       | {team}-topic-{n}         | //pubsub.googleapis.com/projects/{project}/topics/{team}-topic-{n}
memorystore  | {team}-redis-{n}         | //redis.googleapis.com/projects/{project}/locations/{region}/instances/{team}-redis-{n}
gke_core     | gke-acme-shared-pool-{n} | //compute.googleapis.com/projects/{project}/zones/{zone}/instances/{id}
gke_ram      | gke-acme-shared-pool-{n} | //compute.googleapis.com/projects/{project}/zones/{zone}/instances/{id}
gke_mgmt     | acme-shared-gke          | //container.googleapis.com/projects/{project}/locations/{region}/clusters/acme-shared-gke
gke_pd       | gke-acme-shared-pvc-{n}  | //compute.googleapis.com/projects/{project}/zones/{zone}/disks/{id}
nat_uptime   | nat-shared-{n}           |
nat_data     | nat-shared-{n}           |
lb           | fr-shared-{n}            |
"""

_FLAGS = ("fixed", "weekly", "cud", "sud", "notag")


def services(kinds: set[str]) -> list[dict[str, Any]]:
    resources = {r["key"]: r for r in table(_RESOURCES)}
    out = []
    for r in table(_SKUS):
        if r["kind"] not in kinds:
            continue
        flags = set(r.pop("flags").split())
        unit, pricing_unit, factor = UNITS[r.pop("units")]
        s: dict[str, Any] = {**r, **{f: f in flags for f in _FLAGS}}
        s.update(resources.get(r["key"], {"res_fmt": "", "global_fmt": ""}))
        s.update(row_w=float(r["row_w"]), spend_w=float(r["spend_w"]), trend=float(r["trend"]),
                 rate=float(r["rate"]), taggable=not s.pop("notag"), unit=unit, pricing_unit=pricing_unit,
                 unit_factor=factor, service_id=SERVICE_IDS[r["service"]])  # fmt: skip
        out.append(s)
    return out
