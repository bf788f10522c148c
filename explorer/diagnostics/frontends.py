"""The load balancer's front end: plain HTTP, static IP, FrontendConfig, per profile fields.

These annotations mean something to one controller and nothing to the
other; an annotation the chosen controller ignores is reported, because
people add them expecting an effect.
"""

from __future__ import annotations

from typing import Iterator

from explorer.diagnostics.finding import Finding
from explorer.diagnostics.names import is_ip
from explorer.diagnostics.site import Site, annotation_field
from explorer.model.objects import Ingress, OtherObject
from explorer.model.state import ClusterState
from explorer.routing.profile import ControllerProfile

ALLOW_HTTP = "kubernetes.io/ingress.allow-http"
GLOBAL_IP = "kubernetes.io/ingress.global-static-ip-name"
REGIONAL_IP = "kubernetes.io/ingress.regional-static-ip-name"
FRONTEND_CONFIG = "networking.gke.io/v1beta1.FrontendConfig"
#: Certificates that do not come from spec.tls but still give GKE an HTTPS front end.
CERT_ANNOTATIONS = ("ingress.gcp.kubernetes.io/pre-shared-cert", "networking.gke.io/managed-certificates")


def check(state: ClusterState, ingress: Ingress, profile: ControllerProfile) -> Iterator[Finding]:
    site = Site(ingress.meta)
    yield from _allow_http(site, ingress, profile)
    yield from _static_ip(state, site, ingress, profile)
    yield from _frontend_config(state, site, ingress, profile)


def _allow_http(site: Site, ingress: Ingress, profile: ControllerProfile) -> Iterator[Finding]:
    if ingress.annotation(ALLOW_HTTP) != "false":
        return
    field = annotation_field(ALLOW_HTTP)
    if not profile.honours_allow_http:
        redirect = (f"with spec.tls it already redirects HTTP to HTTPS ({profile.tls_redirect_status})"
                    if profile.tls_redirect_status else "it keeps HTTP open")
        yield site.finding(
            "IE6007", field, f"{ALLOW_HTTP} is ignored by {profile.title}: plain HTTP stays open",
            f"{redirect}; to close port 80 entirely, turn off HTTP on the controller's own Service "
            "(Helm value controller.service.enableHttp: false)",
        )
        return
    if ingress.tls or any(ingress.annotation(key) for key in CERT_ANNOTATIONS):
        return
    yield site.finding(
        "IE6006", field,
        "invalid configuration: both HTTP and HTTPS are disabled (kubernetes.io/ingress.allow-http is false "
        "and there is no valid TLS configuration); your Ingress will not be able to serve any traffic",
        "add spec.tls with a TLS Secret (or a pre-shared or Google-managed certificate), or remove the "
        "annotation; to send HTTP to HTTPS, prefer a FrontendConfig with redirectToHttps",
    )


def _static_ip(state: ClusterState, site: Site, ingress: Ingress, profile: ControllerProfile) -> Iterator[Finding]:
    name = ingress.annotation(GLOBAL_IP)
    if name and ingress.annotation(REGIONAL_IP) and profile.honours_static_ip:
        yield site.finding(
            "IE6016", annotation_field(REGIONAL_IP),
            "both global-static-ip and regional-static-ip cannot be specified: the controller refuses to sync "
            "this Ingress, so it gets no load balancer",
            f"keep {GLOBAL_IP} for an external Ingress (class gce), or {REGIONAL_IP} for an internal one "
            "(class gce-internal)",
        )
        return
    if not name:
        return
    field = annotation_field(GLOBAL_IP)
    if not profile.honours_static_ip:
        yield site.finding(
            "IE6007", field, f"{GLOBAL_IP} is ignored by {profile.title}: the address is its own Service's",
            "reserve the IP for the controller's LoadBalancer Service instead (spec.loadBalancerIP, or the "
            "cloud's annotation for it)",
        )
        return
    if is_ip(name):
        yield site.finding(
            "IE6010", field,
            f"{GLOBAL_IP} takes the name of a reserved address, not the IP itself ({name})",
            "write the address's name: gcloud compute addresses list --global shows it",
        )
        return
    if "/regions/" in name:
        yield site.finding(
            "IE6010", field,
            f"the given static IP name {name} doesn't translate to an existing static IP: it is the path of a "
            "regional address, and an external Ingress takes a global address by name",
            f"reserve a global address and write its name alone: gcloud compute addresses create "
            f"{name.rsplit('/', 1)[-1]} --global (a regional address suits {REGIONAL_IP} on a gce-internal "
            "Ingress)",
        )
        return
    addresses = [o for o in state.others if o.meta.kind == "ComputeAddress"]
    if not addresses:
        return  # addresses live in the cloud project, not in the manifests: nothing to compare with
    address = next((a for a in addresses if _address_name(a) == name), None)
    message = f"the given static IP name {name} doesn't translate to an existing static IP."
    if address is None:
        yield site.finding(
            "IE6010", field, message,
            f"no ComputeAddress named {name} is among the loaded manifests; reserve one: "
            f"gcloud compute addresses create {name} --global", severity="warning",
        )
        return
    location = ((address.meta.raw or {}).get("spec") or {}).get("location")
    if location != "global":
        yield site.finding(
            "IE6010", field, message,
            f"{address.meta.ref} is a regional address (location: {location}); an external Ingress needs a "
            f"global one: gcloud compute addresses create {name} --global",
        )


def _address_name(address: OtherObject) -> str:
    """Config Connector names the cloud resource spec.resourceID, else metadata.name."""
    spec = (address.meta.raw or {}).get("spec") or {}
    return spec.get("resourceID") or address.meta.name


def _frontend_config(state: ClusterState, site: Site, ingress: Ingress,
                     profile: ControllerProfile) -> Iterator[Finding]:
    name = ingress.annotation(FRONTEND_CONFIG)
    if not name:
        return
    field = annotation_field(FRONTEND_CONFIG)
    if not profile.frontend_config_redirect:
        yield site.finding("IE6007", field, f"{FRONTEND_CONFIG} is ignored by {profile.title}",
                           "for an HTTPS redirect use spec.tls (ingress-nginx redirects by default) or its "
                           "nginx.ingress.kubernetes.io/force-ssl-redirect annotation")
        return
    namespace = ingress.meta.namespace
    if not any(o.meta.kind == "FrontendConfig" and o.meta.name == name and o.meta.namespace == namespace
               for o in state.others):
        yield site.finding(
            "IE6015", field, f"FrontendConfig {namespace}/{name} does not exist",
            "create it (apiVersion: networking.gke.io/v1beta1, kind: FrontendConfig) in the Ingress's "
            "namespace, or load its file with another -f",
        )

