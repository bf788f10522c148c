"""Open a live cluster by context: what `--context`/`:ctx` do, for callers without a command line.

The kubernetes client is imported here, when a cluster is asked for.
"""

from __future__ import annotations

from explorer.model import ClusterState
from explorer.model.source import ClusterSource


def read_context(context: str | None, kubeconfig: str | None = None, namespace: str | None = None,
                 all_namespaces: bool = False) -> tuple[ClusterSource, ClusterState]:
    """Connect to `context` (None: the kubeconfig's current-context) and read it once; the source stays open.

    `namespace` None reads the context's namespace. Raises SourceError (a
    LiveError) with one line for the user; whatever was opened before the
    failure is closed first.
    """
    from explorer.live.kubeconfig import ClusterTarget
    from explorer.live.source import LiveSource

    source = LiveSource(ClusterTarget(context, kubeconfig, namespace, all_namespaces))
    try:
        return source, source.snapshot()
    except BaseException:
        source.close()
        raise
