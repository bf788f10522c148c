"""The resource table: Ingress rules (one row per host+path), Services or Pods, filtered.

Like `kubectl ingress-nginx ingresses`, but every row also says whether
what stands behind it works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Literal, NamedTuple

from explorer.model import ClusterState
from explorer.model.objects import Service
from explorer.tui.widgets.fixed_table import Cell, FixedWidthTable, column_widths

if TYPE_CHECKING:
    from explorer.topology import IngressRow, PodView
    from explorer.tui.gateway_rows import GatewayRow, RouteRow
    from explorer.tui.view import RowsChanged, View

Kind = Literal["ing", "svc", "pod", "gtw", "httproute"]
KIND_TITLE = {"ing": "Ingresses", "svc": "Services", "pod": "Pods", "gtw": "Gateway listeners",
              "httproute": "HTTPRoute rules"}


class FirstRow(NamedTuple):
    """A rule as the manifests write it, drawn in the first frame before routing and topology are loaded."""

    ingress: str  # namespace/name
    host: str
    path: str
    path_type: str
    backend: str


def first_rows(state: ClusterState) -> list[FirstRow]:
    """The Ingress table's rows in its order (topology.ingress_rows'), from the model alone."""
    rows = []
    for ingress in state.ingresses:
        for rule in ingress.rules:
            for path in rule.paths or ():
                rows.append(FirstRow(ingress.meta.key, rule.host, path.shown_path, path.path_type or "",
                                     str(path.backend)))
        if ingress.default_backend is not None:
            rows.append(FirstRow(ingress.meta.key, "", "(default)", "", str(ingress.default_backend)))
    return rows


class Scope(NamedTuple):
    """What a drill-down narrowed the table to: `label` says it in the title."""

    label: str
    keep: Callable[[Any], bool]


class ResourceTable(FixedWidthTable):
    PRIORITY = ("HOST", "PATH", "BACKEND", "HEALTH", "PODS", "INGRESS", "WHY", "PATHTYPE", "NODEPORT",
                "SERVICE", "POD", "READY", "TYPE", "PORTS", "SELECTOR", "IP", "NODE", "OWNER",
                "GATEWAY", "LISTENER", "HTTPROUTE", "RULE", "MATCHES", "BACKENDS", "STATUS", "PORT", "HOSTNAME",
                "PROTOCOL", "ROUTES", "HOSTNAMES", "CLASS")
    FLEXIBLE = "WHY"

    HELP = """\
## Resource table

`:ing`, `:svc`, `:pod`, `:gtw`, `:httproute` choose what is listed; **/** filters the rows by any text in them.

- **Ingresses**: one row per host + path (and per defaultBackend): the backend
  Service:port, its nodePort, how many Pods are ready behind it, its health in
  words, and the reason when it is broken.
- **enter** goes down one level (rule → its Service → its Pods; a Gateway listener → its
  HTTPRoute rules → their Services), **esc** comes back.
- The flow diagram and the manifest below follow the highlighted row.
"""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.kind: Kind = "ing"
        self.items: list[Any] = []
        self.filter_text = ""
        self.namespace: str | None = None
        self.scope: Scope | None = None
        self._listings_of: View | None = None  # the view whose rows `_listings` holds
        self._listings: dict[Kind, _Listing] = {}
        self._shown: list[int] = []  # the listing index of each row on the table
        # (view, the Ingress listing it was patched from, the patched one): made by prepare_patch in a thread
        self._prepared: tuple[View, _Listing, _Listing] | None = None
        self._drawn: View | ClusterState | None = None  # what the table shows, to fill again for a new width

    @property
    def title(self) -> str:
        parts = [KIND_TITLE[self.kind]]
        if self.scope:
            parts.append(self.scope.label)
        if self.namespace:
            parts.append(f"namespace {self.namespace}")
        if self.filter_text:
            parts.append(f"filter “{self.filter_text}”")
        return " · ".join(parts) + f" ({len(self.items)})"

    def current_item(self) -> Any | None:
        if not self.items or self.cursor_row < 0 or self.cursor_row >= len(self.items):
            return None
        return self.items[self.cursor_row]

    def show(self, view: View | None, kind: Kind | None = None, scope: Scope | None | bool = False) -> None:
        """Refill the table; the cursor stays on the same rule, Service or Pod when it still exists.

        A new snapshot (a watch event, an edit) can add rows above the selected one;
        the selection follows what was selected, else it keeps its place. The
        cells of every row are made once per view and kind (`_Listing`), so a
        filter or a drill-down on 10,000 rows only picks rows.
        """
        if kind is not None:
            self.kind = kind
        if scope is not False:
            self.scope = scope  # type: ignore[assignment]
        previous = self.cursor_row
        selected = _identity(self.current_item())
        self.clear(columns=True)
        self.items = []
        if view is None:
            return
        self._drawn = view
        listing = self._listing(view)
        needle = self.filter_text.lower()
        keep = [
            i for i, item in enumerate(listing.items)
            if (not self.namespace or _namespace(item) == self.namespace)
            and (not self.scope or self.scope.keep(item))
            and (not needle or needle in listing.search[i])
        ]
        self.items = [listing.items[i] for i in keep]
        self._shown = keep
        self.fill(_COLUMNS[self.kind], [listing.cells[i] for i in keep], listing.widths)
        if self.items:
            same = next((i for i, item in enumerate(self.items) if _identity(item) == selected), None)
            self.move_cursor(row=same if same is not None else min(max(previous, 0), len(self.items) - 1))

    def show_first(self, state: ClusterState) -> None:
        """The rules as written, while the view that resolves them is made (its health says it is coming)."""
        rows = first_rows(state)
        self._drawn = state
        self.clear(columns=True)
        self.items = list(rows)
        self._shown = list(range(len(rows)))
        pending = Cell("…", style="dim")
        cells = [(Cell(r.host or "*"), Cell(r.path), Cell(r.path_type or "-"), Cell(r.backend), pending, pending,
                  Cell("… resolving", style="dim"), Cell(r.ingress), Cell("")) for r in rows]
        self.fill(_COLUMNS["ing"], cells)

    def refit(self) -> None:
        drawn = self._drawn
        if isinstance(drawn, ClusterState):
            self.show_first(drawn)
        elif drawn is not None:
            self.show(drawn)

    def patch(self, view: View) -> set[int] | None:
        """A view that only changed some rows' health (`View.rows_changed`): redraw those rows in place.

        Returns the table rows redrawn (the cursor stays where it is), or None
        when the table must be filled again with `show` (another snapshot, or a
        filter or drill-down that the change makes pick other rows).
        """
        change = self._change_from_shown(view)
        if change is None:
            return None
        listings: dict[Kind, _Listing] = {kind: listing for kind, listing in self._listings.items()
                                          if kind != "ing"}  # (no health in them)
        ing = self._listings.get("ing")
        prepared, self._prepared = self._prepared, None
        if ing is not None:
            if prepared is not None and prepared[0] is view and prepared[1] is ing:
                listings["ing"] = prepared[2]
            else:
                listings["ing"] = ing.patched(view, change.rows)
        self._listings_of, self._listings, self._drawn = view, listings, view
        if self.kind != "ing":
            return set()
        if ing is None:
            return None
        new = listings["ing"]
        needle = self.filter_text.lower()
        for i in change.rows:
            if (needle and (needle in ing.search[i]) != (needle in new.search[i])) or \
                    (self.scope and self.scope.keep(ing.items[i]) != self.scope.keep(new.items[i])):
                return None  # the change moves a row into or out of what is shown
        where = {index: row for row, index in enumerate(self._shown)}
        redrawn = {where[i]: new.cells[i] for i in change.rows if i in where}
        for row in redrawn:
            self.items[row] = new.items[self._shown[row]]
        self.replace_rows(redrawn, new.widths)
        return set(redrawn)

    def prepare_patch(self, view: View) -> None:
        """In any thread: the Ingress cells `patch(view)` needs, made now (`patch` takes them if still current).

        The first probed health of a cluster dump changes all 10,000 rows; making
        their cells took 0.9 s of the event loop.
        """
        change, ing = self._change_from_shown(view), self._listings.get("ing")
        if change is None or ing is None:
            return
        self._prepared = (view, ing, ing.patched(view, change.rows))  # (patch checks `ing` is still the one shown)

    def _change_from_shown(self, view: View) -> RowsChanged | None:
        """`view.rows_changed` when it was made from the view this table shows; else None (fill again)."""
        change = view.rows_changed
        shown = self._listings_of
        return change if change is not None and shown is not None and id(shown) == change.base else None

    def _listing(self, view: View) -> "_Listing":
        if self._listings_of is not view:
            self._listings_of, self._listings, self._prepared = view, {}, None
        listing = self._listings.get(self.kind)
        if listing is None:
            listing = self._listings[self.kind] = _Listing.of(view, self.kind)
        return listing


class _Listing(NamedTuple):
    """Every row of one kind in one view: its cells, the text the filter searches, and the column widths."""

    items: list[Any]
    cells: list[tuple[Cell, ...]]
    search: list[str]  # a row's cells, lower-cased, joined by a character no filter contains
    widths: tuple[int, ...]

    @classmethod
    def of(cls, view: View, kind: Kind) -> "_Listing":
        pairs: list[tuple[Any, tuple[Cell, ...]]]
        if kind == "ing":
            pairs = [(r, _ingress_cells(r)) for r in view.rows]
        elif kind == "svc":
            pairs = [(s, _service_cells(view, s)) for s in view.state.services.values()]
        elif kind in ("gtw", "httproute"):
            from explorer.tui.gateway_rows import gateway_rows, route_rows  # (routing: after the first frame)

            pairs = ([(g, _gateway_cells(g)) for g in gateway_rows(view.state)] if kind == "gtw"
                     else [(r, _route_cells(r)) for r in route_rows(view.state)])
        else:
            pairs = [(p, _pod_cells(p)) for p in _all_pods(view)]
        items = [item for item, _ in pairs]
        cells = [row for _, row in pairs]
        return cls(items, cells, [_search_text(row) for row in cells], column_widths(_COLUMNS[kind], cells))

    def patched(self, view: View, indices: tuple[int, ...]) -> "_Listing":
        """The Ingress listing of `view`, made from this one (its view's) by redoing only `indices`."""
        items, cells, search = list(self.items), list(self.cells), list(self.search)
        for i in indices:
            row = view.rows[i]
            items[i], cells[i] = row, _ingress_cells(row)
            search[i] = _search_text(cells[i])
        widths = column_widths(_COLUMNS["ing"], [cells[i] for i in indices])
        return _Listing(items, cells, search, tuple(max(a, b) for a, b in zip(self.widths, widths)))


def _search_text(cells: tuple[Cell, ...]) -> str:
    """What the filter matches in a row: its cells, lower-cased, joined by a character no filter contains."""
    return "\x1f".join(cell.plain for cell in cells).lower()


def _identity(item: Any) -> tuple[str, ...] | None:
    """What a row stands for, across snapshots (the objects themselves are new in every snapshot)."""
    if item is None:
        return None
    if isinstance(item, FirstRow):
        return ("ing", item.ingress, item.host, item.path, item.path_type or "")
    from explorer.topology import IngressRow, PodView  # (rows of a view: topology is loaded)

    if isinstance(item, IngressRow):
        return ("ing", item.ingress, item.host, item.path, item.path_type or "")
    if isinstance(item, PodView):
        return ("pod", item.key)
    if isinstance(item, Service):
        return ("svc", item.meta.key)
    from explorer.tui.gateway_rows import GatewayRow, RouteRow

    if isinstance(item, GatewayRow):
        return ("gtw", item.key, item.listener.listener.name)
    if isinstance(item, RouteRow):
        return ("httproute", item.key, str(item.rule_index))
    return None


def _namespace(item: Any) -> str:
    if isinstance(item, FirstRow):
        return item.ingress.partition("/")[0]
    from explorer.topology import IngressRow, PodView  # (rows of a view: topology is loaded)

    if isinstance(item, IngressRow):
        return item.ingress.partition("/")[0]
    if isinstance(item, PodView):
        return item.namespace
    from explorer.tui.gateway_rows import GatewayRow, RouteRow

    if isinstance(item, (GatewayRow, RouteRow)):
        return item.key.partition("/")[0]
    return item.meta.namespace


def _all_pods(view: View) -> list[PodView]:
    pods: dict[str, PodView] = {}
    for service in view.state.services.values():
        for pod in view.pods_of(service):
            pods.setdefault(pod.key, pod)
    return list(pods.values())


_COLUMNS: dict[Kind, tuple[str, ...]] = {
    "ing": ("HOST", "PATH", "PATHTYPE", "BACKEND", "NODEPORT", "PODS", "HEALTH", "INGRESS", "WHY"),
    "svc": ("SERVICE", "TYPE", "PORTS", "SELECTOR", "PODS"),
    "pod": ("POD", "READY", "IP", "NODE", "OWNER", "WHY"),
    "gtw": ("GATEWAY", "LISTENER", "PROTOCOL", "PORT", "HOSTNAME", "ROUTES", "STATUS", "CLASS", "WHY"),
    "httproute": ("HTTPROUTE", "RULE", "HOSTNAMES", "MATCHES", "BACKENDS", "STATUS", "WHY"),
}

HEALTH = {"ok": ("✔ ok", "green"), "broken": ("✘ broken", "bold red"), "unknown": ("? unknown", "yellow")}


def _ingress_cells(row: IngressRow) -> tuple[Cell, ...]:
    label, style = HEALTH[row.state] if row.served else ("! not served", "bold yellow")
    pods = Cell(f"{row.ready}/{row.pods}", style="" if row.ready else "red") if row.flow else Cell("-", style="dim")
    return (Cell(row.host or "*"), Cell(row.path), Cell(row.path_type or "-"), Cell(row.backend),
            Cell(str(row.node_port) if row.node_port else "-"), pods, Cell(label, style=style), Cell(row.ingress),
            Cell(row.reason, style=style if row.state != "ok" else "dim"))


def _service_cells(view: View, service: Service) -> tuple[Cell, ...]:
    ports = ", ".join(
        f"{p.port}→{p.target_port}" + (f" nodePort {p.node_port}" if p.node_port else "") for p in service.ports
    )
    selector = ",".join(f"{k}={v}" for k, v in (service.selector or {}).items()) or "-"
    pods = view.pods_of(service)
    ready = sum(1 for p in pods if p.ready)
    return (Cell(service.meta.key), Cell(service.type), Cell(ports), Cell(selector),
            Cell(f"{ready}/{len(pods)}", style="" if ready else "red"))


def _pod_cells(pod: PodView) -> tuple[Cell, ...]:
    ready = Cell("✔ Ready", style="green") if pod.ready else Cell("✘ NotReady", style="bold red")
    return (Cell(pod.key), ready, Cell(pod.ip), Cell(pod.node), Cell(pod.owner_ref),
            Cell(pod.ready_reason, style="dim"))


def _gateway_cells(row: GatewayRow) -> tuple[Cell, ...]:
    li = row.listener.listener
    label, style = HEALTH[row.state]
    return (Cell(row.key), Cell(li.name), Cell(li.protocol), Cell(str(li.port)), Cell(li.hostname or "*"),
            Cell(str(len(row.routes)), style="" if row.routes else "red"), Cell(label, style=style),
            Cell(row.gateway.gateway_class_name), Cell(row.reason, style=style if row.state != "ok" else "dim"))


def _route_cells(row: RouteRow) -> tuple[Cell, ...]:
    rule = row.route.rules[row.rule_index]
    label, style = HEALTH[row.state]
    name = f"{row.rule_index}" + (f" {rule.name}" if rule.name else "")
    from explorer.tui.gateway_rows import match_text

    matches = " | ".join(match_text(m) for m in rule.matches)
    redirect = next((f for f in rule.filters if f.request_redirect is not None), None)
    backends = ", ".join(f"{b.ref.name}:{b.ref.port}" + (f" w{b.weight}" if len(rule.backend_refs) > 1 else "")
                         for b in rule.backend_refs)
    if redirect is not None and redirect.request_redirect is not None:
        backends = f"redirect {redirect.request_redirect.status_code}" + (f", {backends}" if backends else "")
    return (Cell(row.key), Cell(name), Cell(", ".join(row.route.hostnames) or "*"), Cell(matches),
            Cell(backends or "-"), Cell(label, style=style), Cell(row.reason, style=style if row.state != "ok" else "dim"))
