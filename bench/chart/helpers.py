"""The chart's ``Chart.yaml``, ``.helmignore``, ``templates/_helpers.tpl`` and ``NOTES.txt``."""
from __future__ import annotations

from ..text import T
from .components import APP_VERSION, CHART_NAME, CHART_VERSION

CHART_YAML = T(
    """
    apiVersion: v2
    name: __NAME__
    description: Data plane of a managed workflow platform (operator, propeller, executors, fluent-bit)
    type: application
    version: __VERSION__
    appVersion: "__APP_VERSION__"
    keywords:
      - dataplane
      - workflows
    maintainers:
      - name: platform-team
        email: platform@example.com
    """,
    name=CHART_NAME, version=CHART_VERSION, app_version=APP_VERSION,
)

HELMIGNORE = T(
    """
    # Patterns to ignore when building packages.
    .DS_Store
    .git/
    .gitignore
    *.swp
    *.bak
    *.tmp
    *.orig
    *~
    .idea/
    .vscode/
    """
)

HELPERS_TPL = T(
    """
    {{/* Chart name, truncated to the 63 characters a Kubernetes name allows. */}}
    {{- define "dataplane.name" -}}
    {{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
    {{- end -}}

    {{/* Fully qualified app name: the release name, plus the chart name unless it already holds it. */}}
    {{- define "dataplane.fullname" -}}
    {{- if .Values.fullnameOverride -}}
    {{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
    {{- else if contains .Chart.Name .Release.Name -}}
    {{- .Release.Name | trunc 63 | trimSuffix "-" -}}
    {{- else -}}
    {{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
    {{- end -}}
    {{- end -}}

    {{- define "dataplane.chart" -}}
    {{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
    {{- end -}}

    {{- define "dataplane.selectorLabels" -}}
    app.kubernetes.io/name: {{ include "dataplane.name" . }}
    app.kubernetes.io/instance: {{ .Release.Name }}
    {{- end -}}

    {{- define "dataplane.labels" -}}
    helm.sh/chart: {{ include "dataplane.chart" . }}
    {{ include "dataplane.selectorLabels" . }}
    app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
    app.kubernetes.io/managed-by: {{ .Release.Service }}
    dataplane.example.com/cluster: {{ .Values.global.clusterName }}
    {{- end -}}

    {{/* The operator image: registry/repository:tag, the tag defaulting to the chart's appVersion. */}}
    {{- define "dataplane.image" -}}
    {{ .Values.image.registry }}/{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
    {{- end -}}

    {{/*
    A component image: its own registry and tag when set, else the chart-wide ones.
    Call with (dict "root" $ "component" .Values.components.<key>).
    */}}
    {{- define "dataplane.componentImage" -}}
    {{- $root := .root -}}
    {{- $image := .component.image -}}
    {{- $registry := $image.registry | default $root.Values.image.registry -}}
    {{- $tag := $image.tag | default $root.Values.image.tag | default $root.Chart.AppVersion -}}
    {{- printf "%s/%s:%s" $registry $image.repository $tag -}}
    {{- end -}}

    {{/*
    Workload-identity annotations of a ServiceAccount for the cloud in .Values.global.cloud:
    IRSA on EKS, Workload Identity on GKE and AKS. Call with (dict "root" $ "name" "<component>").
    */}}
    {{- define "dataplane.workloadIdentity" -}}
    {{- $g := .root.Values.global -}}
    {{- if eq $g.cloud "aws" -}}
    eks.amazonaws.com/role-arn: {{ printf "arn:aws:iam::%s:role/%s-%s" $g.accountId $g.clusterName .name | quote }}
    eks.amazonaws.com/sts-regional-endpoints: "true"
    {{- else if eq $g.cloud "gcp" -}}
    iam.gke.io/gcp-service-account: {{ printf "dp-%s@%s.iam.gserviceaccount.com" .name $g.projectId | quote }}
    {{- else if eq $g.cloud "azure" -}}
    azure.workload.identity/client-id: {{ $g.azureClientId | quote }}
    azure.workload.identity/tenant-id: {{ $g.azureTenantId | quote }}
    {{- end -}}
    {{- end -}}

    {{/*
    sha256 of another template of this chart, so pods roll when their configuration changes.
    Call with (list $ "<path under templates/>").
    */}}
    {{- define "dataplane.checksum" -}}
    {{- $root := index . 0 -}}
    {{- include (print $root.Template.BasePath "/" (index . 1)) $root | sha256sum -}}
    {{- end -}}
    """
)

NOTES_TXT = T(
    """
    {{ .Chart.Name }} {{ .Chart.AppVersion }} is installed in {{ .Release.Namespace }} as {{ .Release.Name }}.

    Cloud: {{ .Values.global.cloud }} ({{ .Values.global.region }}), cluster {{ .Values.global.clusterName }}.
    Control plane: {{ tpl .Values.controlPlane.endpoint . }}

    Check the operator:
      kubectl -n {{ .Release.Namespace }} rollout status deployment/{{ include "dataplane.fullname" . }}-operator
    """
)
