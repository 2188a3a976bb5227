"""Image findings (CKV_RES_7, and CKV_RES_1 for the own registry in another region) point at the
exact `image:` line: of a rendered manifest, or of the chart template that writes it; for a template
line built from values (`{{ .Values.image.repository }}:{{ .Values.image.tag }}`), the values lines
that set it (values.yaml, -f files, --set) follow in the evidence."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.helm.charts import _LineMap
from tests.conftest import FIXTURES

CHART = FIXTURES / "helm" / "charts" / "image_lines"
RENDERED = FIXTURES / "helm" / "image_lines_rendered" / "image_lines.yaml"
OWN_ECR = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/worker"


def scan(monkeypatch: pytest.MonkeyPatch, path: Path, *extra: str) -> list[tuple[str, str, str, int, list[str]]]:
    args = ["scan", str(path), "--region", "us-east-1", "--account", "111122223333", "--format", "json",
            "--no-cache", "--helm-engine", "sdk", *extra]
    monkeypatch.setattr(sys, "argv", ["residency", *args])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == []
    return sorted((f["rule_id"], f["address"], f["file"], f["line"], f["evidence"]) for f in report["findings"])


def test_chart_image_findings_point_at_the_template_image_line(monkeypatch: pytest.MonkeyPatch) -> None:
    values = ["values.yaml:3 image.repository = " + OWN_ECR, "values.yaml:4 image.tag = 1.8.2"]
    assert scan(monkeypatch, CHART) == sorted([
        # the own ECR in eu-west-1 while the data plane is in us-east-1: a Job in the second document
        # of a multi-document template, and the worker container below an `{{- if }}` block
        ("CKV_RES_1", "Job/default/release-name-backfill", "templates/jobs.yaml", 32, [
            "templates/jobs.yaml:32 Job/default/release-name-backfill containers backfill image "
            f"{OWN_ECR}:1.8.2", *values]),
        ("CKV_RES_1", "Deployment/default/release-name-worker", "templates/worker.yaml", 27, [
            f"templates/worker.yaml:27 Deployment/default/release-name-worker containers worker image {OWN_ECR}:1.8.2",
            *values]),
        # first document of the multi-document template, a literal image
        ("CKV_RES_7", "CronJob/default/release-name-compact", "templates/jobs.yaml", 14, [
            "templates/jobs.yaml:14 CronJob/default/release-name-compact containers compact image "
            "quay.io/acme/compactor:2.1.0"]),
        # one template line in a `range` writes both images
        ("CKV_RES_7", "DaemonSet/default/release-name-shippers", "templates/shippers.yaml", 17, [
            "templates/shippers.yaml:17 DaemonSet/default/release-name-shippers containers fluent-bit image "
            "cr.fluentbit.io/fluent/fluent-bit:3.0.7"]),
        ("CKV_RES_7", "DaemonSet/default/release-name-shippers", "templates/shippers.yaml", 17, [
            "templates/shippers.yaml:17 DaemonSet/default/release-name-shippers containers vector image "
            "docker.io/timberio/vector:0.39.0-distroless-libc"]),
        # an init container whose image is built from values
        ("CKV_RES_7", "Deployment/default/release-name-worker", "templates/worker.yaml", 19, [
            "templates/worker.yaml:19 Deployment/default/release-name-worker initContainers migrate image "
            "ghcr.io/acme/migrate:0.9.0",
            "values.yaml:9 migrations.image.repository = ghcr.io/acme/migrate",
            "values.yaml:10 migrations.image.tag = 0.9.0"]),
        ("CKV_RES_7", "Deployment/default/release-name-worker", "templates/worker.yaml", 30, [
            "templates/worker.yaml:30 Deployment/default/release-name-worker containers metrics image "
            "docker.io/prom/statsd-exporter:v0.26.1"]),
    ])


def test_values_files_and_sets_are_named_where_they_set_the_image(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    override = tmp_path / "prod.yaml"
    override.write_text("# production\nreplicaCount: 4\nmigrations:\n  image:\n    tag: \"0.9.1\"\n")
    found = scan(monkeypatch, CHART, "--values", str(override), "--set", "image.tag=1.9.0")
    migrate = next(f for f in found if f[3] == 19)
    assert migrate[:4] == ("CKV_RES_7", "Deployment/default/release-name-worker", "templates/worker.yaml", 19)
    assert migrate[4][1:] == ["values.yaml:9 migrations.image.repository = ghcr.io/acme/migrate",
                              f"{override}:5 migrations.image.tag = 0.9.1"]
    worker = next(f for f in found if f[3] == 27)
    assert worker[4][1:] == ["values.yaml:3 image.repository = " + OWN_ECR, "(command line) --set image.tag=1.9.0"]


def test_rendered_manifest_image_findings_point_at_the_image_line(monkeypatch: pytest.MonkeyPatch) -> None:
    ecr = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/acme/ingest:4.2.0"
    assert [f[:4] for f in scan(monkeypatch, RENDERED)] == [
        ("CKV_RES_1", "CronJob/dataplane/ingest-reindex", "image_lines.yaml", 54),
        ("CKV_RES_1", "Deployment/dataplane/ingest", "image_lines.yaml", 34),
        ("CKV_RES_7", "Deployment/dataplane/ingest", "image_lines.yaml", 27),  # the init container
        ("CKV_RES_7", "Deployment/dataplane/ingest", "image_lines.yaml", 37),
    ]
    cron = scan(monkeypatch, RENDERED)[0]
    assert cron[4] == [f"image_lines.yaml:54 CronJob/dataplane/ingest-reindex containers reindex image {ecr}"]


def test_an_image_line_maps_between_its_mapped_neighbours() -> None:
    source = ["kind: Deployment", "spec:", "  containers:", "    {{- range .Values.c }}",
              "    - name: {{ .name }}", "      image: {{ .image }}", "    {{- end }}", "  volumes: []"]
    rendered = ["kind: Deployment", "spec:", "  containers:", "    - name: a", "      image: x:1",
                "    - name: b", "      image: y:2", "  volumes: []"]
    lines = _LineMap(rendered, source)
    assert [lines.keyed(5), lines.keyed(7)] == [6, 6]
    # two template lines setting the key, two rendered ones: in order
    source2 = ["spec:", "  a:", "    image: {{ .Values.a }}", "  b:", "    image: {{ .Values.b }}", "end: 1"]
    rendered2 = ["spec:", "  a:", "    image: p:1", "  b:", "    image: q:2", "end: 1"]
    lines2 = _LineMap(rendered2, source2)
    assert [lines2.keyed(3), lines2.keyed(5)] == [3, 5]
