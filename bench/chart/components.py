"""What the generated data-plane chart is made of: its components (one Deployment and its
companions each), its maintenance CronJobs and the RBAC rules they need. Plain data; the
templates in ``templates.py`` turn each entry into chart files."""
from __future__ import annotations

from dataclasses import dataclass

CHART_NAME = "dataplane"
CHART_VERSION = "1.4.0"
APP_VERSION = "2024.11.3"

# (apiGroups, resources, verbs) of one RBAC rule
Rule = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]

READ_CONFIG: Rule = (("",), ("configmaps", "secrets"), ("get", "list", "watch"))
LEADER_ELECTION: Rule = (("coordination.k8s.io",), ("leases",), ("get", "create", "update"))
EVENTS: Rule = (("",), ("events",), ("create", "patch"))
PODS: Rule = (("",), ("pods", "pods/log"), ("get", "list", "watch", "create", "delete"))
JOBS: Rule = (("batch",), ("jobs",), ("get", "list", "watch", "create", "delete"))


@dataclass(frozen=True)
class Component:
    name: str  # kebab-case; folder under templates/ and suffix of every object name
    key: str  # key under .Values.components
    repository: str
    port: int
    replicas: int
    endpoint: bool  # its ConfigMap (and env) names the control-plane endpoint
    rules: tuple[Rule, ...]


COMPONENTS: tuple[Component, ...] = (
    Component("operator", "operator", "union/operator", 8080, 2, True, (READ_CONFIG, LEADER_ELECTION, EVENTS)),
    Component("propeller", "propeller", "union/propeller", 8088, 3, True, (READ_CONFIG, LEADER_ELECTION, PODS)),
    Component("webhook", "webhook", "union/webhook", 9443, 2, False, (READ_CONFIG,)),
    Component("proxy", "proxy", "union/proxy", 8089, 2, True, (READ_CONFIG, EVENTS)),
    Component("executor", "executor", "union/executor", 8090, 2, True, (READ_CONFIG, PODS, JOBS)),
    Component("dataproxy", "dataproxy", "union/dataproxy", 8091, 2, False, (READ_CONFIG,)),
    Component("sync-resources", "syncResources", "union/clusterresourcesync", 8092, 2, True,
              (READ_CONFIG, LEADER_ELECTION)),
    Component("scheduler", "scheduler", "union/scheduler", 8093, 2, False, (READ_CONFIG, LEADER_ELECTION, JOBS)),
    Component("image-builder", "imageBuilder", "union/image-builder", 8094, 2, False, (READ_CONFIG, PODS)),
)

# The files each component gets under templates/<component>/.
COMPONENT_FILES = ("deployment.yaml", "service.yaml", "serviceaccount.yaml", "configmap.yaml",
                   "storage-config.yaml", "rbac.yaml", "pdb.yaml")


@dataclass(frozen=True)
class CronJob:
    name: str
    key: str  # key under .Values.cronjobs.jobs
    schedule: str
    args: tuple[str, ...]


CRONJOBS: tuple[CronJob, ...] = (
    CronJob("artifact-gc", "artifactGc", "17 3 * * *", ("gc", "artifacts", "--older-than=720h")),
    CronJob("log-compaction", "logCompaction", "*/30 * * * *", ("logs", "compact")),
    CronJob("cache-prune", "cachePrune", "0 */6 * * *", ("cache", "prune", "--keep=48h")),
    CronJob("metrics-rollup", "metricsRollup", "5 * * * *", ("metrics", "rollup", "--window=1h")),
    CronJob("cert-rotation", "certRotation", "0 4 * * 0", ("certs", "rotate")),
    CronJob("usage-report", "usageReport", "30 1 * * *", ("usage", "report", "--upload")),
    CronJob("orphan-pod-cleanup", "orphanPodCleanup", "*/15 * * * *", ("pods", "cleanup", "--orphaned")),
    CronJob("storage-inventory", "storageInventory", "0 2 * * *", ("storage", "inventory")),
    CronJob("quota-sync", "quotaSync", "*/10 * * * *", ("quota", "sync")),
    CronJob("secret-refresh", "secretRefresh", "0 */12 * * *", ("secrets", "refresh")),
    CronJob("execution-archive", "executionArchive", "45 2 * * *", ("executions", "archive", "--older-than=2160h")),
    CronJob("heartbeat", "heartbeat", "*/5 * * * *", ("heartbeat",)),
)

# fluent-bit files under templates/fluentbit/, and the maintenance files next to the CronJobs.
FLUENTBIT_FILES = ("daemonset.yaml", "serviceaccount.yaml", "clusterrole.yaml", "clusterrolebinding.yaml",
                   "service.yaml", "configmap-main.yaml", "configmap-inputs.yaml", "configmap-filters.yaml",
                   "configmap-outputs.yaml", "configmap-parsers.yaml")
MAINTENANCE_FILES = ("serviceaccount.yaml", "role.yaml", "rolebinding.yaml")

# Chart-wide objects directly under templates/.
CLUSTER_FILES = ("priorityclass.yaml", "networkpolicy-default-deny.yaml", "networkpolicy-control-plane.yaml",
                 "resourcequota.yaml", "limitrange.yaml", "clusterrole.yaml", "clusterrolebinding.yaml",
                 "secret-auth.yaml", "webhook-configuration.yaml", "servicemonitor.yaml", "ingress.yaml",
                 "hpa.yaml")

# Manifest templates (templates/**/*.yaml), besides _helpers.tpl and NOTES.txt: the issue's
# "chart with 100 templates".
TEMPLATE_COUNT = (len(COMPONENTS) * len(COMPONENT_FILES) + len(FLUENTBIT_FILES) + len(CRONJOBS)
                  + len(MAINTENANCE_FILES) + len(CLUSTER_FILES))
