"""Ingress controller profiles: what ingress-nginx and GKE do differently, as data.

Every difference the router, the topology and the simulation obey is a field
here, with the source it comes from (see shared facts, section 4). Code asks
the profile; it never asks which controller it is.
"""

from __future__ import annotations

from typing import Literal

from explorer.model.value import value


@value
class ControllerProfile:
    name: str  # "nginx" | "gce": what --controller takes
    title: str
    #: IngressClass spec.controller values this controller answers to.
    controller: str
    #: kubernetes.io/ingress.class annotation values it claims.
    class_annotation_values: tuple[str, ...]
    #: Does spec.ingressClassName choose this controller? (GKE ignores the field.)
    honours_class_field: bool
    #: Name of the IngressClass installed with the controller, assumed present
    #: when the manifests do not define it.
    installed_class_name: str | None

    #: "locations": nginx server blocks and locations; "url-map": one GCE URL map.
    path_matching: Literal["locations", "url-map"]
    #: How ImplementationSpecific (and v1beta1 paths without pathType) match.
    implementation_specific: Literal["prefix", "exact-glob"]
    #: True: each Ingress is its own load balancer with its own address.
    load_balancer_per_ingress: bool
    #: The same host twice in one Ingress: "merge" its paths, or the later rule "replace"s the earlier.
    duplicate_host_rules: Literal["merge", "replace"]
    #: Identical path written twice for one host: "exact-wins" (then oldest), or the "later-wins".
    same_path_conflict: Literal["exact-wins", "later-wins"]
    #: `*.foo.com` covers exactly one label ("one") or any number ("many").
    wildcard_host_labels: Literal["one", "many"]
    #: An Ingress's defaultBackend serves "own-hosts" only, or its whole "load-balancer".
    default_backend_scope: Literal["own-hosts", "load-balancer"]
    #: A backend Service (or port) that cannot be used: nginx answers "503" for that path; on GKE the
    #: Ingress "fails-translation" as a whole and its load balancer is not programmed (no address).
    bad_backend: Literal["503", "fails-translation"]
    #: Prefix `/foo` also gets an exact `= /foo` location (nginx), so it beats Prefix `/foo/` for `/foo`.
    exact_location_for_prefix: bool
    #: Prefix `/foo/` requested as `/foo` answers 301 to `/foo/` (nginx auto-redirect).
    trailing_slash_redirect: bool
    #: nginx: `tls` on a host redirects plain HTTP with 308; ssl-redirect/force-ssl-redirect annotations.
    tls_redirect_status: int | None
    #: GKE: kubernetes.io/ingress.allow-http "false" drops the HTTP front end (404).
    honours_allow_http: bool
    #: GKE: FrontendConfig redirectToHttps through the networking.gke.io/v1beta1.FrontendConfig annotation.
    frontend_config_redirect: bool
    #: HTTPS is answered only by a load balancer that has a certificate (GKE); nginx always listens.
    https_needs_tls: bool
    #: nginx: use-regex / rewrite-target turn every path of the host into a regex.
    regex_annotations: bool
    #: Request path normalisation before matching (nginx decodes %XX and merges slashes).
    decode_percent: bool
    merge_slashes: bool

    #: The controller's own default backend: where unmatched requests go.
    default_backend_name: str
    default_backend_body: str
    default_backend_health_path: str

    # ---- what stands behind a backend (explorer.topology); lessons.md sections 1-2
    #: True: the proxy runs in the cluster, Pods behind an L4 LoadBalancer Service (nginx).
    #: False: a cloud L7 load balancer outside the cluster, whose default backend is a real Service (GKE).
    proxy_in_cluster: bool
    #: namespace/name of that L4 LoadBalancer Service ("" when proxy_in_cluster is False).
    controller_service: str
    #: Without container-native load balancing a backend Service must be NodePort or LoadBalancer (GKE).
    needs_node_port: bool
    #: Service annotation cloud.google.com/neg {"ingress": true}: the LB sends to Pod IPs directly (GKE NEG).
    honours_neg_annotation: bool
    #: Who decides which Pods get traffic: the "load-balancer"'s own health checks (GKE), or kubelet "readiness".
    health_checked_by: Literal["load-balancer", "readiness"]
    #: Status codes that check counts as success, inclusive: GKE's LB only 200; kubelet httpGet 200-399.
    healthy_statuses: tuple[int, int]
    #: The answer when a backend has no healthy endpoint: GKE 502 "Server Error", nginx 503.
    no_healthy_backend_status: int
    no_healthy_backend_body: str
    #: kubernetes.io/ingress.global-static-ip-name takes a reserved global address (GKE).
    honours_static_ip: bool
    #: Service annotation cloud.google.com/backend-config attaches a BackendConfig (health check) (GKE).
    honours_backend_config: bool
    #: The `From` column of the controller's events in `kubectl describe ingress`.
    event_source: str

    # ---- admission-time checks (explorer.diagnostics); checks.md section 1 rows 5 and 37
    #: Exact/Prefix paths must match this pattern or the admission webhook refuses the Ingress
    #: (ingress-nginx strict-validate-path-type, on by default since v1.12; `.` allowed since 1.12.6/1.13.2).
    strict_path_pattern: str | None = None
    #: An Ingress naming no class is served only when the controller's IngressClass is the cluster
    #: default or it runs with --watch-ingress-without-class (ingress-nginx >= 1.0); routing assumes it is.
    needs_class: bool = False

    # ---- a backend that answers too slowly (explorer.proxy, explorer.topology.app `delay`)
    #: Seconds the proxy waits for a Pod's answer: ingress-nginx proxy-read-timeout 60 (between two reads);
    #: the GKE backend service's timeoutSec, 30 by default (BackendConfig timeoutSec, not simulated).
    upstream_timeout: float = 60.0
    #: The status the client then gets: nginx 504 Gateway Time-out (checked against nginx 1.22); GKE's
    #: load balancer answers 502 (kubernetes/kubernetes#32273: "502 errors when the request takes over 30 seconds").
    upstream_timeout_status: int = 504

    # ---- what the Pod is told about the client, and what never reaches it (explorer.proxy)
    #: X-Forwarded-For: "replace"d by the client's address (ingress-nginx, use-forwarded-headers false, its
    #: default: nginx.tmpl `proxy_set_header X-Forwarded-For $remote_addr`, and the client's own value goes
    #: in X-Original-Forwarded-For), or the client's address "append"ed to what the client sent (GKE's
    #: load balancer: "<supplied value>, <client IP>, <load balancer IP>").
    forwarded_for: Literal["replace", "append"] = "append"
    #: Methods the controller answers itself instead of forwarding: nginx answers TRACE with 405 Not
    #: Allowed (ngx_http_request.c, "client sent TRACE method"). GKE: no source read says; forwarded.
    refused_methods: tuple[tuple[str, int], ...] = ()
    # ---- HTTPS: the certificate served for an SNI no certificate is for (explorer.proxy.tls)
    #: "controller": the controller's own self-signed one (ingress-nginx's "Fake Certificate");
    #: "first": the first certificate of the target proxy's list, which GKE fills in spec.tls order
    #: (Google Cloud: with no SNI or one that matches no certificate, the load balancer serves the
    #: primary, first, certificate).
    unknown_sni_certificate: Literal["controller", "first"] = "controller"
    # ---- which objects make the front end (explorer.proxy, explorer.topology.controller)
    #: "ingress": Ingresses (nginx, GKE); "gateway": Gateways and the HTTPRoutes attached to them, whose
    #: backendRefs make the backends and whose filters the proxy applies (explorer.proxy.gateway).
    front_end: Literal["ingress", "gateway"] = "ingress"
    # ---- annotations (explorer.routing.nginx, explorer.profiles.nginx_annotations)
    #: Reads the nginx.ingress.kubernetes.io/ annotations and the ingress-nginx-controller ConfigMap.
    reads_nginx_annotations: bool = False
    #: A host of an Ingress with a tls section that no tls entry names still gets a certificate (the
    #: controller's default one) and so the HTTPS redirect (ingress-nginx controller.go createServers).
    default_certificate_redirect: bool = False


NGINX = ControllerProfile(
    forwarded_for="replace",
    refused_methods=(("TRACE", 405),),
    name="nginx",
    title="ingress-nginx",
    controller="k8s.io/ingress-nginx",
    class_annotation_values=("nginx",),
    honours_class_field=True,
    installed_class_name="nginx",
    path_matching="locations",
    implementation_specific="prefix",
    load_balancer_per_ingress=False,
    duplicate_host_rules="merge",
    same_path_conflict="exact-wins",
    wildcard_host_labels="one",
    default_backend_scope="own-hosts",
    bad_backend="503",
    exact_location_for_prefix=True,
    trailing_slash_redirect=True,
    tls_redirect_status=308,
    honours_allow_http=False,
    frontend_config_redirect=False,
    https_needs_tls=False,
    regex_annotations=True,
    decode_percent=True,
    merge_slashes=True,
    default_backend_name="ingress-nginx/ingress-nginx-defaultbackend",
    default_backend_body="default backend - 404",
    default_backend_health_path="/healthz",
    proxy_in_cluster=True,
    controller_service="ingress-nginx/ingress-nginx-controller",
    needs_node_port=False,
    honours_neg_annotation=False,
    health_checked_by="readiness",
    healthy_statuses=(200, 399),
    no_healthy_backend_status=503,
    no_healthy_backend_body="503 Service Temporarily Unavailable",
    honours_static_ip=False,
    honours_backend_config=False,
    event_source="nginx-ingress-controller",
    strict_path_pattern=r"^/[A-Za-z0-9._\-/]*$",
    needs_class=True,
    reads_nginx_annotations=True,
    default_certificate_redirect=True,
)

GCE = ControllerProfile(
    name="gce",
    title="GKE Ingress",
    controller="k8s.io/ingress-gce",
    class_annotation_values=("gce", "gce-internal"),
    honours_class_field=False,
    installed_class_name=None,
    path_matching="url-map",
    implementation_specific="exact-glob",
    load_balancer_per_ingress=True,
    duplicate_host_rules="replace",
    same_path_conflict="later-wins",
    wildcard_host_labels="many",
    default_backend_scope="load-balancer",
    bad_backend="fails-translation",
    exact_location_for_prefix=False,
    trailing_slash_redirect=False,
    tls_redirect_status=None,
    honours_allow_http=True,
    frontend_config_redirect=True,
    https_needs_tls=True,
    regex_annotations=False,
    decode_percent=False,
    merge_slashes=False,
    default_backend_name="kube-system/default-http-backend",
    default_backend_body="response 404 (backend NotFound), service rules for the path non-existent",
    default_backend_health_path="/healthz",
    proxy_in_cluster=False,
    controller_service="",
    needs_node_port=True,
    honours_neg_annotation=True,
    health_checked_by="load-balancer",
    healthy_statuses=(200, 200),
    no_healthy_backend_status=502,
    no_healthy_backend_body=(
        "Error: Server Error\nThe server encountered a temporary error and could not complete your request.\n"
        "Please try again in 30 seconds."
    ),
    honours_static_ip=True,
    honours_backend_config=True,
    event_source="loadbalancer-controller",
    upstream_timeout=30.0,
    upstream_timeout_status=502,
    unknown_sni_certificate="first",
)

PROFILES: dict[str, ControllerProfile] = {p.name: p for p in (NGINX, GCE)}


def get_profile(name: str) -> ControllerProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown controller {name!r}; choose one of: {', '.join(PROFILES)}") from None
