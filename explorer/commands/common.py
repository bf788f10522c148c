"""Options and output helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # the model is imported by the first load: a parser (`--help`, the TUI's) never pays for it
    from explorer.live.source import LiveSource
    from explorer.model import ClusterState
    from explorer.model.location import Problem
    from explorer.model.source import ClusterSource


def add_source_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("manifests")
    group.add_argument(
        "-f", "--filename", dest="files", action="append", default=[], metavar="PATH",
        help="a manifest file, a directory (read recursively) or - for stdin; repeatable, as kubectl's -f",
    )
    group.add_argument(
        "-n", "--namespace", default="default", metavar="NS",
        help="namespace for objects that name none (default: default)",
    )


def add_controller_option(parser: argparse.ArgumentParser, gateway: bool = False) -> None:
    """--controller; `gateway=True` where the command also answers for Gateway API (Gateway + HTTPRoute).

    There, without --controller, the manifests decide (`chosen_controller`): Gateway API when they hold
    Gateways and no Ingress, else ingress-nginx."""
    parser.add_argument(
        "--controller", choices=("nginx", "gce", "gateway") if gateway else ("nginx", "gce"),
        default=None if gateway else "nginx",
        help="whose behaviour to apply: ingress-nginx (nginx, the default) or GKE Ingress (gce)"
             + ("; gateway routes through Gateway API Gateways and HTTPRoutes instead of Ingresses (the default "
                "when the manifests hold Gateways and no Ingress)" if gateway else ""),
    )


def chosen_controller(given: str | None, state: "ClusterState", err: TextIO | None = None) -> str:
    """--controller as given, else what the manifests call for: Gateway API for Gateways without any Ingress
    (said on `err`: answering them as ingress-nginx would be a confident 404), else ingress-nginx."""
    if given is not None:
        return given
    if state.gateways and not state.ingresses:
        if err is not None:
            print("note: the manifests hold Gateway API objects and no Ingress: answering as a Gateway API "
                  "implementation (--controller gateway; --controller nginx or gce for Ingresses)", file=err)
        return "gateway"
    return "nginx"


def add_nginx_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nginx-config", metavar="FILE",
        help="the ingress-nginx-controller ConfigMap (YAML) when it is not among the manifests: its keys "
             "(ssl-redirect, proxy-body-size, allow-snippet-annotations, annotations-risk-level, "
             "whitelist-source-range, ...) change every Ingress's answers",
    )


def _nginx_config(args: argparse.Namespace, err: TextIO) -> bool:
    """--nginx-config FILE joins the sources once it is known to hold the controller's ConfigMap."""
    path = getattr(args, "nginx_config", None)
    if not path:
        return True
    import yaml

    from explorer.routing.nginx import CONFIGMAP_NAME

    try:
        with open(path, encoding="utf-8") as handle:
            docs = [d for d in yaml.load_all(handle, Loader=yaml.CSafeLoader) if d is not None]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        print(f"error: --nginx-config {path}: {exc}", file=err)
        return False
    maps = [d for d in docs if isinstance(d, dict) and d.get("kind") == "ConfigMap"]
    names = [str((d.get("metadata") or {}).get("name")) for d in maps]
    if CONFIGMAP_NAME not in names:
        found = f"it holds ConfigMap(s) {', '.join(names)}" if names else "it holds no ConfigMap"
        print(f"error: --nginx-config {path}:1: {found}; write the controller's ConfigMap there: kind: ConfigMap, "
              f"metadata.name: {CONFIGMAP_NAME} (the name the controller's --configmap flag gives by default), "
              "data: {ssl-redirect: \"false\", ...}", file=err)
        return False
    if path not in args.files:
        args.files.append(path)
    return True


def load_sources(args: argparse.Namespace, err: TextIO | None = None) -> ClusterState | None:
    """Load -f sources, printing load problems to stderr. None when nothing could be read."""
    err = err or sys.stderr  # looked up per call, so a replaced sys.stderr is honoured
    if not _nginx_config(args, err):
        return None
    if not args.files:
        print("error: no manifests given: pass -f FILE, -f DIR or -f - (stdin)", file=err)
        return None
    from explorer.model import load

    state = load(args.files, namespace=args.namespace)
    report_problems(state.problems, err)
    if not state.objects:
        print(f"error: no objects loaded from {', '.join(args.files)}", file=err)
        return None
    if state.skipped:
        print(f"note: {state.skipped} document(s) skipped; the rest loaded ({state.summary()})", file=err)
    return state


def report_problems(problems: tuple[Problem, ...] | list[Problem], err: TextIO) -> None:
    for problem in problems:
        print(str(problem), file=err)


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


class Style:
    """ANSI styling that disappears when output is piped or NO_COLOR is set."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def cyan(self, text: str) -> str:
        return self._wrap("36", text)


# ---------------------------------------------------------------- live clusters (explorer.live)


class _ContextNamespace(str):
    """The -n default once cluster options are added: "default" for files, the context's namespace live.

    A str subclass so file loading sees plain "default"; `is` tells it apart from an explicit `-n default`.
    """


CONTEXT_NAMESPACE = _ContextNamespace("default")


def add_cluster_options(parser: argparse.ArgumentParser) -> None:
    """--context/--kubeconfig/-A, to read a live cluster instead of -f (call after add_source_options)."""
    group = parser.add_argument_group(
        "live cluster (read-only: only get, list and watch are sent)",
        "Instead of -f, any of these reads a cluster through the kubeconfig, found as kubectl finds it: "
        "--kubeconfig, else every file in KUBECONFIG, else ~/.kube/config, else the in-cluster service "
        "account. -n then picks the namespace to read (default: the context's namespace).",
    )
    group.add_argument("--context", metavar="NAME", help="kubeconfig context to read (default: current-context)")
    group.add_argument("--kubeconfig", metavar="PATH", help="read this kubeconfig file only")
    group.add_argument("-A", "--all-namespaces", action="store_true",
                       help="read every namespace (needs list and watch across the cluster)")
    parser.set_defaults(namespace=CONTEXT_NAMESPACE)


def is_live(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "context", None) or getattr(args, "kubeconfig", None)
                or getattr(args, "all_namespaces", False))


def open_source(args: argparse.Namespace) -> ClusterSource:
    """The ClusterSource the options ask for: a LiveSource with cluster options, else a FileSource.

    Raises SourceError (print it, exit 2) for contradictory options; the live
    source connects on its first `snapshot()`. The kubernetes client is only
    imported here, for live sources, so `--help` and `-f` never pay for it.
    """
    from explorer.model.source import FileSource, SourceError

    if not is_live(args):
        return FileSource(args.files, namespace=str(args.namespace))
    if args.files:
        raise SourceError("-f reads manifests and --context/--kubeconfig/-A read a cluster: give one or the other")
    return open_live_source(args)


def open_live_source(args: argparse.Namespace) -> LiveSource:
    """A LiveSource for --context/--kubeconfig/-A/-n (the kubeconfig's current-context when none is given)."""
    from explorer.live.kubeconfig import ClusterTarget
    from explorer.live.source import LiveSource
    from explorer.model.source import SourceError

    namespace = None if args.namespace is CONTEXT_NAMESPACE else args.namespace
    if args.all_namespaces and namespace is not None:
        raise SourceError(f"-n {namespace} and -A contradict each other: give one")
    return LiveSource(ClusterTarget(args.context, args.kubeconfig, namespace, args.all_namespaces))


def cluster_args(context: str | None = None, kubeconfig: str | None = None,
                 all_namespaces: bool = False) -> argparse.Namespace:
    """The options `--context C --kubeconfig K [-A]` parse to, for callers without a command line (`:ctx`)."""
    return argparse.Namespace(files=[], context=context, kubeconfig=kubeconfig, namespace=CONTEXT_NAMESPACE,
                              all_namespaces=all_namespaces)


def read_live(args: argparse.Namespace) -> tuple[ClusterSource, ClusterState]:
    """Connect and read the cluster once, keeping the source open to watch it.

    Raises SourceError (LiveError) with one line for the user; whatever was
    opened before the failure is closed first.
    """
    source = open_source(args)
    try:
        return source, source.snapshot()
    except BaseException:
        source.close()
        raise


def open_live(args: argparse.Namespace) -> tuple[ClusterSource, ClusterState] | None:
    """`read_live`, for a command: on failure the error is one line on stderr and None comes back (exit 2).

    Nothing is drawn or served from a cluster that could not be read.
    """
    from explorer.model.source import SourceError

    try:
        return read_live(args)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def load_state(args: argparse.Namespace, err: TextIO | None = None) -> ClusterState | None:
    """One snapshot from -f sources or a live cluster; problems to stderr. None means exit status 2."""
    import explorer.topology.pods  # noqa: F401  (the judge of Pod readiness the route compiler asks, for every command)

    err = err or sys.stderr  # looked up now, not at import, so a redirected stderr is honoured
    if not is_live(args):
        if args.namespace is CONTEXT_NAMESPACE:
            args.namespace = "default"  # a plain str for the loader
        return load_sources(args, err)
    from explorer.model.source import SourceError

    try:
        with open_source(args) as source:
            state = source.snapshot()
            name = source.name
    except SourceError as exc:
        print(f"error: {exc}", file=err)
        return None
    report_problems(state.problems, err)
    if not state.ingresses:
        print(f"note: {name} has no Ingresses in the namespaces read ({state.summary()})", file=err)
    return state
