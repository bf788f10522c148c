"""Every finding code, with its usual severity, one-line meaning, lesson and peers.

Codes never change meaning once published (CI scripts filter on them), the
way Popeye's numbered codes do. docs/findings.md is the readable copy of this
table; a test keeps the two in step.

Lesson ids are the ids of lessons/*/lesson.yaml; a test keeps every one pointing
at a lesson that exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.model.location import Severity


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Severity  # the usual severity; a few checks lower it where noted in the docs
    title: str
    lesson: str | None
    peers: str  # what the apiserver, controllers and peer linters call it ("-" when nobody checks)


_TABLE = (
    # ---- reading manifests
    Code("IE1000", "error", "the loader could not take something as written", None, "-"),
    Code("IE1001", "error", "YAML cannot be read (syntax, duplicate key, alias bomb)", None, "kubectl: error parsing"),
    Code("IE1002", "error", "file cannot be read (missing, binary, not UTF-8, too large)", None, "kubectl: error reading"),
    Code("IE1003", "warning", "nothing to read: empty file, or a directory without manifests", None, "-"),
    Code("IE1004", "error", "document is not a Kubernetes object (apiVersion, kind, metadata.name)", None,
         "kubectl: Object 'Kind' is missing"),
    Code("IE1005", "error", "unknown field (strict decoding), with a did-you-mean", "v1-migration",
         "apiserver strict field validation; kube-linter schema-validation (off)"),
    Code("IE1006", "error", "value of the wrong type (strict decoding)", None,
         "apiserver: cannot be handled as a <Kind>"),
    Code("IE1007", "error", "annotation or label value is not a string", "tls",
         "apiserver: cannot unmarshal bool into Go struct field ObjectMeta.metadata.annotations"),
    Code("IE1008", "warning", "object defined twice; the later definition replaces the earlier", None, "-"),
    Code("IE1009", "warning", "metadata.namespace set on a cluster-scoped kind", None, "-"),
    Code("IE1010", "warning", "apiVersion no longer served (Ingress v1beta1, IngressClass v1beta1, beta workloads)",
         "v1-migration", "kube-score stable-version; kube-linter no-extensions-v1beta; Popeye 403 (old)"),
    Code("IE1011", "info", "a v1beta1 field and how to write it in networking.k8s.io/v1", "v1-migration", "-"),
    # ---- Ingress spec, as the apiserver validates it
    Code("IE2001", "error", "pathType must be specified", "path-types", "apiserver Required"),
    Code("IE2002", "error", "pathType is not Exact, Prefix or ImplementationSpecific", "path-types",
         "apiserver NotSupported"),
    Code("IE2003", "error", "path must be an absolute path", "path-types", "apiserver Invalid"),
    Code("IE2004", "error", "Exact/Prefix path contains //, /./, /../, %2f or ends in /. or /..", "path-types",
         "apiserver Invalid"),
    Code("IE2005", "error", "host is not a lowercase DNS name (no port, no scheme)", "routing-basics",
         "apiserver Invalid (RFC 1123 subdomain)"),
    Code("IE2006", "error", "host is an IP address", "routing-basics", "apiserver Invalid"),
    Code("IE2007", "error", "wildcard host is not `*.` followed by a DNS name", "routing-basics",
         "apiserver Invalid"),
    Code("IE2008", "error", "http.paths is empty", "routing-basics", "apiserver Required"),
    Code("IE2009", "error", "neither rules nor defaultBackend", "default-backend", "apiserver Invalid"),
    Code("IE2010", "error", "backend needs exactly one of service and resource", "routing-basics",
         "apiserver Invalid; Popeye AddErr on resource refs"),
    Code("IE2011", "error", "backend service port needs a name or a number, not both", "routing-basics",
         "apiserver Invalid/Required; Popeye 1404"),
    Code("IE2012", "error", "backend service port number is not between 1 and 65535", "routing-basics",
         "apiserver Invalid"),
    Code("IE2013", "error", "backend service port name is not a valid port name (IANA_SVC_NAME)", "routing-basics",
         "apiserver Invalid"),
    Code("IE2014", "error", "backend service name is missing or not a DNS-1035 label", "routing-basics",
         "apiserver Invalid/Required"),
    Code("IE2015", "error", "resource backend needs kind and name", "routing-basics", "apiserver Required"),
    Code("IE2016", "error", "tls host is not a valid DNS name or wildcard", "tls", "apiserver Invalid"),
    Code("IE2017", "error", "tls secretName is not a valid Secret name", "tls", "apiserver Invalid"),
    Code("IE2018", "error", "ingressClassName is not a valid IngressClass name", "ingress-class",
         "apiserver Invalid"),
    Code("IE2019", "error", "class annotation does not match ingressClassName", "ingress-class",
         "apiserver Invalid (k8s >= 1.27)"),
    Code("IE2020", "warning", "kubernetes.io/ingress.class annotation is deprecated", "ingress-class",
         "apiserver Warning"),
    Code("IE2021", "info", "rule without http: it routes nothing itself", "default-backend",
         "GKE check-gke-ingress IngressRuleCheck"),
    Code("IE2022", "warning", "the same host, path and pathType twice in one Ingress", "path-types", "-"),
    # ---- Ingress -> Service -> Pod
    Code("IE3001", "error", "backend Service does not exist in the Ingress's namespace", "routing-basics",
         "Popeye 1401; kube-score ingress-targets-service; kube-linter dangling-ingress (off); GKE"),
    Code("IE3002", "error", "backend Service has no such port", "routing-basics",
         "Popeye 1402; kube-score ingress-targets-service; GKE could not find port"),
    Code("IE3003", "warning", "Service selector matches no Pods", "routing-basics",
         "Popeye 1100; kube-score service-targets-pod; kube-linter dangling-service"),
    Code("IE3004", "info", "Service has no selector, and no Endpoints for it are loaded", "routing-basics",
         "kube-linter dangling-service"),
    Code("IE3005", "warning", "every workload behind the Service has zero replicas", "routing-basics",
         "Popeye 500"),
    Code("IE3006", "error", "Service targetPort matches no containerPort", "routing-basics",
         "Popeye 1106; kube-linter invalid-target-ports (syntax only)"),
    Code("IE3007", "warning", "container behind an Ingress has no readinessProbe", "health-checks",
         "Popeye 104; kube-score pod-probes; Polaris readinessProbeMissing"),
    Code("IE3008", "error", "readinessProbe port is not a port the container declares", "health-checks",
         "kube-linter readiness-port"),
    Code("IE3009", "info", "readinessProbe and livenessProbe are identical", "health-checks",
         "kube-score pod-probes-identical"),
    Code("IE3101", "warning", "TLS Secret does not exist in the Ingress's namespace", "tls",
         "GKE event: Could not find TLS certificates; nginx serves its default certificate"),
    Code("IE3102", "warning", "TLS Secret is not of type kubernetes.io/tls", "tls", "-"),
    Code("IE3103", "error", "TLS Secret lacks tls.crt or tls.key", "tls", "nginx: key 'tls.crt' missing"),
    Code("IE3104", "warning", "rule host is not listed in any tls hosts", "tls",
         "nginx serves the default certificate for it"),
    Code("IE3201", "error", "the same host and path in two Ingresses", "host-routing",
         "ingress-nginx admission webhook"),
    # ---- Service and workload objects
    Code("IE4001", "error", "Service port needs a name when the Service has several", "routing-basics",
         "apiserver Required"),
    Code("IE4002", "error", "Service port name is not a DNS label, or is used twice", "routing-basics",
         "apiserver Invalid/Duplicate"),
    Code("IE4003", "error", "Service port or targetPort is not a valid port", "routing-basics", "apiserver Invalid"),
    Code("IE4004", "error", "nodePort outside 30000-32767", "nodeport-neg", "apiserver Invalid"),
    Code("IE4005", "error", "nodePort used twice", "nodeport-neg", "apiserver Invalid (already allocated)"),
    Code("IE4006", "error", "nodePort set on a ClusterIP Service", "nodeport-neg", "apiserver Forbidden"),
    Code("IE4007", "error", "workload selector missing or not matching its Pod template labels", "routing-basics",
         "apiserver Invalid; kube-score; kube-linter mismatching-selector"),
    # ---- class and controller
    Code("IE5001", "warning", "ingressClassName names no known IngressClass", "ingress-class",
         "conformance: such an Ingress gets no address"),
    Code("IE5002", "warning", "the chosen controller does not serve this Ingress", "ingress-class", "-"),
    Code("IE5003", "warning", "GKE ignores spec.ingressClassName", "ingress-class", "GKE docs"),
    Code("IE5004", "info", "no class: ingress-nginx serves it only as the default class", "ingress-class",
         "ingress-nginx >= 1.0"),
    # ---- what one controller does with it (profile fields)
    Code("IE6001", "warning", "GKE backend Service is not NodePort or LoadBalancer and has no NEG annotation",
         "nodeport-neg", "GKE ErrBadSvcType; Popeye 1103/1104 and kube-score service-type are style only"),
    Code("IE6002", "error", "NEG annotation is not valid JSON", "nodeport-neg", "GKE check-gke-ingress"),
    Code("IE6003", "error", "GKE refuses this path (invalid wildcard)", "path-types", "GKE translator"),
    Code("IE6004", "error", "ingress-nginx refuses this Exact/Prefix path (strict-validate-path-type)",
         "path-types", "ingress-nginx admission webhook"),
    Code("IE6005", "warning", "regex characters in a path ingress-nginx takes literally", "path-types", "-"),
    Code("IE6006", "error", "allow-http \"false\" without TLS: both HTTP and HTTPS are disabled", "tls",
         "GKE errAllProtocolsDisabled"),
    Code("IE6007", "warning", "annotation ignored by this controller", "https-only", "-"),
    Code("IE6008", "warning", "GKE health check will request GET / and needs 200", "health-checks",
         "GKE docs (default health check)"),
    Code("IE6009", "warning", "readinessProbe cannot become the GKE health check", "health-checks",
         "GKE isSimpleHTTPProbe"),
    Code("IE6010", "error", "static IP annotation names an IP or an unusable address", "nodeport-neg",
         "GKE: static IP name doesn't translate to an existing static IP"),
    Code("IE6011", "error", "BackendConfig annotation is invalid", "health-checks",
         "GKE check-gke-ingress BackendConfigAnnotationCheck"),
    Code("IE6012", "error", "BackendConfig named by a Service does not exist", "health-checks",
         "GKE check-gke-ingress BackendConfigExistenceCheck"),
    Code("IE6013", "error", "BackendConfig healthCheck timeoutSec greater than checkIntervalSec", "health-checks",
         "GKE check-gke-ingress HealthCheckTimeoutCheck"),
    Code("IE6014", "warning", "one host in two rules: GKE keeps only the last rule's paths", "host-routing",
         "GKE check-gke-ingress RuleHostOverwriteCheck"),
    Code("IE6015", "error", "FrontendConfig named by an Ingress does not exist", "tls",
         "GKE check-gke-ingress FrontendConfigExistenceCheck"),
    # ---- ingress-nginx annotations (explorer/diagnostics/nginx_annotations.py, docs/annotations.md)
    Code("IE7001", "warning", "unknown nginx.ingress.kubernetes.io annotation (a typo), with a did-you-mean", None,
         "-"),
    Code("IE7002", "error", "annotation value ingress-nginx refuses (bad CIDR, size, code): Ingress refused, 503, "
         "or ignored", None, "ingress-nginx: validation error on ingress / contains invalid value"),
    Code("IE7003", "error", "snippet or annotation above annotations-risk-level: the controller refuses the Ingress",
         None, "ingress-nginx: Snippet directives are disabled / annotation is too risky for environment"),
    Code("IE7004", "warning", "rewrite-target without a usable capture group: every sub-path reaches the target",
         None, "-"),
    Code("IE7005", "warning", "use-regex or rewrite-target turns Prefix /api into a regex matching /apiary", None,
         "-"),
    Code("IE7006", "error", "canary Ingress with no mainline (same host, path and pathType)", None,
         "ingress-nginx: unable to find real backend for alternative backend"),
    Code("IE7007", "error", "basic auth Secret missing or without its auth key: every path answers 503", None,
         "ingress-nginx: error reading secret"),
    Code("IE7008", "warning", "another controller's annotation on an ingress-nginx Ingress (nginx.org/*, alb, legacy "
         "ingress.kubernetes.io/*)", None, "-"),
)

CODES: dict[str, Code] = {c.code: c for c in _TABLE}
