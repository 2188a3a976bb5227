"""The chart's ``values.yaml`` (an EKS data plane in us-east-2) and the per-cloud overrides
``values-aws.yaml``, ``values-gcp.yaml`` and ``values-azure.yaml``."""
from __future__ import annotations

from ..text import T
from .components import COMPONENTS, CRONJOBS

# Object-store client config; rendered through `tpl` by every component's storage ConfigMap,
# so it can name other values. One per cloud.
_STORAGE_CONFIG = {
    "aws": """
        type: stow
        stow:
          kind: s3
          config:
            auth_type: iam
            region: {{ .Values.global.region }}
            disable_ssl: false
        container: {{ .Values.storage.bucket }}
        enable-multicontainer: false
        cache:
          max_size_mbs: 512
          target_gc_percent: 70
        limits:
          maxDownloadMBs: 1024
    """,
    "gcp": """
        type: stow
        stow:
          kind: google
          config:
            json: ""
            project_id: {{ .Values.global.projectId }}
            scopes: https://www.googleapis.com/auth/cloud-platform
        container: {{ .Values.storage.bucket }}
        enable-multicontainer: false
        limits:
          maxDownloadMBs: 1024
    """,
    "azure": """
        type: stow
        stow:
          kind: azure
          config:
            account: {{ .Values.storage.accountName }}
            key: ""
        container: {{ .Values.storage.bucket }}
        enable-multicontainer: false
        limits:
          maxDownloadMBs: 1024
    """,
}


def storage_config(cloud: str, indent: int) -> str:
    """``config: |`` with the cloud's storage config, indented ``indent`` spaces."""
    pad = " " * indent
    body = "\n".join(pad + "  " + line for line in T(_STORAGE_CONFIG[cloud]).split("\n"))
    return f"{pad}# rendered through `tpl` by every component's storage ConfigMap\n{pad}config: |\n{body}"


def _components_yaml() -> str:
    lines = ["components:"]
    for c in COMPONENTS:
        lines += [
            f"  {c.key}:",
            "    enabled: true",
            f"    replicas: {c.replicas}",
            "    image:",
            f"      repository: {c.repository}",
            "    resources:",
            "      requests:",
            "        cpu: 100m",
            "        memory: 256Mi",
            "      limits:",
            "        memory: 1Gi",
        ]
        if c.key == "webhook":
            lines += ["    failurePolicy: Ignore", '    caBundle: ""']
        if c.key == "executor":
            lines += ["    workers: 16", "    autoscaling:", "      enabled: true", "      maxReplicas: 10",
                      "      targetCPU: 70"]
    return "\n".join(lines)


def _cronjobs_yaml() -> str:
    lines = ["cronjobs:", "  enabled: true", "  resources:", "    requests:", "      cpu: 50m",
             "      memory: 128Mi", "    limits:", "      memory: 512Mi", "  jobs:"]
    for job in CRONJOBS:
        lines += [f"    {job.key}:", "      enabled: true", f'      schedule: "{job.schedule}"']
    return "\n".join(lines)


VALUES_YAML = T(
    """
    # Default values: an EKS data plane in us-east-2. values-aws.yaml, values-gcp.yaml and
    # values-azure.yaml override them for each cloud.
    nameOverride: ""
    fullnameOverride: ""

    global:
      cloud: aws
      clusterName: dataplane-prod-use2
      region: us-east-2
      accountId: "111122223333"
      projectId: ""
      azureClientId: ""
      azureTenantId: ""

    image:
      registry: 111122223333.dkr.ecr.us-east-2.amazonaws.com
      repository: union/operator
      tag: ""
      pullPolicy: IfNotPresent

    imagePullSecrets: []
    nodeSelector: {}
    tolerations: []
    logLevel: info

    controlPlane:
      org: acme
      region: us-east-2
      clientId: dataplane-operator
      # rendered through `tpl`
      endpoint: "dns:///{{ .Values.controlPlane.org }}.{{ .Values.controlPlane.region }}.union.ai"

    storage:
      bucket: acme-dataplane-prod-us-east-2
      accountName: ""
    __STORAGE_CONFIG__

    __COMPONENTS__

    __CRONJOBS__

    fluentbit:
      enabled: true
      image:
        registry: cr.fluentbit.io
        repository: fluent/fluent-bit
        tag: "3.1.9"
      flushSeconds: 5
      logLevel: info
      metricsPort: 2020
      backlogMemLimit: 16M
      memBufLimit: 50MB
      resources:
        requests:
          cpu: 50m
          memory: 64Mi
        limits:
          memory: 256Mi

    priorityClass:
      value: 1000000

    networkPolicy:
      enabled: true
      extraEgressCidrs: []

    quota:
      hard:
        requests.cpu: "64"
        requests.memory: 256Gi
        pods: "500"
      defaultLimits:
        cpu: "1"
        memory: 1Gi
      defaultRequests:
        cpu: 100m
        memory: 128Mi

    monitoring:
      serviceMonitor:
        enabled: true
        interval: 30s

    ingress:
      enabled: true
      className: alb
      host: dataproxy.dataplane.example.com
      annotations:
        alb.ingress.kubernetes.io/scheme: internal
        alb.ingress.kubernetes.io/target-type: ip
    """,
    storage_config=storage_config("aws", 2), components=_components_yaml(), cronjobs=_cronjobs_yaml(),
)

VALUES_AWS = T(
    """
    # EKS in eu-central-1, account 444455556666: images from that account's ECR, artifacts and
    # logs in an S3 bucket in the same region.
    global:
      cloud: aws
      clusterName: dataplane-prod-euc1
      region: eu-central-1
      accountId: "444455556666"

    image:
      registry: 444455556666.dkr.ecr.eu-central-1.amazonaws.com

    controlPlane:
      region: eu-central-1

    storage:
      bucket: acme-dataplane-prod-eu-central-1

    ingress:
      host: dataproxy.euc1.dataplane.example.com
    """
)

VALUES_GCP = T(
    """
    # GKE in europe-west4, project acme-dataplane-prod: images from Artifact Registry in the
    # same region, artifacts in GCS, logs to Cloud Logging of the project.
    global:
      cloud: gcp
      clusterName: dataplane-prod-euw4
      region: europe-west4
      accountId: ""
      projectId: acme-dataplane-prod

    image:
      registry: europe-west4-docker.pkg.dev/acme-dataplane-prod

    controlPlane:
      region: eu-central-1

    storage:
      bucket: acme-dataplane-prod-europe-west4
    __STORAGE_CONFIG__

    ingress:
      className: gce-internal
      host: dataproxy.euw4.dataplane.example.com
      annotations:
        kubernetes.io/ingress.allow-http: "false"
    """,
    storage_config=storage_config("gcp", 2),
)

VALUES_AZURE = T(
    """
    # AKS in westeurope: images from the acmedataplane registry, artifacts and logs in the
    # acmedataplaneprodweu storage account.
    global:
      cloud: azure
      clusterName: dataplane-prod-weu
      region: westeurope
      accountId: ""
      azureClientId: 7d2f0c1e-51a4-4c55-9d1e-3c6a2b8e4f10
      azureTenantId: 0f9b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d

    image:
      registry: acmedataplane.azurecr.io

    controlPlane:
      region: eu-central-1

    storage:
      bucket: dataplane
      accountName: acmedataplaneprodweu
    __STORAGE_CONFIG__

    ingress:
      className: azure-application-gateway
      host: dataproxy.weu.dataplane.example.com
      annotations:
        appgw.ingress.kubernetes.io/use-private-ip: "true"
    """,
    storage_config=storage_config("azure", 2),
)

# file name -> text, in the order they are written
VALUES_FILES = {"values.yaml": VALUES_YAML, "values-aws.yaml": VALUES_AWS, "values-gcp.yaml": VALUES_GCP,
                "values-azure.yaml": VALUES_AZURE}
