"""Rules that collide: one host twice in an Ingress, one host+path in two Ingresses.

What a collision costs depends on the controller: ingress-nginx merges all
Ingresses into one server per host (its webhook refuses a second host+path),
GKE gives every Ingress its own load balancer but keeps only the last rule
of a host inside one Ingress.
"""

from __future__ import annotations

from typing import Callable, Iterator

from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site
from explorer.model.objects import HTTPIngressPath, Ingress
from explorer.routing.profile import ControllerProfile

CANARY = "nginx.ingress.kubernetes.io/canary"

ProfileOf = Callable[[Ingress], ControllerProfile | None]


def _age(ingress: Ingress) -> tuple[bool, str, int]:
    """Oldest first: creationTimestamp when given, else load order (stands for creation order)."""
    return (not ingress.meta.creation_timestamp, ingress.meta.creation_timestamp, ingress.meta.order)


def across_ingresses(ingresses: tuple[Ingress, ...], profile_of: ProfileOf) -> Iterator[Finding]:
    """Same host and path (any pathType, as the ingress-nginx webhook compares) in two Ingresses."""
    groups: dict[tuple[str | None, str | None], list[Ingress]] = {}
    for ingress in ingresses:
        profile = profile_of(ingress)
        # where each Ingress is its own load balancer, a class value of its own (gce, gce-internal) is another
        # kind of load balancer on another network: they never compete for a request
        scheme = ingress.class_annotation if profile is not None and profile.load_balancer_per_ingress else None
        groups.setdefault((profile.name if profile else None, scheme), []).append(ingress)
    for members in groups.values():
        profile = profile_of(members[0])
        owners: dict[tuple[str, str], tuple[Ingress, HTTPIngressPath]] = {}
        for ingress in sorted(members, key=_age):
            if ingress.annotation(CANARY) == "true":
                continue  # canary Ingresses share host+path on purpose
            site = Site(ingress.meta)
            for rule in ingress.rules:
                for path in rule.paths or ():
                    if path.backend.service is None:
                        continue
                    key = (rule.host, path.path or "/")
                    first = owners.setdefault(key, (ingress, path))
                    if first[0] is ingress:
                        continue
                    yield _duplicate(site, profile, key, first, path)


def _duplicate(site: Site, profile: ControllerProfile | None, key: tuple[str, str],
               first: tuple[Ingress, HTTPIngressPath], path: HTTPIngressPath) -> Finding:
    host, value = key
    owner, owner_path = first
    where = f"{owner.meta.location.file}:{Site(owner.meta).line(owner_path.field)}"
    message = f'host "{host or "_"}" and path "{value}" is already defined in ingress {owner.meta.key}'
    if profile is not None and not profile.load_balancer_per_ingress:
        return site.finding(
            "IE3201", f"{path.field}.path", message,
            f"{profile.title} refuses it at admission (or, without its webhook, the older Ingress wins); "
            f"move the path into {owner.meta.key} ({where}), or mark one Ingress as a canary",
        )
    if profile is not None:
        hint = (f"with {profile.title} each Ingress is its own load balancer, so DNS decides which one answers "
                f"{host or 'this host'}; the other is at {where}")
    else:
        hint = (f"ingress-nginx refuses the second at admission; with GKE each Ingress is its own load balancer "
                f"and DNS decides. The other is at {where}")
    return site.finding("IE3201", f"{path.field}.path", message, hint, severity="warning", stage="risky")


def host_rules(ingress: Ingress, profile: ControllerProfile | None) -> Iterator[Finding]:
    """One host in two rules of one Ingress: fine where rules merge, paths lost where the last one wins."""
    if profile is not None and profile.duplicate_host_rules == "merge":
        return
    site = Site(ingress.meta)
    last: dict[str, str] = {}
    for rule in ingress.rules:
        if rule.host in last:
            who = profile.title if profile is not None else "GKE"
            yield site.finding(
                "IE6014", f"{rule.field}.host",
                f"Ingress rules have identical host: {rule.host or '(any)'} ({last[rule.host]} and {rule.field}); "
                f"{who} keeps only the paths of the last one",
                f"put all paths of {rule.host or 'the host-less rule'} under one rule's http.paths",
            )
        last[rule.host] = rule.field
