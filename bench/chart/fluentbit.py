"""fluent-bit as the chart ships it: a DaemonSet tailing container logs, its RBAC and metrics
Service, and ConfigMaps in fluent-bit's classic configuration format (service, inputs,
filters, a per-cloud output, parsers)."""
from __future__ import annotations

from ..text import T
from .templates import metadata

_GUARD = "{{- if .Values.fluentbit.enabled }}\n"
_END = "\n{{- end }}\n"


def _config_map(suffix: str, data: str) -> str:
    data = "\n".join("  " + line if line else line for line in data.split("\n"))  # under `data:`
    return _GUARD + T(
        """
        apiVersion: v1
        kind: ConfigMap
        __META__
        data:
        __DATA__
        """, meta=metadata(f"-fluentbit{suffix}", "fluentbit"), data=data) + _END


MAIN_CONF = T(
    """
      fluent-bit.conf: |
        [SERVICE]
            Flush                     {{ .Values.fluentbit.flushSeconds }}
            Grace                     5
            Daemon                    off
            Log_Level                 {{ .Values.fluentbit.logLevel }}
            Parsers_File              /fluent-bit/etc/conf/parsers/parsers.conf
            HTTP_Server               On
            HTTP_Listen               0.0.0.0
            HTTP_Port                 {{ .Values.fluentbit.metricsPort }}
            Health_Check              On
            storage.path              /var/fluent-bit/state/flb-storage/
            storage.sync              normal
            storage.checksum          off
            storage.backlog.mem_limit {{ .Values.fluentbit.backlogMemLimit }}

        @INCLUDE /fluent-bit/etc/conf/inputs/*.conf
        @INCLUDE /fluent-bit/etc/conf/filters/*.conf
        @INCLUDE /fluent-bit/etc/conf/outputs/*.conf
    """
)

INPUTS_CONF = T(
    """
      containers.conf: |
        [INPUT]
            Name              tail
            Tag               kube.*
            Path              /var/log/containers/*.log
            Exclude_Path      /var/log/containers/*_kube-system_*.log
            multiline.parser  docker, cri
            DB                /var/fluent-bit/state/flb_container.db
            Mem_Buf_Limit     {{ .Values.fluentbit.memBufLimit }}
            Skip_Long_Lines   On
            Refresh_Interval  10
            storage.type      filesystem
      kubelet.conf: |
        [INPUT]
            Name              systemd
            Tag               host.kubelet
            Systemd_Filter    _SYSTEMD_UNIT=kubelet.service
            DB                /var/fluent-bit/state/flb_kubelet.db
            Read_From_Tail    On
    """
)

FILTERS_CONF = T(
    """
      kubernetes.conf: |
        [FILTER]
            Name                kubernetes
            Match               kube.*
            Kube_URL            https://kubernetes.default.svc:443
            Kube_Tag_Prefix     kube.var.log.containers.
            Merge_Log           On
            Merge_Log_Key       log_processed
            Keep_Log            Off
            K8S-Logging.Parser  On
            K8S-Logging.Exclude On
            Labels              On
            Annotations         Off
      enrich.conf: |
        [FILTER]
            Name    modify
            Match   *
            Add     cluster {{ .Values.global.clusterName }}
            Add     region {{ .Values.global.region }}
            Add     cloud {{ .Values.global.cloud }}

        [FILTER]
            Name    grep
            Match   kube.*
            Exclude $kubernetes['labels']['logging.dataplane.example.com/exclude'] ^true$
    """
)

# One output per cloud, chosen at render time: the logs stay in the data plane's own bucket.
OUTPUTS_CONF = T(
    """
      storage.conf: |
        {{- if eq .Values.global.cloud "aws" }}
        [OUTPUT]
            Name                      s3
            Match                     kube.*
            bucket                    {{ .Values.storage.bucket }}
            region                    {{ .Values.global.region }}
            total_file_size           50M
            upload_timeout            2m
            use_put_object            On
            compression               gzip
            s3_key_format             /logs/{{ .Values.global.clusterName }}/$TAG[4]/%Y/%m/%d/%H%M%S-$UUID.gz
            sts_endpoint              https://sts.{{ .Values.global.region }}.amazonaws.com
        {{- else if eq .Values.global.cloud "gcp" }}
        [OUTPUT]
            Name                      stackdriver
            Match                     kube.*
            resource                  k8s_container
            k8s_cluster_name          {{ .Values.global.clusterName }}
            k8s_cluster_location      {{ .Values.global.region }}
            export_to_project_id      {{ .Values.global.projectId }}
        {{- else }}
        [OUTPUT]
            Name                      azure_blob
            Match                     kube.*
            account_name              {{ .Values.storage.accountName }}
            container_name            {{ .Values.storage.bucket }}
            blob_type                 appendblob
            auto_create_container     Off
            path                      logs/{{ .Values.global.clusterName }}
        {{- end }}
      metrics.conf: |
        [OUTPUT]
            Name                      prometheus_exporter
            Match                     internal_metrics
            Host                      0.0.0.0
            Port                      2021
    """
)

PARSERS_CONF = T(
    """
      parsers.conf: |
        [PARSER]
            Name        json
            Format      json
            Time_Key    time
            Time_Format %d/%b/%Y:%H:%M:%S %z

        [PARSER]
            Name        logfmt
            Format      logfmt

        [PARSER]
            Name        cri
            Format      regex
            Regex       ^(?<time>[^ ]+) (?<stream>stdout|stderr) (?<logtag>[^ ]*) (?<message>.*)$
            Time_Key    time
            Time_Format %Y-%m-%dT%H:%M:%S.%L%z
    """
)


def fluentbit_templates() -> dict[str, str]:
    meta = metadata("-fluentbit", "fluentbit")
    files: dict[str, str] = {}
    files["daemonset.yaml"] = _GUARD + T(
        """
        apiVersion: apps/v1
        kind: DaemonSet
        __META__
        spec:
          selector:
            matchLabels:
              {{- include "dataplane.selectorLabels" . | nindent 6 }}
              app.kubernetes.io/component: fluentbit
          updateStrategy:
            type: RollingUpdate
            rollingUpdate:
              maxUnavailable: 10%
          template:
            metadata:
              labels:
                {{- include "dataplane.selectorLabels" . | nindent 8 }}
                app.kubernetes.io/component: fluentbit
              annotations:
                checksum/main: {{ include "dataplane.checksum" (list $ "fluentbit/configmap-main.yaml") }}
                checksum/outputs: {{ include "dataplane.checksum" (list $ "fluentbit/configmap-outputs.yaml") }}
            spec:
              serviceAccountName: {{ include "dataplane.fullname" . }}-fluentbit
              priorityClassName: system-node-critical
              tolerations:
                - operator: Exists
              containers:
                - name: fluent-bit
                  {{- with .Values.fluentbit.image }}
                  image: {{ printf "%s/%s:%s" .registry .repository .tag | quote }}
                  {{- end }}
                  imagePullPolicy: IfNotPresent
                  args:
                    - --workdir=/fluent-bit/etc
                    - --config=/fluent-bit/etc/conf/fluent-bit.conf
                  ports:
                    - name: http
                      containerPort: {{ .Values.fluentbit.metricsPort }}
                  livenessProbe:
                    httpGet:
                      path: /
                      port: http
                  readinessProbe:
                    httpGet:
                      path: /api/v1/health
                      port: http
                  resources:
                    {{- toYaml .Values.fluentbit.resources | nindent 12 }}
                  volumeMounts:
                    - name: main
                      mountPath: /fluent-bit/etc/conf
                    - name: inputs
                      mountPath: /fluent-bit/etc/conf/inputs
                    - name: filters
                      mountPath: /fluent-bit/etc/conf/filters
                    - name: outputs
                      mountPath: /fluent-bit/etc/conf/outputs
                    - name: parsers
                      mountPath: /fluent-bit/etc/conf/parsers
                    - name: varlog
                      mountPath: /var/log
                      readOnly: true
                    - name: state
                      mountPath: /var/fluent-bit/state
              volumes:
                - name: main
                  configMap:
                    name: {{ include "dataplane.fullname" . }}-fluentbit
                - name: inputs
                  configMap:
                    name: {{ include "dataplane.fullname" . }}-fluentbit-inputs
                - name: filters
                  configMap:
                    name: {{ include "dataplane.fullname" . }}-fluentbit-filters
                - name: outputs
                  configMap:
                    name: {{ include "dataplane.fullname" . }}-fluentbit-outputs
                - name: parsers
                  configMap:
                    name: {{ include "dataplane.fullname" . }}-fluentbit-parsers
                - name: varlog
                  hostPath:
                    path: /var/log
                - name: state
                  hostPath:
                    path: /var/fluent-bit/state
                    type: DirectoryOrCreate
        """, meta=meta) + _END
    files["serviceaccount.yaml"] = _GUARD + T(
        """
        apiVersion: v1
        kind: ServiceAccount
        __META__
          annotations:
            {{- include "dataplane.workloadIdentity" (dict "root" $ "name" "fluentbit") | nindent 4 }}
        """, meta=meta) + _END
    files["clusterrole.yaml"] = _GUARD + T(
        """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: {{ include "dataplane.fullname" . }}-fluentbit
          labels:
            {{- include "dataplane.labels" . | nindent 4 }}
            app.kubernetes.io/component: fluentbit
        rules:
          - apiGroups: [""]
            resources: ["namespaces", "pods", "nodes", "nodes/proxy"]
            verbs: ["get", "list", "watch"]
        """) + _END
    files["clusterrolebinding.yaml"] = _GUARD + T(
        """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: {{ include "dataplane.fullname" . }}-fluentbit
          labels:
            {{- include "dataplane.labels" . | nindent 4 }}
            app.kubernetes.io/component: fluentbit
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name: {{ include "dataplane.fullname" . }}-fluentbit
        subjects:
          - kind: ServiceAccount
            name: {{ include "dataplane.fullname" . }}-fluentbit
            namespace: {{ .Release.Namespace }}
        """) + _END
    files["service.yaml"] = _GUARD + T(
        """
        apiVersion: v1
        kind: Service
        __META__
        spec:
          type: ClusterIP
          selector:
            {{- include "dataplane.selectorLabels" . | nindent 4 }}
            app.kubernetes.io/component: fluentbit
          ports:
            - name: http
              port: {{ .Values.fluentbit.metricsPort }}
              targetPort: http
        """, meta=meta) + _END
    files["configmap-main.yaml"] = _config_map("", MAIN_CONF)
    files["configmap-inputs.yaml"] = _config_map("-inputs", INPUTS_CONF)
    files["configmap-filters.yaml"] = _config_map("-filters", FILTERS_CONF)
    files["configmap-outputs.yaml"] = _config_map("-outputs", OUTPUTS_CONF)
    files["configmap-parsers.yaml"] = _config_map("-parsers", PARSERS_CONF)
    return {f"fluentbit/{name}": text for name, text in files.items()}
