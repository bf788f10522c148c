"""Find and load the kubeconfig the way kubectl does, and build one API client from it.

kubectl's rules (client-go clientcmd), which the kubernetes Python client
only half follows:

- `--kubeconfig PATH` is the only file read when given, and it must exist;
- otherwise every existing file in `KUBECONFIG` (joined with the OS path
  separator) is merged: for clusters, users and contexts the first file that
  names an entry wins, and `current-context` comes from the first file that
  sets one (the Python client takes the last);
- otherwise `~/.kube/config`;
- with no kubeconfig at all, the in-cluster service account when running in a Pod;
- `-n` wins over the context's namespace, which wins over `default`.

The kubeconfig is never written back (the Python client would persist
refreshed tokens by default; a read-only tool leaves the user's files alone).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import yaml
from kubernetes import client
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.incluster_config import (
    SERVICE_CERT_FILENAME, SERVICE_HOST_ENV_NAME, SERVICE_PORT_ENV_NAME, SERVICE_TOKEN_FILENAME,
    InClusterConfigLoader,
)
from kubernetes.config.kube_config import ConfigNode, KubeConfigLoader, KubeConfigMerger

from explorer.live.contexts import context_listing, context_not_found, kubeconfig_paths, no_kubeconfig_message
from explorer.live.errors import LiveError

IN_CLUSTER = "in-cluster"
SERVICE_NAMESPACE_FILENAME = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


@dataclass(frozen=True, slots=True)
class ClusterTarget:
    """What the user asked for on the command line."""

    context: str | None = None  # None: the kubeconfig's current-context
    kubeconfig: str | None = None  # None: KUBECONFIG, then ~/.kube/config, then in-cluster
    namespace: str | None = None  # None: the context's namespace, else "default"
    all_namespaces: bool = False


@dataclass(slots=True)
class Connection:
    """An API client for one context, and where it points."""

    api_client: client.ApiClient
    context: str
    server: str
    namespace: str | None  # None: every namespace (-A)
    config_files: tuple[str, ...]  # empty for in-cluster

    @property
    def scope(self) -> str:
        return "all namespaces" if self.namespace is None else f'namespace "{self.namespace}"'

    def close(self) -> None:
        self.api_client.close()


def connect(target: ClusterTarget, environ: Mapping[str, str] = os.environ) -> Connection:
    """Load credentials for the target context and return a client for it. Raises LiveError."""
    paths = kubeconfig_paths(target.kubeconfig, environ)
    configuration = client.Configuration()
    if paths:
        context, namespace = _load_kubeconfig(paths, target.context, configuration)
    elif _in_cluster_possible(environ):
        if target.context and target.context != IN_CLUSTER:
            raise LiveError(f'context "{target.context}" not found: there is no kubeconfig '
                            "(running in a Pod, only the in-cluster service account is available)")
        try:
            InClusterConfigLoader(SERVICE_TOKEN_FILENAME, SERVICE_CERT_FILENAME, environ=dict(environ)) \
                .load_and_set(configuration)
        except ConfigException as exc:
            raise LiveError(f"in-cluster configuration: {exc}") from None
        context, namespace = IN_CLUSTER, _in_cluster_namespace()
    else:
        raise LiveError(no_kubeconfig_message(environ))
    # enough connections for the first lists in parallel and one watch per kind
    configuration.connection_pool_maxsize = 32
    # one retry of a failed connect, not urllib3's three: an unreachable server is said within seconds
    configuration.retries = 1
    if target.all_namespaces:
        scope = None
    else:
        scope = target.namespace or namespace or "default"
    return Connection(client.ApiClient(configuration), context, configuration.host, scope, tuple(paths))


def _load_kubeconfig(paths: list[str], wanted: str | None,
                     configuration: client.Configuration) -> tuple[str, str | None]:
    shown = os.pathsep.join(paths)
    try:
        merger = KubeConfigMerger(shown)
    except (ConfigException, OSError, yaml.YAMLError) as exc:
        raise LiveError(f"cannot read kubeconfig {shown}: {exc}") from None
    merged = merger.config
    if merged is None:
        raise LiveError(f"kubeconfig {shown} holds no configuration")
    first_current = next((merger.config_files[p].get("current-context") for p in merger.paths
                          if isinstance(merger.config_files[p], dict) and merger.config_files[p].get("current-context")),
                         None)
    merged.value["current-context"] = first_current
    contexts = [_plain(c) for c in merged.value.get("contexts") or ()]
    names = [str(c.get("name")) for c in contexts if isinstance(c, dict)]
    context = wanted or first_current
    if not context:
        raise LiveError(f"kubeconfig {shown} sets no current-context: pass --context "
                        f"({context_listing(names)})")
    if context not in names:
        raise context_not_found(context, paths, names)
    try:
        loader = KubeConfigLoader(config_dict=merged, active_context=context, config_base_path=None)
        loader.load_and_set(configuration)
    except (ConfigException, OSError, ValueError, KeyError) as exc:
        raise LiveError(f'context "{context}" in {shown}: cannot load its credentials: {exc}') from None
    entry = next(c for c in contexts if isinstance(c, dict) and c.get("name") == context)
    namespace = (entry.get("context") or {}).get("namespace") or None
    return context, namespace


def _plain(item: object) -> object:
    """The merger wraps each entry in a ConfigNode that remembers its file (for relative cert paths)."""
    return item.value if isinstance(item, ConfigNode) else item


def _in_cluster_possible(environ: Mapping[str, str]) -> bool:
    return bool(environ.get(SERVICE_HOST_ENV_NAME) and environ.get(SERVICE_PORT_ENV_NAME)
                and Path(SERVICE_TOKEN_FILENAME).is_file())


def _in_cluster_namespace() -> str | None:
    try:
        return Path(SERVICE_NAMESPACE_FILENAME).read_text().strip() or None
    except OSError:
        return None
