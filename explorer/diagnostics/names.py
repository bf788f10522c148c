"""Name and port rules of the apiserver, with its own messages.

Each function returns the list of messages the apiserver would give (empty
when the value is fine), worded as k8s.io/apimachinery words them, because
people paste those messages into search engines.
"""

from __future__ import annotations

import ipaddress
import re

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
_WILDCARD = re.compile(rf"^\*\.{_LABEL}(\.{_LABEL})*$")
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_LABEL = re.compile(rf"^{_LABEL}$")
_IANA_CHARS = re.compile(r"^[-a-z0-9]+$")

SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation "
    r"is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
WILDCARD_MESSAGE = (
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must "
    "consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character "
    r"(e.g. '*.example.com', regex used for validation is '\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    r"(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
DNS1035_MESSAGE = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
DNS1123_LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
PORT_RANGE_MESSAGE = "must be between 1 and 65535, inclusive"


def _too_long(value: str, limit: int) -> list[str]:
    return [f"must be no more than {limit} characters"] if len(value) > limit else []


def dns1123_subdomain(value: str) -> list[str]:
    return _too_long(value, 253) + ([] if _SUBDOMAIN.match(value) else [SUBDOMAIN_MESSAGE])


def wildcard_dns1123_subdomain(value: str) -> list[str]:
    return _too_long(value, 253) + ([] if _WILDCARD.match(value) else [WILDCARD_MESSAGE])


def dns1035_label(value: str) -> list[str]:
    return _too_long(value, 63) + ([] if _DNS1035.match(value) else [DNS1035_MESSAGE])


def dns1123_label(value: str) -> list[str]:
    return _too_long(value, 63) + ([] if _DNS1123_LABEL.match(value) else [DNS1123_LABEL_MESSAGE])


def port_number(value: int) -> list[str]:
    return [] if 1 <= value <= 65535 else [PORT_RANGE_MESSAGE]


def port_name(value: str) -> list[str]:
    """IANA_SVC_NAME: what a named port (Ingress backend, targetPort, probe port) must look like."""
    messages = _too_long(value, 15)
    if not _IANA_CHARS.match(value):
        messages.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in value:
        messages.append("must not contain consecutive hyphens (--)")
    if not re.search("[a-z]", value):
        messages.append("must contain at least one letter (a-z)")
    if value.startswith("-") or value.endswith("-"):
        messages.append("must not begin or end with a hyphen (-)")
    return messages


def one(messages: list[str]) -> list[str]:
    """Several messages about one value as one finding (the apiserver lists them one by one)."""
    return ["; ".join(messages)] if messages else []


def is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def host_hint(host: str) -> str:
    """What the author most likely meant, for a host the apiserver refuses."""
    if "://" in host:
        return f"write only the host name: {host.split('://', 1)[1].split('/', 1)[0]}"
    if ":" in host and not is_ip(host):
        return f"drop the port ({host.rsplit(':', 1)[0]}): an Ingress host has none; it serves ports 80 and 443"
    if host.endswith("."):
        return f"drop the trailing dot: {host.rstrip('.')}"
    if host != host.lower():
        return f"write it in lower case: {host.lower()}"
    if "_" in host:
        return "underscores are not allowed in host names; use '-'"
    return "a host is a DNS name such as shop.example.com"
