"""Every finding code, with its usual severity and stage, one-line meaning, lesson and peers.

Codes never change meaning once published (CI scripts filter on them), the
way Popeye's numbered codes do. docs/findings.md is the readable copy of this
table; a test keeps the two in step.

Lesson ids are the ids of lessons/*/lesson.yaml; a test keeps every one pointing
at a lesson that exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.diagnostics.finding import Stage
from explorer.model.location import Severity


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Severity  # the usual severity; a few checks lower it where noted in the docs
    stage: Stage  # where it fails: apply refused, no controller serves it, traffic fails, ...
    title: str
    lesson: str | None
    peers: str  # what the apiserver, controllers and peer linters call it ("-" when nobody checks)


_TABLE = (
    # ---- reading manifests
    Code("IE1000", "error", "rejected", "the loader could not take something as written", None, "-"),
    Code("IE1001", "error", "rejected", "YAML cannot be read (syntax, duplicate key, alias bomb)", None, "kubectl: error parsing"),
    Code("IE1002", "error", "rejected", "file cannot be read (missing, binary, not UTF-8, too large)", None, "kubectl: error reading"),
    Code("IE1003", "warning", "ignored", "nothing to read: empty file, or a directory without manifests", None, "-"),
    Code("IE1004", "error", "rejected", "document is not a Kubernetes object (apiVersion, kind, metadata.name)", None,
         "kubectl: Object 'Kind' is missing"),
    Code("IE1005", "error", "rejected", "unknown field (strict decoding), with a did-you-mean", None,
         "apiserver strict field validation; kubernetes-validate --strict; kube-linter schema-validation (off)"),
    Code("IE1006", "error", "rejected", "value of the wrong type (strict decoding)", None,
         "apiserver: cannot be handled as a <Kind>; kubernetes-validate"),
    Code("IE1007", "error", "rejected", "annotation or label value is not a string", "tls",
         "apiserver: cannot unmarshal bool into Go struct field ObjectMeta.metadata.annotations; kubernetes-validate"),
    Code("IE1008", "warning", "risky", "object defined twice; the later definition replaces the earlier", None, "-"),
    Code("IE1009", "warning", "risky", "metadata.namespace set on a cluster-scoped kind", None, "-"),
    Code("IE1010", "warning", "rejected", "apiVersion no longer served (Ingress v1beta1, IngressClass v1beta1, beta workloads)",
         "v1-migration", "kube-score stable-version; kube-linter no-extensions-v1beta; Popeye 403 (old)"),
    Code("IE1011", "info", "deprecated", "a v1beta1 field and how to write it in networking.k8s.io/v1", "v1-migration", "-"),
    Code("IE1012", "error", "rejected",
         "metadata.name is not a valid name for its kind (DNS-1123 subdomain; DNS-1035 label for a Service)", None,
         "apiserver Invalid (ValidateObjectMeta)"),
    # ---- Ingress spec, as the apiserver validates it
    Code("IE2001", "error", "rejected", "pathType must be specified", "path-types",
         "apiserver Required; kubernetes-validate (required)"),
    Code("IE2002", "error", "rejected", "pathType is not Exact, Prefix or ImplementationSpecific", "path-types",
         "apiserver NotSupported"),
    Code("IE2003", "error", "rejected", "path must be an absolute path", "path-types", "apiserver Invalid"),
    Code("IE2004", "error", "rejected", "Exact/Prefix path contains //, /./, /../, %2f or ends in /. or /..", "path-types",
         "apiserver Invalid"),
    Code("IE2005", "error", "rejected", "host is not a lowercase DNS name (no port, no scheme)", "routing-basics",
         "apiserver Invalid (RFC 1123 subdomain)"),
    Code("IE2006", "error", "rejected", "host is an IP address", "routing-basics", "apiserver Invalid"),
    Code("IE2007", "error", "rejected", "wildcard host is not `*.` followed by a DNS name", "routing-basics",
         "apiserver Invalid"),
    Code("IE2008", "error", "rejected", "http.paths is empty", "routing-basics", "apiserver Required"),
    Code("IE2009", "error", "rejected", "neither rules nor defaultBackend", "default-backend", "apiserver Invalid"),
    Code("IE2010", "error", "rejected", "backend needs exactly one of service and resource", "routing-basics",
         "apiserver Invalid; Popeye AddErr on resource refs"),
    Code("IE2011", "error", "rejected", "backend service port needs a name or a number, not both", "routing-basics",
         "apiserver Invalid/Required; Popeye 1404"),
    Code("IE2012", "error", "rejected", "backend service port number is not between 1 and 65535", "routing-basics",
         "apiserver Invalid"),
    Code("IE2013", "error", "rejected", "backend service port name is not a valid port name (IANA_SVC_NAME)", "routing-basics",
         "apiserver Invalid"),
    Code("IE2014", "error", "rejected", "backend service name is missing or not a DNS-1035 label", "routing-basics",
         "apiserver Invalid/Required"),
    Code("IE2015", "error", "rejected", "resource backend needs kind and name", "routing-basics", "apiserver Required"),
    Code("IE2016", "error", "rejected", "tls host is not a valid DNS name or wildcard", "tls", "apiserver Invalid"),
    Code("IE2017", "error", "rejected", "tls secretName is not a valid Secret name", "tls", "apiserver Invalid"),
    Code("IE2018", "error", "rejected", "ingressClassName is not a valid IngressClass name", "ingress-class",
         "apiserver Invalid"),
    Code("IE2019", "error", "rejected", "class annotation does not match ingressClassName", "ingress-class",
         "apiserver Invalid (k8s >= 1.27)"),
    Code("IE2020", "warning", "deprecated", "kubernetes.io/ingress.class annotation is deprecated", "ingress-class",
         "apiserver Warning"),
    Code("IE2021", "info", "risky", "rule without http: it routes nothing itself", "default-backend",
         "GKE check-gke-ingress IngressRuleCheck"),
    Code("IE2022", "warning", "broken", "the same host, path and pathType twice in one Ingress", "path-types", "-"),
    # ---- Ingress -> Service -> Pod
    Code("IE3001", "error", "broken", "backend Service does not exist in the Ingress's namespace", "routing-basics",
         "Popeye 1401; kube-score ingress-targets-service; kube-linter dangling-ingress (off); GKE"),
    Code("IE3002", "error", "broken", "backend Service has no such port", "routing-basics",
         "Popeye 1402; kube-score ingress-targets-service; GKE could not find port"),
    Code("IE3003", "warning", "broken", "Service selector matches no Pods", "routing-basics",
         "Popeye 1100; kube-score service-targets-pod; kube-linter dangling-service"),
    Code("IE3004", "info", "risky", "Service has no selector, and no Endpoints for it are loaded", "routing-basics",
         "kube-linter dangling-service"),
    Code("IE3005", "warning", "broken", "every workload behind the Service has zero replicas", "routing-basics",
         "Popeye 500"),
    Code("IE3006", "error", "broken", "Service targetPort matches no containerPort", "routing-basics",
         "Popeye 1106; kube-linter invalid-target-ports (syntax only)"),
    Code("IE3007", "warning", "risky", "container behind an Ingress has no readinessProbe", "health-checks",
         "Popeye 104; kube-score pod-probes; Polaris readinessProbeMissing; checkov CKV_K8S_9"),
    Code("IE3008", "error", "broken", "readinessProbe port is not a port the container declares", "health-checks",
         "kube-linter readiness-port"),
    Code("IE3009", "info", "risky", "readinessProbe and livenessProbe are identical", "health-checks",
         "kube-score pod-probes-identical"),
    Code("IE3010", "error", "broken", "backend Service port is not TCP (UDP or SCTP): no HTTP reaches it",
         "routing-basics", "-"),
    Code("IE3101", "warning", "broken", "TLS Secret does not exist in the Ingress's namespace", "tls",
         "GKE event: Could not find TLS certificates; nginx serves its default certificate"),
    Code("IE3102", "info", "risky", "TLS Secret is not of type kubernetes.io/tls (neither controller checks the type)",
         "tls", "-"),
    Code("IE3103", "error", "broken", "TLS Secret lacks tls.crt or tls.key", "tls", "nginx: key 'tls.crt' missing"),
    Code("IE3104", "warning", "broken", "rule host is not listed in any tls hosts", "tls",
         "nginx serves the default certificate for it"),
    Code("IE3201", "error", "rejected", "the same host and path in two Ingresses", "host-routing",
         "ingress-nginx admission webhook"),
    # ---- Service and workload objects
    Code("IE4001", "error", "rejected", "Service port needs a name when the Service has several", "routing-basics",
         "apiserver Required"),
    Code("IE4002", "error", "rejected", "Service port name is not a DNS label, or is used twice", "routing-basics",
         "apiserver Invalid/Duplicate"),
    Code("IE4003", "error", "rejected", "Service port or targetPort is not a valid port", "routing-basics",
         "apiserver Invalid; kubernetes-validate (port required)"),
    Code("IE4004", "error", "rejected", "nodePort outside 30000-32767", "nodeport-neg", "apiserver Invalid"),
    Code("IE4005", "error", "rejected", "nodePort used twice", "nodeport-neg", "apiserver Invalid (already allocated)"),
    Code("IE4006", "error", "rejected", "nodePort set on a ClusterIP Service", "nodeport-neg", "apiserver Forbidden"),
    Code("IE4007", "error", "rejected", "workload selector missing or not matching its Pod template labels", "routing-basics",
         "apiserver Invalid; kube-score; kube-linter mismatching-selector"),
    # ---- class and controller
    Code("IE5001", "warning", "ignored", "ingressClassName names no known IngressClass", "ingress-class",
         "conformance: such an Ingress gets no address"),
    Code("IE5002", "warning", "ignored", "the chosen controller does not serve this Ingress", "ingress-class", "-"),
    Code("IE5003", "warning", "ignored", "GKE ignores spec.ingressClassName", "ingress-class", "GKE docs"),
    Code("IE5004", "info", "risky", "no class: ingress-nginx serves it only as the default class", "ingress-class",
         "ingress-nginx >= 1.0"),
    Code("IE5005", "info", "risky", "class of a controller ingress-explorer does not model (alb, haproxy, AGIC, ...)",
         "ingress-class", "-"),
    # ---- what one controller does with it (profile fields)
    Code("IE6001", "warning", "broken", "GKE backend Service is not NodePort or LoadBalancer and has no NEG annotation",
         "nodeport-neg", "GKE ErrBadSvcType; Popeye 1103/1104 and kube-score service-type are style only"),
    Code("IE6002", "error", "broken", "NEG annotation is not valid JSON", "nodeport-neg", "GKE check-gke-ingress"),
    Code("IE6003", "error", "broken", "GKE refuses this path (invalid wildcard)", "path-types", "GKE translator"),
    Code("IE6004", "error", "rejected", "ingress-nginx refuses this Exact/Prefix path (strict-validate-path-type)",
         "path-types", "ingress-nginx admission webhook"),
    Code("IE6005", "warning", "broken", "regex characters in a path ingress-nginx takes literally", "path-types", "-"),
    Code("IE6006", "error", "broken", "allow-http \"false\" without TLS: both HTTP and HTTPS are disabled", "tls",
         "GKE errAllProtocolsDisabled"),
    Code("IE6007", "warning", "ignored", "annotation ignored by this controller", "https-only", "-"),
    Code("IE6008", "warning", "risky", "GKE health check will request GET / and needs 200", "health-checks",
         "GKE docs (default health check)"),
    Code("IE6009", "warning", "risky", "readinessProbe cannot become the GKE health check", "health-checks",
         "GKE isSimpleHTTPProbe"),
    Code("IE6010", "error", "broken", "static IP annotation names an IP or an unusable address", "nodeport-neg",
         "GKE: static IP name doesn't translate to an existing static IP"),
    Code("IE6011", "error", "broken", "BackendConfig annotation is invalid", "health-checks",
         "GKE check-gke-ingress BackendConfigAnnotationCheck"),
    Code("IE6012", "error", "broken", "BackendConfig named by a Service does not exist", "health-checks",
         "GKE check-gke-ingress BackendConfigExistenceCheck"),
    Code("IE6013", "error", "broken", "BackendConfig healthCheck timeoutSec greater than checkIntervalSec", "health-checks",
         "GKE check-gke-ingress HealthCheckTimeoutCheck"),
    Code("IE6014", "warning", "broken", "one host in two rules: GKE keeps only the last rule's paths", "host-routing",
         "GKE check-gke-ingress RuleHostOverwriteCheck"),
    Code("IE6015", "error", "broken", "FrontendConfig named by an Ingress does not exist", "tls",
         "GKE check-gke-ingress FrontendConfigExistenceCheck"),
    Code("IE6016", "error", "broken", "both global and regional static IP annotations set", "nodeport-neg",
         "GKE: both global-static-ip and regional-static-ip cannot be specified"),
    Code("IE6017", "warning", "broken",
         "readinessProbe path answers a redirect: the kubelet counts it Ready, the GKE health check needs 200",
         "health-checks", "GKE docs (health check: only 200 is healthy); kubelet: 200-399 is success"),
    Code("IE6018", "error", "broken", "NEG annotation on a routes-based cluster: no endpoint can join the NEG",
         "nodeport-neg", "GKE docs: container-native load balancing requires a VPC-native cluster"),
    Code("IE6019", "error", "broken", "the VPC firewall drops GKE's health-check probes (130.211.0.0/22, 35.191.0.0/16)",
         "gke-production", "ingress-gce docs/faq/gce.md; GKE event: Firewall change required by security admin (older: network admin)"),
    Code("IE6020", "warning", "risky", "a firewall rule opens the backends' port to the whole Internet",
         "gke-production", "-"),
    # ---- Gateway API: the status conditions a controller would write
    Code("IE8001", "error", "ignored", "HTTPRoute not accepted by a parent Gateway (Accepted=False, with the spec's reason)",
         "gateway-api", "Gateway API RouteConditionAccepted: NoMatchingParent, NotAllowedByListeners, "
         "NoMatchingListenerHostname, UnsupportedValue"),
    Code("IE8002", "error", "broken", "HTTPRoute backendRef does not resolve (ResolvedRefs=False): its share answers 500", None,
         "Gateway API RouteConditionResolvedRefs: BackendNotFound, RefNotPermitted, InvalidKind"),
    Code("IE8003", "warning", "broken", "Gateway listener not accepted, unresolved or conflicted", None,
         "Gateway API ListenerConditionAccepted/ResolvedRefs/Conflicted: UnsupportedProtocol, "
         "InvalidCertificateRef, RefNotPermitted, ProtocolConflict"),
    # ---- ingress-nginx annotations (explorer/diagnostics/nginx_annotations.py, docs/annotations.md)
    Code("IE7001", "warning", "ignored", "unknown nginx.ingress.kubernetes.io annotation (a typo), with a did-you-mean",
         "nginx-annotations",
         "-"),
    Code("IE7002", "error", "broken", "annotation value ingress-nginx refuses (bad CIDR, size, code): Ingress refused, 503, "
         "or ignored", None, "ingress-nginx: validation error on ingress / contains invalid value"),
    Code("IE7003", "error", "rejected", "snippet or annotation above annotations-risk-level: the controller refuses the Ingress",
         None, "ingress-nginx: Snippet directives are disabled / annotation is too risky for environment"),
    Code("IE7004", "warning", "risky", "rewrite-target without a usable capture group: every sub-path reaches the target",
         None, "-"),
    Code("IE7005", "warning", "risky", "use-regex or rewrite-target turns Prefix /api into a regex matching /apiary", None,
         "-"),
    Code("IE7006", "error", "broken", "canary Ingress with no mainline (same host, path and pathType)",
         "nginx-annotations",
         "ingress-nginx: unable to find real backend for alternative backend"),
    Code("IE7007", "error", "broken", "basic auth Secret missing or without its auth key: every path answers 503",
         "nginx-annotations",
         "ingress-nginx: error reading secret"),
    Code("IE7008", "warning", "ignored", "another controller's annotation on an ingress-nginx Ingress (nginx.org/*, alb, legacy "
         "ingress.kubernetes.io/*)", None, "-"),
    Code("IE7009", "warning", "ignored", "default-backend names a Service that does not exist or has no ready Pods: nginx "
         "ignores it, so a backend without endpoints still answers 503", None,
         "ingress-nginx: unexpected error reading service / custom default backend has no ports"),
    Code("IE7010", "warning", "risky", "custom-http-errors without default-backend: those Pod statuses become the "
         "controller's own 404", None, "-"),
)

CODES: dict[str, Code] = {c.code: c for c in _TABLE}
