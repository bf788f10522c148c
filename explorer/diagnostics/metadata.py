"""metadata.name as the apiserver validates it, per kind (ValidateObjectMeta with the kind's name rule).

Most kinds take a DNS-1123 subdomain (`shop-ingress`, `shop.v2`); a Service
a DNS-1035 label (it becomes a DNS name and environment variables: no dots,
starts with a letter); a Namespace a DNS-1123 label. Custom resources are
left alone: their names are the CRD's business. A name with a capital
letter or an underscore (`Shop_Ingress`) is the usual slip: the loader
takes it, the apiserver does not.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

from explorer.diagnostics import names
from explorer.diagnostics.finding import Finding
from explorer.diagnostics.site import Site
from explorer.model.schema import current_version, kind_schema
from explorer.model.state import ClusterState

#: Kinds whose name rule is not the DNS-1123 subdomain (kubernetes pkg/apis/core/validation).
_RULES: dict[str, tuple[Callable[[str], list[str]], str]] = {
    "Service": (names.dns1035_label, "DNS-1035 label"),
    "Namespace": (names.dns1123_label, "DNS-1123 label"),
}


def _suggest(name: str, label: bool) -> str:
    fixed = re.sub(r"[^a-z0-9.-]+", "-", name.lower().replace("_", "-"))
    if label:
        fixed = fixed.replace(".", "-")
    fixed = re.sub(r"-{2,}", "-", fixed).strip("-.")
    return fixed


def check(state: ClusterState) -> Iterator[Finding]:
    version = current_version()
    for obj in state.objects:
        meta = obj.meta
        raw_name = ((meta.raw or {}).get("metadata") or {}).get("name")
        if not isinstance(raw_name, str) or not raw_name:
            continue  # generateName only, or reported by the loader
        rule, words = _RULES.get(meta.kind, (names.dns1123_subdomain, "DNS-1123 subdomain"))
        if meta.kind not in _RULES and kind_schema(version, meta.api_version, meta.kind) is None:
            continue  # a custom resource (or a removed apiVersion, reported as such)
        for message in names.one(rule(raw_name)):
            fixed = _suggest(raw_name, meta.kind in _RULES)
            hint = f"a {meta.kind} name is a {words}: e.g. {fixed}" if fixed else f"a {meta.kind} name is a {words}"
            if meta.kind == "Service" and raw_name[:1].isdigit():
                hint += " (a Service name must start with a letter)"
            yield Site(meta).finding("IE1012", "metadata.name", f'Invalid value: "{raw_name}": {message}', hint)
