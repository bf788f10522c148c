"""Path matching as the spec and the two controllers define it, with explanations.

Spec (Kubernetes docs, "Examples" table): Exact compares the whole path;
Prefix compares whole `/`-separated elements and ignores a trailing slash.
These functions are the single place those rules are written down.
"""

from __future__ import annotations


def prefix_key(path: str) -> str:
    """The element-wise key of a Prefix path: `/foo/` and `/foo` share `/foo`; `/` is ``."""
    return path.rstrip("/")


def element_prefixes(path: str) -> list[str]:
    """Every key a Prefix rule could have to match `path`, longest first.

    `/aaa/bbb/ccc` -> [`/aaa/bbb/ccc`, `/aaa/bbb`, `/aaa`, ``]. A trailing slash
    on the request is ignored, as the spec says.
    """
    key = path.rstrip("/")
    keys = [key]
    while key:
        key = key[: key.rfind("/")]
        keys.append(key)
    return keys


def prefix_matches(rule_path: str, request_path: str) -> bool:
    key = prefix_key(rule_path)
    if not key:
        return True
    request = request_path.rstrip("/")
    return request == key or request.startswith(key + "/")


def explain_prefix(rule_path: str, request_path: str) -> str:
    key = prefix_key(rule_path)
    if prefix_matches(rule_path, request_path):
        if not key:
            return f"Prefix {rule_path} matches every path"
        if request_path.rstrip("/") == key:
            extra = " (a trailing slash is ignored)" if request_path != key or rule_path != key else ""
            return f"Prefix {rule_path} matches {request_path}{extra}"
        return f"Prefix {rule_path} matches {request_path}: {key} is a whole-element prefix of it"
    if request_path.startswith(key):
        rest = request_path[len(key):].split("/", 1)[0]
        element = key.rsplit("/", 1)[-1]
        return (
            f"Prefix {rule_path} does not match {request_path}: matching is per path element, "
            f"and {element + rest!r} is not {element!r}"
        )
    if request_path.lower().startswith(key.lower()) and prefix_matches(rule_path.lower(), request_path.lower()):
        return f"Prefix {rule_path} does not match {request_path}: paths are case-sensitive"
    return f"Prefix {rule_path} does not match {request_path}"


def explain_exact(rule_path: str, request_path: str) -> str:
    if rule_path == request_path:
        return f"Exact {rule_path} matches {request_path}"
    if rule_path.rstrip("/") == request_path.rstrip("/"):
        return f"Exact {rule_path} does not match {request_path}: Exact does not ignore a trailing slash"
    if rule_path.lower() == request_path.lower():
        return f"Exact {rule_path} does not match {request_path}: paths are case-sensitive"
    if request_path.startswith(rule_path):
        return f"Exact {rule_path} does not match {request_path}: Exact matches the whole path only"
    return f"Exact {rule_path} does not match {request_path}"


# ---------------------------------------------------------------- GCE URL maps


def url_map_paths(path: str | None, path_type: str, implementation_specific: str) -> tuple[list[str], str]:
    """The URL-map path patterns GKE writes for one Ingress path, and a note on why.

    Returns ([], reason) when GKE refuses the path.
    """
    if path_type == "ImplementationSpecific" and implementation_specific == "exact-glob":
        if not path:
            return ["/*"], "an empty ImplementationSpecific path becomes /* (everything)"
        if "*" in path and not path.endswith("/*") or path.count("*") > 1:
            return [], f"GKE refuses {path}: '*' may only end a path, as /*"
        if path.endswith("/*"):
            return [path], f"ImplementationSpecific {path} is copied into the URL map as a glob"
        return [path], (
            f"ImplementationSpecific {path} is copied into the URL map as-is, so it matches only "
            f"{path} itself (write {path.rstrip('/')}/* or use pathType Prefix to match below it)"
        )
    if path and "*" in path:
        return [], f"failed to validate prefix path {path} due to invalid wildcard"
    if path_type == "Exact":
        return [path or "/"], f"Exact {path} becomes the URL-map path {path}"
    key = prefix_key(path or "/")
    if not key:
        return ["/*"], "Prefix / becomes the URL-map path /* (everything)"
    return [key, key + "/*"], f"Prefix {path} becomes the URL-map paths {key} and {key}/*"


def url_map_glob_keys(path: str) -> list[str]:
    """Glob prefixes (`/foo/` for `/foo/*`) that could match `path`, longest first."""
    keys = []
    index = path.rfind("/")
    while index >= 0:
        keys.append(path[: index + 1])
        index = path.rfind("/", 0, index)
    return keys


def url_map_matches(pattern: str, path: str) -> bool:
    if pattern.endswith("/*"):
        return path.startswith(pattern[:-1])
    return path == pattern


# ---------------------------------------------------------------- hosts


def wildcard_covers(wildcard: str, host: str, labels: str) -> bool:
    """Does `*.foo.com` cover `host`? `labels` is "one" (spec, nginx) or "many" (GCE globs)."""
    suffix = wildcard[1:]  # ".foo.com"
    if not host.endswith(suffix) or len(host) == len(suffix):
        return False
    head = host[: -len(suffix)]
    return labels == "many" or "." not in head


def host_matches(rule_host: str, host: str, labels: str) -> bool:
    if rule_host.startswith("*."):
        return wildcard_covers(rule_host, host, labels)
    return rule_host == host
