"""Azure meters as they appear in cost details (and, mapped, in Microsoft's FOCUS export).

Rows are daily. `fixed` meters bill 24 hours a day per resource (quantity 24, price = the day's
cost / 24); the others bill `cost / rate` units. Flags: fixed, weekly (weekday pattern), ri / sp
(reservation / savings plan eligible), notag. `path` is the tail of the ARM resource id
({name}: the resource's name, {team}: its team). FOCUS columns: ServiceName, ServiceCategory,
ServiceSubcategory, ResourceType. {region} in a product name is the meter region.
"""

from __future__ import annotations

from typing import Any

from finops.generate.company import table

REGIONS = {
    # code: (display name, meter region, ResourceLocation as EA writes it)
    "eastus": ("East US", "US East", "EastUS"),
    "eastus2": ("East US 2", "US East 2", "EastUS2"),
    "westus2": ("West US 2", "US West 2", "WestUS2"),
    "westeurope": ("West Europe", "EU West", "WestEurope"),
}

_METERS = """
key          | kind     | row_w | spend_w | trend | flags        | meter_category               | meter_subcategory              | meter_name                                   | unit       | consumed_service                  | service_family            | rate
vm           | team     | 20    | 26      | 0.005 | fixed ri sp  | Virtual Machines             | Dsv5 Series                    | D4s v5                                       | 1 Hour     | Microsoft.Compute                 | Compute                   | 0.192
disk         | team     | 10    | 5       | 0     |              | Storage                      | Premium SSD Managed Disks      | P30 LRS Disk                                 | 1/Month    | Microsoft.Compute                 | Storage                   | 135.17
blob         | team     | 8     | 6       | 0.01  |              | Storage                      | Tiered Block Blob              | Hot LRS Data Stored                          | 1 GB/Month | Microsoft.Storage                 | Storage                   | 0.0184
sql          | team     | 6     | 14      | 0     | fixed        | SQL Database                 | General Purpose - Compute Gen5 | vCore                                        | 1 Hour     | Microsoft.Sql                     | Databases                 | 0.2522
appservice   | team     | 6     | 7       | 0     | fixed        | Azure App Service            | Premium v3 Plan                | P1 v3 App                                    | 1 Hour     | Microsoft.Web                     | Compute                   | 0.169
cosmos       | team     | 4     | 6       | 0     | weekly       | Azure Cosmos DB              | Azure Cosmos DB                | 100 RU/s                                     | 100/Hour   | Microsoft.DocumentDB              | Databases                 | 0.008
redis        | team     | 2     | 3       | 0     | fixed        | Redis Cache                  | Premium                        | P1 Cache Instance                            | 1 Hour     | Microsoft.Cache                   | Databases                 | 0.554
loganalytics | team     | 4     | 3       | 0     | weekly       | Log Analytics                | Analytics Logs                 | Analytics Logs Data Ingestion                | 1 GB       | Microsoft.OperationalInsights     | Management and Governance | 2.30
keyvault     | team     | 3     | 0.3     | 0     | weekly       | Key Vault                    | Standard                       | Operations                                   | 10K        | Microsoft.KeyVault                | Security                  | 0.03
bandwidth    | team     | 3     | 1.5     | 0     | weekly       | Bandwidth                    | Inter-Region                   | Intra Continent Data Transfer Out            | 1 GB       | Microsoft.Network                 | Networking                | 0.02
aml          | team     | 3     | 8       | 0.02  | fixed sp     | Virtual Machines             | NCasT4 v3 Series               | NC8as T4 v3                                  | 1 Hour     | Microsoft.MachineLearningServices | Compute                   | 0.752
aks_nodes    | k8s      | 12    | 14      | 0     | fixed ri     | Virtual Machines             | Dsv5 Series                    | D8s v5                                       | 1 Hour     | Microsoft.Compute                 | Compute                   | 0.384
aks_uptime   | k8s      | 1     | 0.5     | 0     | fixed        | Azure Kubernetes Service     | Standard                       | Standard Uptime SLA                          | 1 Hour     | Microsoft.ContainerService        | Compute                   | 0.10
aks_disk     | k8s      | 3     | 1.5     | 0     |              | Storage                      | Premium SSD Managed Disks      | P10 LRS Disk                                 | 1/Month    | Microsoft.Compute                 | Storage                   | 19.71
aks_lb       | k8s      | 2     | 1       | 0     | weekly       | Load Balancer                | Standard                       | Standard Data Processed                      | 1 GB       | Microsoft.Network                 | Networking                | 0.005
firewall     | network  | 2     | 3       | 0     | fixed        | Azure Firewall               | Premium                        | Premium Deployment                           | 1 Hour     | Microsoft.Network                 | Networking                | 1.75
vpngw        | network  | 2     | 1.5     | 0     | fixed        | VPN Gateway                  | VpnGw2                         | VpnGw2                                       | 1 Hour     | Microsoft.Network                 | Networking                | 0.49
publicip     | network  | 3     | 0.3     | 0     | fixed        | Virtual Network              | IP Addresses                   | Standard IPv4 Static Public IP               | 1 Hour     | Microsoft.Network                 | Networking                | 0.005
interregion  | network  | 3     | 2       | 0     | notag        | Bandwidth                    | Inter-Region                   | Inter Continent Data Transfer Out - NAM or EU | 1 GB      | Microsoft.Network                 | Networking                | 0.05
sentinel     | security | 3     | 3       | 0     |              | Sentinel                     | Analysis                       | Pay-as-you-go Analysis                       | 1 GB       | Microsoft.OperationalInsights     | Security                  | 2.46
defender     | security | 3     | 2       | 0     |              | Microsoft Defender for Cloud | Standard                       | Standard Node                                | 1/Day      | Microsoft.Security                | Security                  | 0.5
"""

_TEXTS = """
key          | product_name                                                       | path                                                                | name_fmt
vm           | Virtual Machines Dsv5 Series - D4s v5 - {region}                   | Microsoft.Compute/virtualMachines/{name}                            | vm-{team}-{n}
disk         | Premium SSD Managed Disks - P30 - LRS - {region}                   | Microsoft.Compute/disks/{name}                                      | disk-{team}-{n}
blob         | Blob Storage - Hot - LRS                                           | Microsoft.Storage/storageAccounts/{name}                            | st{team}{n}
sql          | SQL Database Single/Elastic Pool General Purpose - Compute Gen5 - {region} | Microsoft.Sql/servers/sql-{team}/databases/{name}           | db-{team}-{n}
appservice   | Azure App Service Premium v3 Plan - Linux - {region}               | Microsoft.Web/serverFarms/{name}                                    | asp-{team}-{n}
cosmos       | Azure Cosmos DB - RU/s - {region}                                  | Microsoft.DocumentDB/databaseAccounts/{name}                        | cosmos-{team}-{n}
redis        | Azure Redis Cache Premium - {region}                               | Microsoft.Cache/Redis/{name}                                        | redis-{team}-{n}
loganalytics | Log Analytics - Analytics Logs                                     | Microsoft.OperationalInsights/workspaces/{name}                     | log-{team}
keyvault     | Key Vault - Standard                                               | Microsoft.KeyVault/vaults/{name}                                    | kv-{team}-{n}
bandwidth    | Rtn Preference: MGN                                                | Microsoft.Compute/virtualMachines/{name}                            | vm-{team}-{n}
aml          | Virtual Machines NCasT4 v3 Series - NC8as T4 v3 - {region}         | Microsoft.MachineLearningServices/workspaces/mlw-{team}/computes/{name} | gpu-{team}-{n}
aks_nodes    | Virtual Machines Dsv5 Series - D8s v5 - {region}                   | Microsoft.Compute/virtualMachineScaleSets/{name}                    | aks-nodepool1-{n}-vmss
aks_uptime   | Azure Kubernetes Service - Standard                                | Microsoft.ContainerService/managedClusters/{name}                   | aks-shared-{n}
aks_disk     | Premium SSD Managed Disks - P10 - LRS - {region}                   | Microsoft.Compute/disks/{name}                                      | aks-osdisk-{n}
aks_lb       | Load Balancer - Standard                                           | Microsoft.Network/loadBalancers/{name}                              | kubernetes-{n}
firewall     | Azure Firewall - Premium                                           | Microsoft.Network/azureFirewalls/{name}                             | afw-hub-{n}
vpngw        | VPN Gateway - VpnGw2                                               | Microsoft.Network/virtualNetworkGateways/{name}                     | vgw-hub-{n}
publicip     | IP Addresses - Standard                                            | Microsoft.Network/publicIPAddresses/{name}                          | pip-hub-{n}
interregion  | Rtn Preference: MGN                                                | Microsoft.Network/virtualNetworks/{name}                            | vnet-hub-{n}
sentinel     | Sentinel - Analysis                                                | Microsoft.OperationalInsights/workspaces/{name}                     | log-sentinel-{n}
defender     | Microsoft Defender for Servers - Plan 2                            | Microsoft.Security/pricings/{name}                                  | VirtualMachines
"""

# key | FOCUS ServiceName | ServiceCategory | ServiceSubcategory | ResourceType | AdditionalInfo
_FOCUS = """
key          | focus_service                | focus_category            | focus_subcategory             | resource_type             | additional_info
vm           | Virtual Machines             | Compute                   | Virtual Machines              | Virtual machine           | {"ServiceType":"Standard_D4s_v5","VCPUs":4,"UsageType":"ComputeHR"}
disk         | Storage                      | Storage                   | Block Storage                 | Disk                      |
blob         | Storage Accounts             | Storage                   | Object Storage                | Storage account           |
sql          | Azure SQL Database           | Databases                 | Relational Databases          | SQL database              |
appservice   | Azure App Service            | Compute                   | Serverless Compute            | App Service plan          |
cosmos       | Azure Cosmos DB              | Databases                 | NoSQL Databases               | Azure Cosmos DB account   |
redis        | Azure Cache for Redis        | Databases                 | Caching                       | Azure Cache for Redis     |
loganalytics | Log Analytics                | Management and Governance | Observability                 | Log Analytics workspace   |
keyvault     | Key Vault                    | Security                  | Secret Management             | Key vault                 |
bandwidth    | Bandwidth                    | Networking                | Network Connectivity          | Virtual machine           |
aml          | Azure Machine Learning       | AI and Machine Learning   | Machine Learning              | Machine learning compute  | {"ServiceType":"Standard_NC8as_T4_v3","VCPUs":8,"UsageType":"ComputeHR"}
aks_nodes    | Virtual Machines             | Compute                   | Virtual Machines              | Virtual machine scale set | {"ServiceType":"Standard_D8s_v5","VCPUs":8,"UsageType":"ComputeHR"}
aks_uptime   | Azure Kubernetes Service     | Compute                   | Containers                    | Kubernetes service        |
aks_disk     | Storage                      | Storage                   | Block Storage                 | Disk                      |
aks_lb       | Load Balancer                | Networking                | Network Infrastructure        | Load balancer             |
firewall     | Azure Firewall               | Networking                | Network Security              | Firewall                  |
vpngw        | VPN Gateway                  | Networking                | Network Connectivity          | Virtual network gateway   |
publicip     | Virtual Network              | Networking                | Network Infrastructure        | Public IP address         |
interregion  | Bandwidth                    | Networking                | Network Connectivity          | Virtual network           |
sentinel     | Microsoft Sentinel           | Security                  | Security Posture Management   | Log Analytics workspace   |
defender     | Microsoft Defender for Cloud | Security                  | Threat Detection and Response | Defender plan             |
"""

_FLAGS = ("fixed", "weekly", "ri", "sp", "notag")


def services(kinds: set[str], exclude: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    texts = {r["key"]: r for r in table(_TEXTS)}
    focus = {r["key"]: r for r in table(_FOCUS)}
    out = []
    for r in table(_METERS):
        if r["kind"] not in kinds or r["key"] in exclude:
            continue
        flags = set(r.pop("flags").split())
        s: dict[str, Any] = {
            **r,
            **{f: f in flags for f in _FLAGS},
            **texts[r["key"]],
            **focus[r["key"]],
        }
        s.update(gran="D", row_w=float(r["row_w"]), spend_w=float(r["spend_w"]), trend=float(r["trend"]),
                 rate=float(r["rate"]), taggable=not s.pop("notag"), provider_path=s.pop("path"))  # fmt: skip
        out.append(s)
    return out
