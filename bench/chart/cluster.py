"""Chart-wide objects directly under ``templates/``: scheduling, network and quota policy, the
operator's cluster RBAC, the control-plane auth Secret, the admission webhook, monitoring,
the data proxy's Ingress and the executor's autoscaler."""
from __future__ import annotations

from ..text import T
from .templates import metadata


def _cluster_metadata(suffix: str, component: str) -> str:
    """Metadata of a cluster-scoped object (no namespace)."""
    return "\n".join(line for line in metadata(suffix, component).split("\n") if "namespace:" not in line)


def cluster_templates() -> dict[str, str]:
    files: dict[str, str] = {}
    files["priorityclass.yaml"] = T(
        """
        apiVersion: scheduling.k8s.io/v1
        kind: PriorityClass
        __META__
        value: {{ .Values.priorityClass.value }}
        globalDefault: false
        preemptionPolicy: PreemptLowerPriority
        description: Data-plane services that must keep running while executions are scheduled.
        """, meta=_cluster_metadata("-critical", "scheduling"))
    files["networkpolicy-default-deny.yaml"] = T(
        """
        {{- if .Values.networkPolicy.enabled }}
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        __META__
        spec:
          podSelector: {}
          policyTypes:
            - Ingress
            - Egress
          egress:
            - to:
                - namespaceSelector:
                    matchLabels:
                      kubernetes.io/metadata.name: kube-system
              ports:
                - protocol: UDP
                  port: 53
                - protocol: TCP
                  port: 53
        {{- end }}
        """, meta=metadata("-default-deny", "network"))
    files["networkpolicy-control-plane.yaml"] = T(
        """
        {{- if .Values.networkPolicy.enabled }}
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        __META__
        spec:
          podSelector:
            matchLabels:
              {{- include "dataplane.selectorLabels" . | nindent 6 }}
          policyTypes:
            - Egress
          egress:
            # control plane and cloud APIs over TLS only
            - ports:
                - protocol: TCP
                  port: 443
            {{- range .Values.networkPolicy.extraEgressCidrs }}
            - to:
                - ipBlock:
                    cidr: {{ . }}
            {{- end }}
        {{- end }}
        """, meta=metadata("-control-plane-egress", "network"))
    files["resourcequota.yaml"] = T(
        """
        apiVersion: v1
        kind: ResourceQuota
        __META__
        spec:
          hard:
            {{- toYaml .Values.quota.hard | nindent 4 }}
        """, meta=metadata("-quota", "quota"))
    files["limitrange.yaml"] = T(
        """
        apiVersion: v1
        kind: LimitRange
        __META__
        spec:
          limits:
            - type: Container
              default:
                cpu: {{ .Values.quota.defaultLimits.cpu | quote }}
                memory: {{ .Values.quota.defaultLimits.memory | quote }}
              defaultRequest:
                cpu: {{ .Values.quota.defaultRequests.cpu | quote }}
                memory: {{ .Values.quota.defaultRequests.memory | quote }}
        """, meta=metadata("-limits", "quota"))
    files["clusterrole.yaml"] = T(
        """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        __META__
        rules:
          - apiGroups: [""]
            resources: ["namespaces", "nodes", "resourcequotas"]
            verbs: ["get", "list", "watch"]
          - apiGroups: [""]
            resources: ["pods", "pods/log", "configmaps", "secrets", "serviceaccounts"]
            verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
          - apiGroups: ["batch"]
            resources: ["jobs"]
            verbs: ["get", "list", "watch", "create", "delete"]
          - apiGroups: ["apiextensions.k8s.io"]
            resources: ["customresourcedefinitions"]
            verbs: ["get", "list", "watch", "create", "update"]
          - apiGroups: ["flyte.lyft.com"]
            resources: ["flyteworkflows", "flyteworkflows/finalizers"]
            verbs: ["*"]
        """, meta=_cluster_metadata("-operator", "operator"))
    files["clusterrolebinding.yaml"] = T(
        """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        __META__
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name: {{ include "dataplane.fullname" . }}-operator
        subjects:
          {{- range $key := list "operator" "propeller" "executor" }}
          - kind: ServiceAccount
            name: {{ include "dataplane.fullname" $ }}-{{ $key }}
            namespace: {{ $.Release.Namespace }}
          {{- end }}
        """, meta=_cluster_metadata("-operator", "operator"))
    files["secret-auth.yaml"] = T(
        """
        apiVersion: v1
        kind: Secret
        __META__
        type: Opaque
        data:
          endpoint: {{ tpl .Values.controlPlane.endpoint . | b64enc | quote }}
          client-id: {{ .Values.controlPlane.clientId | b64enc | quote }}
          org: {{ .Values.controlPlane.org | b64enc | quote }}
        """, meta=metadata("-auth", "operator"))
    files["webhook-configuration.yaml"] = T(
        """
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        __META__
        webhooks:
          - name: pods.webhook.dataplane.example.com
            admissionReviewVersions: ["v1"]
            sideEffects: None
            failurePolicy: {{ .Values.components.webhook.failurePolicy }}
            timeoutSeconds: 5
            clientConfig:
              service:
                name: {{ include "dataplane.fullname" . }}-webhook
                namespace: {{ .Release.Namespace }}
                path: /mutate--v1-pod
                port: 80
              {{- with .Values.components.webhook.caBundle }}
              caBundle: {{ . }}
              {{- end }}
            objectSelector:
              matchLabels:
                dataplane.example.com/inject-secrets: "true"
            rules:
              - operations: ["CREATE"]
                apiGroups: [""]
                apiVersions: ["v1"]
                resources: ["pods"]
        """, meta=_cluster_metadata("-webhook", "webhook"))
    files["servicemonitor.yaml"] = T(
        """
        {{- if .Values.monitoring.serviceMonitor.enabled }}
        apiVersion: monitoring.coreos.com/v1
        kind: ServiceMonitor
        __META__
        spec:
          selector:
            matchLabels:
              {{- include "dataplane.selectorLabels" . | nindent 6 }}
          endpoints:
            - port: metrics
              interval: {{ .Values.monitoring.serviceMonitor.interval }}
              scrapeTimeout: 10s
            - port: http
              path: /api/v1/metrics/prometheus
              interval: {{ .Values.monitoring.serviceMonitor.interval }}
        {{- end }}
        """, meta=metadata("", "monitoring"))
    files["ingress.yaml"] = T(
        """
        {{- if .Values.ingress.enabled }}
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        __META__
          annotations:
            {{- toYaml .Values.ingress.annotations | nindent 4 }}
        spec:
          ingressClassName: {{ .Values.ingress.className }}
          tls:
            - hosts:
                - {{ .Values.ingress.host | quote }}
              secretName: {{ include "dataplane.fullname" . }}-dataproxy-tls
          rules:
            - host: {{ .Values.ingress.host | quote }}
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: {{ include "dataplane.fullname" . }}-dataproxy
                        port:
                          name: http
        {{- end }}
        """, meta=metadata("-dataproxy", "dataproxy"))
    files["hpa.yaml"] = T(
        """
        {{- $c := .Values.components.executor }}
        {{- if and $c.enabled $c.autoscaling.enabled }}
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        __META__
        spec:
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: {{ include "dataplane.fullname" . }}-executor
          minReplicas: {{ $c.replicas }}
          maxReplicas: {{ $c.autoscaling.maxReplicas }}
          metrics:
            - type: Resource
              resource:
                name: cpu
                target:
                  type: Utilization
                  averageUtilization: {{ $c.autoscaling.targetCPU }}
        {{- end }}
        """, meta=metadata("-executor", "executor"))
    return {name: text + "\n" for name, text in files.items()}
