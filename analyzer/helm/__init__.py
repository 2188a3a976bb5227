"""Helm and Kubernetes inputs: rendered manifests and chart sources (rendered offline)."""

from analyzer.helm.charts import DEFAULT_NAMESPACE, DEFAULT_RELEASE, ChartOptions, find_charts, scan_chart
from analyzer.helm.detect import RefusedManifest, find_manifest_files, find_manifests, is_manifest_candidate
from analyzer.helm.manifests import scan_manifest_text, scan_manifests

__all__ = ["DEFAULT_NAMESPACE", "DEFAULT_RELEASE", "ChartOptions", "RefusedManifest", "find_charts",
           "find_manifest_files", "find_manifests", "is_manifest_candidate", "scan_chart", "scan_manifest_text",
           "scan_manifests"]
