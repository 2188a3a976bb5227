"""Helm and Kubernetes inputs: rendered manifests (this slice); chart rendering comes later."""

from analyzer.helm.detect import find_manifests, is_manifest_candidate
from analyzer.helm.manifests import scan_manifests

__all__ = ["find_manifests", "is_manifest_candidate", "scan_manifests"]
