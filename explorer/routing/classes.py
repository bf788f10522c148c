"""Which Ingresses a controller serves: ingressClassName, the old annotation, IngressClass."""

from __future__ import annotations

from explorer.model.objects import Ingress
from explorer.model.state import ClusterState
from explorer.profiles import ControllerProfile

CLASS_ANNOTATION = "kubernetes.io/ingress.class"


def serves(ingress: Ingress, state: ClusterState, profile: ControllerProfile) -> tuple[bool, str]:
    """(served, why) for one Ingress under one profile; `why` goes into the trace."""
    annotation = ingress.class_annotation
    field = ingress.ingress_class_name
    name = profile.title
    if annotation is not None:
        if annotation in profile.class_annotation_values:
            return True, f'served: annotation {CLASS_ANNOTATION}: "{annotation}" names {name}'
        return False, (
            f'not served: annotation {CLASS_ANNOTATION}: "{annotation}" names another controller '
            f"({name} answers to {_quoted(profile.class_annotation_values)})"
        )
    if field is not None:
        if not profile.honours_class_field:
            return False, (
                f"not served: {name} ignores spec.ingressClassName ({field!r}); it reads only the "
                f'{CLASS_ANNOTATION} annotation (set it to "{profile.class_annotation_values[0]}", '
                "or remove ingressClassName)"
            )
        ingress_class = state.ingress_classes.get(field)
        if ingress_class is not None:
            if ingress_class.controller == profile.controller:
                return True, f"served: IngressClass {field} has spec.controller {profile.controller}"
            return False, (
                f"not served: IngressClass {field} belongs to {ingress_class.controller or 'no controller'}, "
                f"not {profile.controller}"
            )
        if field == profile.installed_class_name:
            return True, (
                f"served: ingressClassName {field!r} is the IngressClass {name} installs "
                "(assumed present; it is not in the manifests)"
            )
        return False, (
            f"not served: no IngressClass named {field!r} exists, so no controller picks this Ingress up "
            "(it gets no address)"
        )
    default = next((c for c in state.ingress_classes.values() if c.is_default), None)
    if default is not None and profile.honours_class_field:
        if default.controller == profile.controller:
            return True, f"served: it names no class, and IngressClass {default.meta.name} is the default"
        return False, (
            f"not served: it names no class, so the default IngressClass {default.meta.name} "
            f"({default.controller}) takes it"
        )
    return True, (
        f"served: it names no class; {name} is assumed to be the cluster's default controller"
    )


def _quoted(values: tuple[str, ...]) -> str:
    return " or ".join(f'"{v}"' for v in values)
