"""GKE's own objects the controller sync reads: reserved addresses, FrontendConfig.

The translator's part (NEG, BackendConfig, Service types) lives below routing,
in `explorer.routing.ingress.gke`, so the RouteTable and the sync read one
answer; it is re-exported here for the topology's modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.model.state import ClusterState
from explorer.routing.ingress.gke import (
    BACKEND_CONFIG_ANNOTATIONS, CONFIG_CONNECTOR_GROUP, NEG_ANNOTATION, STATIC_IP_ANNOTATION, BackendConfigRef,
    DataPath, HealthCheckConfig, backend_config, backend_config_name, bad_service_type, data_path, find_object,
    spec_of,
)

__all__ = [
    "BACKEND_CONFIG_ANNOTATIONS", "CONFIG_CONNECTOR_GROUP", "NEG_ANNOTATION", "STATIC_IP_ANNOTATION",
    "BackendConfigRef", "DataPath", "HealthCheckConfig", "ReservedAddress", "backend_config",
    "backend_config_name", "bad_service_type", "data_path", "frontend_config_missing", "reserved_addresses",
]


@dataclass(frozen=True, slots=True)
class ReservedAddress:
    name: str  # the GCP address name (spec.resourceID, else metadata.name)
    location: str  # "global" or a region
    address: str | None  # spec.address, when the manifest pins it
    ref: str  # ComputeAddress/namespace/name


def reserved_addresses(state: ClusterState) -> list[ReservedAddress]:
    """Config Connector ComputeAddress objects: the project's reserved addresses (any namespace)."""
    found = []
    for other in state.others:
        if other.meta.kind != "ComputeAddress" or not other.meta.api_version.startswith(CONFIG_CONNECTOR_GROUP):
            continue
        spec = spec_of(other)
        resource_id, where, pinned = spec.get("resourceID"), spec.get("location"), spec.get("address")
        name = resource_id if isinstance(resource_id, str) else other.meta.name
        location = where if isinstance(where, str) else ""
        address = pinned if isinstance(pinned, str) else None
        found.append(ReservedAddress(name, location, address, other.meta.ref))
    return found


def frontend_config_missing(state: ClusterState, namespace: str, name: str) -> bool:
    return find_object(state, "FrontendConfig", namespace, name, "networking.gke.io/") is None
