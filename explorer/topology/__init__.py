"""What stands behind a backend: Service, nodePort, Pods, health, and the controllers' simulation (pure).

Public API (what the proxy, the TUI and the lessons call):

- flow.py: `resolve(state, profile, decision, controller=None) -> Flow`, `resolve_rule(...)`,
  `resolve_backend(...)`, `ingress_rows(state, profile, controller=None) -> list[IngressRow]`,
  `refresh_rows(state, profile, rows, controller, backends)` (only the rows of backends whose health changed),
  `predicted_sync(state, profile)` (reconcile from scratch, once per snapshot).
- controller.py: `reconcile(previous, state, profile, now=...) -> (ControllerState, [Event])`,
  `health_checks(cs) -> [HealthCheckTask]`, `record_probe(cs, backend_id, target, status, now)`,
  and the ControllerState queries (address_of, find_backend, serving_endpoints, backend_health, annotations).
- pods.py: `pods_for_service(state, service)`, `all_pods(state, profile)` (what the simulation runs,
  GKE's default-backend Pod included), `find_service(state, profile, ns, name)`, PodView.
- app.py: the `ingress-explorer/app` annotation: `parse_app`, `app_of`, `AppSpec.answer`, `echo_body`.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from explorer.topology.app import APP_ANNOTATION, AppResponse, AppSpec, AppSpecError, app_of, echo_body, parse_app
    from explorer.topology.controller import (
        BackendService, ControllerState, Endpoint, Event, HealthCheckTask, LoadBalancerState, ProbeTarget,
        TargetHealth, health_checks, reconcile, record_probe,
    )
    from explorer.topology.flow import (
        Flow, Hop, IngressRow, PodHop, ingress_rows, predicted_controller, predicted_sync, refresh_rows, resolve,
        resolve_backend, resolve_rule,
    )
    from explorer.topology.healthcheck import HealthCheck
    from explorer.topology.pods import PodView, all_pods, find_service, pods_for_service

# Importing one submodule (explorer.topology.pods, which the route command needs to judge Pod readiness)
# must not import the whole package: the names below are imported on first use (PEP 562).
_WHERE = {
    "APP_ANNOTATION": "explorer.topology.app",
    "AppResponse": "explorer.topology.app",
    "AppSpec": "explorer.topology.app",
    "AppSpecError": "explorer.topology.app",
    "BackendService": "explorer.topology.controller",
    "ControllerState": "explorer.topology.controller",
    "Endpoint": "explorer.topology.controller",
    "Event": "explorer.topology.controller",
    "Flow": "explorer.topology.flow",
    "HealthCheck": "explorer.topology.healthcheck",
    "HealthCheckTask": "explorer.topology.controller",
    "Hop": "explorer.topology.flow",
    "IngressRow": "explorer.topology.flow",
    "LoadBalancerState": "explorer.topology.controller",
    "PodHop": "explorer.topology.flow",
    "PodView": "explorer.topology.pods",
    "ProbeTarget": "explorer.topology.controller",
    "TargetHealth": "explorer.topology.controller",
    "all_pods": "explorer.topology.pods",
    "app_of": "explorer.topology.app",
    "echo_body": "explorer.topology.app",
    "find_service": "explorer.topology.pods",
    "health_checks": "explorer.topology.controller",
    "ingress_rows": "explorer.topology.flow",
    "parse_app": "explorer.topology.app",
    "pods_for_service": "explorer.topology.pods",
    "predicted_controller": "explorer.topology.flow",
    "predicted_sync": "explorer.topology.flow",
    "reconcile": "explorer.topology.controller",
    "record_probe": "explorer.topology.controller",
    "refresh_rows": "explorer.topology.flow",
    "resolve": "explorer.topology.flow",
    "resolve_backend": "explorer.topology.flow",
    "resolve_rule": "explorer.topology.flow",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "APP_ANNOTATION", "AppResponse", "AppSpec", "AppSpecError", "BackendService", "ControllerState", "Endpoint",
    "Event", "Flow", "HealthCheck", "HealthCheckTask", "Hop", "IngressRow", "LoadBalancerState", "PodHop",
    "PodView", "ProbeTarget", "TargetHealth", "all_pods", "app_of", "echo_body", "find_service", "health_checks",
    "ingress_rows", "parse_app", "pods_for_service", "predicted_controller", "predicted_sync", "reconcile",
    "record_probe", "refresh_rows", "resolve", "resolve_backend", "resolve_rule",
]
