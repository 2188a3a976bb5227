"""Generator of a realistic data-plane Helm chart with 100 manifest templates: nine components
(Deployment, Service, IRSA/Workload Identity ServiceAccount, ConfigMap, storage ConfigMap
rendered through ``tpl``, RBAC, PodDisruptionBudget each), fluent-bit (DaemonSet, RBAC, classic
config ConfigMaps), twelve maintenance CronJobs and chart-wide policy objects, with helpers in
``_helpers.tpl`` building image references from values, a ``values.yaml`` and per-cloud
``values-aws/gcp/azure.yaml`` overrides. Deterministic: no randomness at all.

Layout: ``components`` (data), ``helpers`` (Chart.yaml, _helpers.tpl, NOTES.txt),
``templates`` (per component and CronJob), ``fluentbit``, ``cluster``, ``values``,
``generate`` (writing the chart)."""
from __future__ import annotations

from .components import CHART_NAME, TEMPLATE_COUNT
from .generate import ChartStats, chart_files, generate_chart

__all__ = ["CHART_NAME", "TEMPLATE_COUNT", "ChartStats", "chart_files", "generate_chart"]
