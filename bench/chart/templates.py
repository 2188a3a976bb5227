"""The chart's manifest templates (Go templates, as a chart author writes them), keyed by their
path under ``templates/``: seven per component, fluent-bit, the maintenance CronJobs and the
chart-wide objects."""
from __future__ import annotations

import json

from ..text import T
from .components import COMPONENTS, CRONJOBS, Component, CronJob, Rule

# metadata shared by every object: name suffix -> the metadata block
_METADATA = """
metadata:
  name: {{ include "dataplane.fullname" . }}__SUFFIX__
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "dataplane.labels" . | nindent 4 }}
    app.kubernetes.io/component: __COMPONENT__
"""


def metadata(suffix: str, component: str) -> str:
    return T(_METADATA, suffix=suffix, component=component)


def rules_yaml(rules: tuple[Rule, ...]) -> str:
    """RBAC rules as YAML (JSON flow lists are valid YAML and read like a hand-written chart)."""
    return "\n".join(f"  - apiGroups: {json.dumps(list(groups))}\n"
                     f"    resources: {json.dumps(list(resources))}\n"
                     f"    verbs: {json.dumps(list(verbs))}" for groups, resources, verbs in rules)


def _guard(key: str, body: str) -> str:
    """``body`` rendered only when the component is enabled, with ``$c`` bound to its values."""
    return f"{{{{- $c := .Values.components.{key} }}}}\n{{{{- if $c.enabled }}}}\n{body}\n{{{{- end }}}}\n"


def component_templates(c: Component) -> dict[str, str]:
    name, key = c.name, c.key
    meta = metadata(f"-{name}", name)
    # The operator uses the chart-wide image helper; the others have their own repository.
    image = ('{{ include "dataplane.image" . | quote }}' if name == "operator" else
             '{{ include "dataplane.componentImage" (dict "root" $ "component" $c) | quote }}')
    if c.endpoint and name == "operator":
        endpoint_env = T(
            """
            - name: CONTROL_PLANE_ENDPOINT
              value: {{ tpl .Values.controlPlane.endpoint . | quote }}
            """)
    elif c.endpoint:
        endpoint_env = T(
            """
            - name: CONTROL_PLANE_ENDPOINT
              valueFrom:
                configMapKeyRef:
                  name: {{ include "dataplane.fullname" . }}-__NAME__
                  key: CONTROL_PLANE_ENDPOINT
            """, name=name)
    else:
        endpoint_env = ""
    env = "\n".join(line for line in (endpoint_env + "\n" + T(
        """
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: CLOUD_REGION
          value: {{ .Values.global.region | quote }}
        """)).split("\n") if line)
    env = "\n".join("            " + line for line in env.split("\n"))

    files: dict[str, str] = {}
    files["deployment.yaml"] = _guard(key, T(
        """
        apiVersion: apps/v1
        kind: Deployment
        __META__
        spec:
          replicas: {{ $c.replicas }}
          revisionHistoryLimit: 5
          selector:
            matchLabels:
              {{- include "dataplane.selectorLabels" . | nindent 6 }}
              app.kubernetes.io/component: __NAME__
          strategy:
            type: RollingUpdate
            rollingUpdate:
              maxUnavailable: 0
              maxSurge: 1
          template:
            metadata:
              labels:
                {{- include "dataplane.selectorLabels" . | nindent 8 }}
                app.kubernetes.io/component: __NAME__
              annotations:
                checksum/config: {{ include "dataplane.checksum" (list $ "__NAME__/configmap.yaml") }}
                checksum/storage: {{ include "dataplane.checksum" (list $ "__NAME__/storage-config.yaml") }}
            spec:
              serviceAccountName: {{ include "dataplane.fullname" . }}-__NAME__
              priorityClassName: {{ include "dataplane.fullname" . }}-critical
              {{- with .Values.imagePullSecrets }}
              imagePullSecrets:
                {{- toYaml . | nindent 8 }}
              {{- end }}
              securityContext:
                runAsNonRoot: true
                runAsUser: 65532
                fsGroup: 65532
                seccompProfile:
                  type: RuntimeDefault
              containers:
                - name: __NAME__
                  image: __IMAGE__
                  imagePullPolicy: {{ .Values.image.pullPolicy }}
                  args:
                    - __NAME__
                    - --config=/etc/dataplane/config/config.yaml
                    - --storage-config=/etc/dataplane/storage/storage.yaml
                  ports:
                    - name: http
                      containerPort: __PORT__
                    - name: metrics
                      containerPort: 10254
                  env:
        __ENV__
                  readinessProbe:
                    httpGet:
                      path: /healthz
                      port: http
                    periodSeconds: 10
                  livenessProbe:
                    httpGet:
                      path: /healthz
                      port: http
                    initialDelaySeconds: 15
                  securityContext:
                    allowPrivilegeEscalation: false
                    readOnlyRootFilesystem: true
                    capabilities:
                      drop: ["ALL"]
                  resources:
                    {{- toYaml $c.resources | nindent 12 }}
                  volumeMounts:
                    - name: config
                      mountPath: /etc/dataplane/config
                    - name: storage
                      mountPath: /etc/dataplane/storage
              volumes:
                - name: config
                  configMap:
                    name: {{ include "dataplane.fullname" . }}-__NAME__
                - name: storage
                  configMap:
                    name: {{ include "dataplane.fullname" . }}-__NAME__-storage
              {{- with .Values.nodeSelector }}
              nodeSelector:
                {{- toYaml . | nindent 8 }}
              {{- end }}
              {{- with .Values.tolerations }}
              tolerations:
                {{- toYaml . | nindent 8 }}
              {{- end }}
        """,
        meta=meta, name=name, image=image, port=c.port, env=env))
    files["service.yaml"] = _guard(key, T(
        """
        apiVersion: v1
        kind: Service
        __META__
        spec:
          type: ClusterIP
          selector:
            {{- include "dataplane.selectorLabels" . | nindent 4 }}
            app.kubernetes.io/component: __NAME__
          ports:
            - name: http
              port: 80
              targetPort: http
            - name: metrics
              port: 10254
              targetPort: metrics
        """,
        meta=meta, name=name))
    files["serviceaccount.yaml"] = _guard(key, T(
        """
        apiVersion: v1
        kind: ServiceAccount
        __META__
          annotations:
            {{- include "dataplane.workloadIdentity" (dict "root" $ "name" "__NAME__") | nindent 4 }}
        automountServiceAccountToken: true
        """,
        meta=meta, name=name))
    endpoint_data = ("\n  CONTROL_PLANE_ENDPOINT: {{ tpl .Values.controlPlane.endpoint . | quote }}"
                     if c.endpoint else "")
    files["configmap.yaml"] = _guard(key, T(
        """
        apiVersion: v1
        kind: ConfigMap
        __META__
        data:__ENDPOINT__
          config.yaml: |
            __SECTION__:
              logLevel: {{ $c.logLevel | default .Values.logLevel }}
              metricsPort: 10254
              httpPort: __PORT__
              cluster: {{ .Values.global.clusterName }}
              cloud: {{ .Values.global.cloud }}
              region: {{ .Values.global.region }}
              org: {{ .Values.controlPlane.org }}
              workers: {{ $c.workers | default 4 }}
              leaderElection:
                enabled: {{ gt (int $c.replicas) 1 }}
                leaseDuration: 15s
        """,
        meta=meta, endpoint=endpoint_data, section=key, port=c.port))
    files["storage-config.yaml"] = _guard(key, T(
        """
        apiVersion: v1
        kind: ConfigMap
        __META__
        data:
          storage.yaml: |
            {{- tpl .Values.storage.config . | trim | nindent 4 }}
        """,
        meta=metadata(f"-{name}-storage", name)))
    files["rbac.yaml"] = _guard(key, T(
        """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        __META__
        rules:
        __RULES__
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        __META__
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: Role
          name: {{ include "dataplane.fullname" . }}-__NAME__
        subjects:
          - kind: ServiceAccount
            name: {{ include "dataplane.fullname" . }}-__NAME__
            namespace: {{ .Release.Namespace }}
        """,
        meta=meta, name=name, rules=rules_yaml(c.rules)))
    files["pdb.yaml"] = T(
        """
        {{- $c := .Values.components.__KEY__ }}
        {{- if and $c.enabled (gt (int $c.replicas) 1) }}
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        __META__
        spec:
          minAvailable: 1
          selector:
            matchLabels:
              {{- include "dataplane.selectorLabels" . | nindent 6 }}
              app.kubernetes.io/component: __NAME__
        {{- end }}
        """,
        key=key, meta=meta, name=name) + "\n"
    return {f"{name}/{fname}": text for fname, text in files.items()}


def cronjob_template(job: CronJob) -> str:
    args = "\n".join(f"                - {a}" for a in job.args)
    return T(
        """
        {{- $job := index .Values.cronjobs.jobs "__KEY__" }}
        {{- if and .Values.cronjobs.enabled $job.enabled }}
        apiVersion: batch/v1
        kind: CronJob
        __META__
        spec:
          schedule: {{ $job.schedule | default "__SCHEDULE__" | quote }}
          concurrencyPolicy: Forbid
          startingDeadlineSeconds: 300
          successfulJobsHistoryLimit: 3
          failedJobsHistoryLimit: 1
          jobTemplate:
            spec:
              backoffLimit: 2
              ttlSecondsAfterFinished: 3600
              template:
                metadata:
                  labels:
                    {{- include "dataplane.selectorLabels" . | nindent 12 }}
                    app.kubernetes.io/component: maintenance
                spec:
                  serviceAccountName: {{ include "dataplane.fullname" . }}-maintenance
                  restartPolicy: OnFailure
                  containers:
                    - name: __NAME__
                      image: {{ include "dataplane.image" . | quote }}
                      imagePullPolicy: {{ .Values.image.pullPolicy }}
                      args:
                        - maintenance
        __ARGS__
                      env:
                        - name: CONTROL_PLANE_ENDPOINT
                          value: {{ tpl .Values.controlPlane.endpoint . | quote }}
                        - name: STORAGE_BUCKET
                          value: {{ .Values.storage.bucket | quote }}
                      resources:
                        {{- toYaml .Values.cronjobs.resources | nindent 16 }}
        {{- end }}
        """,
        key=job.key, meta=metadata(f"-{job.name}", "maintenance"), schedule=job.schedule, name=job.name,
        args=args) + "\n"


def maintenance_templates() -> dict[str, str]:
    """The ServiceAccount, Role and RoleBinding the CronJobs share."""
    meta = metadata("-maintenance", "maintenance")
    guard = "{{- if .Values.cronjobs.enabled }}\n"
    return {
        "cronjobs/serviceaccount.yaml": guard + T(
            """
            apiVersion: v1
            kind: ServiceAccount
            __META__
              annotations:
                {{- include "dataplane.workloadIdentity" (dict "root" $ "name" "maintenance") | nindent 4 }}
            {{- end }}
            """, meta=meta) + "\n",
        "cronjobs/role.yaml": guard + T(
            """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            __META__
            rules:
            __RULES__
            {{- end }}
            """, meta=meta, rules=rules_yaml(((("",), ("pods",), ("get", "list", "delete")),
                                               (("batch",), ("jobs",), ("get", "list", "delete")),
                                               (("",), ("configmaps",), ("get",))))) + "\n",
        "cronjobs/rolebinding.yaml": guard + T(
            """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            __META__
            roleRef:
              apiGroup: rbac.authorization.k8s.io
              kind: Role
              name: {{ include "dataplane.fullname" . }}-maintenance
            subjects:
              - kind: ServiceAccount
                name: {{ include "dataplane.fullname" . }}-maintenance
                namespace: {{ .Release.Namespace }}
            {{- end }}
            """, meta=meta) + "\n",
    }


def all_component_templates() -> dict[str, str]:
    files: dict[str, str] = {}
    for c in COMPONENTS:
        files.update(component_templates(c))
    return files


def all_cronjob_templates() -> dict[str, str]:
    files = {f"cronjobs/{job.name}.yaml": cronjob_template(job) for job in CRONJOBS}
    files.update(maintenance_templates())
    return files
