"""Which controller each Ingress is checked for, and what is wrong with its class.

Whether a controller serves an Ingress is the router's question
(`explorer.routing.classes.serves`); this module asks it rather than
answering it again. What it adds is the author's intent: the controller a
class names, so `--controller auto` can check each Ingress for the
controller it was written for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from explorer.diagnostics.finding import Finding
from explorer.diagnostics.names import dns1123_subdomain
from explorer.diagnostics.site import Site, annotation_field
from explorer.model.objects import Ingress, IngressClass
from explorer.model.state import ClusterState
from explorer.routing.classes import CLASS_ANNOTATION, serves
from explorer.routing.profile import PROFILES, ControllerProfile

Choice = ControllerProfile | Literal["auto"] | None

#: Annotation prefixes only one controller reads: a class-less Ingress that carries them was written for it.
#: Keyed by profile name (data, read by `intended_profile`).
ANNOTATION_PREFIXES: dict[str, tuple[str, ...]] = {
    "nginx": ("nginx.ingress.kubernetes.io/",),
    "gce": ("ingress.gcp.kubernetes.io/", "networking.gke.io/"),
}

#: IngressClass names that other controllers' installs create (their Helm charts and add-ons), and who
#: serves them. ingress-explorer does not model these controllers: such an Ingress is checked neutrally,
#: and lint says so instead of reporting the class as missing.
UNMODELLED_CLASSES: dict[str, str] = {
    "alb": "AWS Load Balancer Controller",
    "azure-application-gateway": "Application Gateway Ingress Controller (AGIC)",
    "webapprouting.kubernetes.azure.com": "AKS application routing",
    "haproxy": "HAProxy Ingress",
    "traefik": "Traefik",
    "kong": "Kong Ingress Controller",
    "contour": "Contour",
    "istio": "Istio",
    "cilium": "Cilium",
    "openshift-default": "OpenShift router",
    "ambassador": "Emissary-ingress",
    "apisix": "Apache APISIX Ingress Controller",
    "skipper": "Skipper",
    "caddy": "Caddy Ingress Controller",
}


@dataclass
class Assignment:
    """Each Ingress's profile (None: controller-neutral checks only), and the class findings."""

    profiles: dict[int, ControllerProfile | None] = field(default_factory=dict)  # id(ingress) -> profile
    findings: list[Finding] = field(default_factory=list)

    def profile(self, ingress: Ingress) -> ControllerProfile | None:
        return self.profiles.get(id(ingress))


def _by_controller(controller: str) -> ControllerProfile | None:
    return next((p for p in PROFILES.values() if p.controller == controller), None)


def intended_profile(state: ClusterState, ingress: Ingress) -> ControllerProfile | None:
    """The controller the author meant, from the annotation, the class name or the default IngressClass."""
    annotation = ingress.class_annotation
    if annotation is not None:
        return next((p for p in PROFILES.values() if annotation in p.class_annotation_values), None)
    name = ingress.ingress_class_name
    if name:
        ingress_class = state.ingress_classes.get(name)
        if ingress_class is not None:
            return _by_controller(ingress_class.controller)
        return next((p for p in PROFILES.values()
                     if name == p.installed_class_name or name in p.class_annotation_values), None)
    default = _default_class(state)
    if default is not None:
        return _by_controller(default.controller)
    return _by_annotations(ingress)


def _by_annotations(ingress: Ingress) -> ControllerProfile | None:
    """A class-less Ingress with annotations only one controller reads (nginx.ingress.kubernetes.io/...)."""
    owners = {name for name, prefixes in ANNOTATION_PREFIXES.items()
              if any(key.startswith(prefixes) for key in ingress.meta.annotations)}
    return PROFILES.get(owners.pop()) if len(owners) == 1 else None


def _default_class(state: ClusterState) -> IngressClass | None:
    return next((c for c in state.ingress_classes.values() if c.is_default), None)


def _known_class(state: ClusterState, name: str) -> bool:
    return name in state.ingress_classes or any(
        name == p.installed_class_name or name in p.class_annotation_values for p in PROFILES.values()
    )


def assign(state: ClusterState, choice: Choice) -> Assignment:
    result = Assignment()
    for ingress in state.ingresses:
        site = Site(ingress.meta)
        intended = intended_profile(state, ingress)
        result.findings += _class_fields(site, ingress, intended)
        name = ingress.ingress_class_name
        unknown = bool(name) and not dns1123_subdomain(name or "") and not _known_class(state, name or "")
        other = _unmodelled(state, ingress)
        if other is not None:
            unknown = False
        if other is not None and (choice is None or choice == "auto"):
            class_name, who = other
            result.findings.append(site.finding(
                "IE5005", _class_field(ingress),
                f"class {class_name!r} is served by {who}, which ingress-explorer does not model: only the "
                "controller-neutral checks ran, and route, serve and the diagram do not show what it does",
                "nothing to fix; check its own documentation for the annotations it reads",
            ))
            result.profiles[id(ingress)] = None
            continue
        if unknown:
            result.findings.append(site.finding(
                "IE5001", "spec.ingressClassName",
                f'IngressClass "{name}" not found: no controller serves this Ingress, so it gets no address',
                "name an installed IngressClass (kubectl get ingressclass), e.g. nginx; "
                "or add the IngressClass manifest with -f",
            ))
        if choice is None:
            result.profiles[id(ingress)] = None
            continue
        profile = intended if choice == "auto" else choice
        if profile is None:
            result.profiles[id(ingress)] = None
            continue
        served, why = serves(ingress, state, profile)
        why = why.removeprefix("not served: ")
        if served:
            result.profiles[id(ingress)] = profile
            result.findings += _served_without_class(site, state, ingress, profile)
            continue
        result.profiles[id(ingress)] = None
        if unknown:
            continue
        if intended is not None and intended is not profile:
            result.findings.append(site.finding(
                "IE5002", _class_field(ingress),
                f"written for {intended.title}: {profile.title} does not serve it ({why})",
                f"its {intended.title} checks were skipped; run with --controller auto or "
                f"--controller {intended.name} to check it for its own controller",
                severity="info",
            ))
        elif intended is None and (ingress.class_annotation is not None or name):
            result.findings.append(site.finding(
                "IE5002", _class_field(ingress),
                f"written for another controller: {profile.title} does not serve it ({why})",
                "only controller-neutral checks were run on it", severity="info",
            ))
        elif name and not profile.honours_class_field:
            result.findings.append(site.finding(
                "IE5003", "spec.ingressClassName",
                f"{profile.title} ignores spec.ingressClassName ({name!r}); this Ingress gets no load balancer",
                f'remove ingressClassName and set the annotation {CLASS_ANNOTATION}: '
                f'"{profile.class_annotation_values[0]}"',
            ))
        else:
            result.findings.append(site.finding(
                "IE5002", _class_field(ingress), f"{profile.title} does not serve this Ingress: {why}",
                _serve_hint(profile),
            ))
    return result


def _unmodelled(state: ClusterState, ingress: Ingress) -> tuple[str, str] | None:
    """(class, controller) when the Ingress names a class of a controller we do not model."""
    name = ingress.class_annotation if ingress.class_annotation is not None else ingress.ingress_class_name
    if not name or name in state.ingress_classes and _by_controller(state.ingress_classes[name].controller):
        return None
    if any(name == p.installed_class_name or name in p.class_annotation_values for p in PROFILES.values()):
        return None
    if name in state.ingress_classes:
        return name, f"the controller {state.ingress_classes[name].controller}"
    who = UNMODELLED_CLASSES.get(name)
    return (name, who) if who else None


def _class_field(ingress: Ingress) -> str:
    if ingress.class_annotation is not None:
        return annotation_field(CLASS_ANNOTATION)
    return "spec.ingressClassName" if ingress.ingress_class_name is not None else "metadata"


def _serve_hint(profile: ControllerProfile) -> str:
    if profile.honours_class_field and profile.installed_class_name:
        return f"set spec.ingressClassName: {profile.installed_class_name}"
    return f'set the annotation {CLASS_ANNOTATION}: "{profile.class_annotation_values[0]}"'


def _served_without_class(site: Site, state: ClusterState, ingress: Ingress,
                          profile: ControllerProfile) -> list[Finding]:
    if not profile.needs_class or ingress.class_annotation is not None or ingress.ingress_class_name:
        return []
    if _default_class(state) is not None:
        return []
    return [site.finding(
        "IE5004", "spec",
        f"this Ingress names no class: {profile.title} serves it only if its IngressClass is the cluster's "
        "default or it runs with --watch-ingress-without-class",
        f"set spec.ingressClassName: {profile.installed_class_name}",
    )]


def _class_fields(site: Site, ingress: Ingress, intended: ControllerProfile | None) -> list[Finding]:
    annotation = ingress.class_annotation
    name = ingress.ingress_class_name
    if annotation is None:
        return []
    field = annotation_field(CLASS_ANNOTATION)
    if name is not None and annotation != name:
        return [site.finding(
            "IE2019", field, f'Invalid value: "{annotation}": must match `ingressClassName` when both are specified',
            "keep one of them: spec.ingressClassName for most controllers; the annotation alone for GKE",
        )]
    if name is None and (intended is None or intended.honours_class_field):
        return [site.finding(
            "IE2020", field,
            f'annotation "{CLASS_ANNOTATION}" is deprecated, please use \'spec.ingressClassName\' instead',
            f"write spec.ingressClassName: {annotation} and remove the annotation",
        )]
    return []
