"""`ingress-explorer migrate`: Gateway API written from Ingresses, and the proof that routes both sides."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from explorer.diagnostics import check
from explorer.migrate.proof import migrate_and_prove, prove
from explorer.model.load import load, load_texts
from explorer.model.objects import Ingress
from explorer.model.state import ClusterState
from explorer.routing import Request, get_profile
from explorer.routing.gateway import route_gateway, routing_for

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample-manifests"
DATA = ROOT / "tests" / "data" / "migrate"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "explorer", "migrate", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def _written_state(out: Path, inputs: Path) -> ClusterState:
    """The written files loaded from disk beside the input's Services, Ingresses left out."""
    written = load([out])
    assert not written.problems, written.problems
    kept = [o for o in load([inputs]).objects if not isinstance(o, Ingress)]
    return ClusterState([*kept, *written.objects])


def _gateway(state: ClusterState, url: str) -> tuple[Any, ...]:
    d = route_gateway(routing_for(state), Request.from_url(url))
    return (d.outcome, d.backend.service if d.backend else None, d.status, d.location)


def test_article_on_gke_migrates_equivalent_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "gw"
    run = _cli("-f", str(SAMPLES / "article"), "--controller", "gce", "-o", str(out), "--report", "json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["equivalent"] is True and report["differences"] == []
    assert report["gateways"] == ["default/my-ingress"]  # GKE: the Ingress is its own load balancer
    assert report["probes"] > 20
    assert [Path(f).name for f in report["files"]] == ["default-my-ingress.yaml"]
    state = _written_state(out, SAMPLES / "article")
    gateway, = state.gateways
    assert gateway.gateway_class_name == "gke-l7-global-external-managed"
    # v1beta1 without pathType on GKE: ImplementationSpecific /foo is the exact path /foo
    assert _gateway(state, "http://foo-bar.com/foo") == ("forward", "my-nodeport-01", None, None)
    assert _gateway(state, "http://foo-bar.com/foo/x")[2] == 404
    assert "Ingress default/my-ingress spec.rules[0]" in (out / "default-my-ingress.yaml").read_text()
    errors = [f for f in check(state, None) if f.severity == "error"]
    assert not errors, [str(f) for f in errors]


def test_gateway_class_flag_and_text_report(tmp_path: Path) -> None:
    run = _cli("-f", str(SAMPLES / "article-v1"), "--controller", "gce", "-o", str(tmp_path / "o"),
               "--gateway-class", "gke-l7-regional-external-managed")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0].startswith("1 Gateway(s), 1 file(s) written;")
    assert "equivalent" in run.stdout.splitlines()[0]
    state = _written_state(tmp_path / "o", SAMPLES / "article-v1")
    assert state.gateways[0].gateway_class_name == "gke-l7-regional-external-managed"
    assert _gateway(state, "http://foo-bar.com/foo/x") == ("forward", "my-nodeport-01", None, None)  # Prefix


@pytest.mark.parametrize("sample", ["article", "article-v1"])
def test_nginx_differs_only_where_gateway_api_has_no_https_without_a_certificate(sample: str) -> None:
    state = load([SAMPLES / sample])
    result = migrate_and_prove(state, get_profile("nginx"))
    assert result.migration.gateways == ["default/nginx"]  # one shared entry point per class
    diffs = {d.url: d for d in result.proof.differences}
    assert diffs, "nginx answers https with its default certificate; the Gateway has no HTTPS listener"
    assert all(url.startswith("https://") for url in diffs)
    foo = diffs["https://foo-bar.com/foo/below"]
    assert foo.before["backend"]["service"] == "my-nodeport-01" and foo.after["outcome"] == "refused"
    assert "self-signed default certificate" in foo.cause
    # plain HTTP answers alike: nginx's ImplementationSpecific is a prefix, as PathPrefix
    assert _gateway(result.generated, "http://foo-bar.com/foo/below")[1] == "my-nodeport-01"
    assert not [f for f in check(result.generated, None) if f.severity == "error"]


def test_a_prefix_where_gke_matched_exactly_is_named_by_the_proof() -> None:
    """Hand-edit the written HTTPRoute the way a prefix-minded converter would: the proof must catch it."""
    state = load([SAMPLES / "article"])
    gce = get_profile("gce")
    result = migrate_and_prove(state, gce)
    edited = {name: text.replace("type: Exact", "type: PathPrefix") for name, text in result.files.items()}
    assert edited != result.files
    loaded = load_texts(edited)
    generated = ClusterState([*[o for o in state.objects if not isinstance(o, Ingress)], *loaded.objects])
    proof = prove(state, gce, result.migration, generated)
    diffs = {d.url: d for d in proof.differences}
    below = diffs["http://foo-bar.com/foo/below"]
    assert below.before["status"] == 404 and below.before["backend"] is None
    assert below.after["backend"] == {"namespace": "default", "service": "my-nodeport-01", "port": 8080}
    assert "spec.rules[0].http.paths[0] (ImplementationSpecific /foo)" in below.why
    assert "http://foo-bar.com/foo" not in diffs  # the path itself still answers alike
    assert "http://foo-bar.com/bar/" in diffs


def test_nginx_tls_redirect_snippet_and_capture_group_rewrite() -> None:
    state = load([DATA / "nginx-tls-rewrite"])
    result = migrate_and_prove(state, get_profile("nginx"))
    notes = {(a.ingress, a.annotation): a for a in result.migration.annotations}
    rewrite = notes[("default/api", "nginx.ingress.kubernetes.io/rewrite-target")]
    assert rewrite.handling == "not-converted" and rewrite.value == "/$2" and "capture groups" in rewrite.why
    body = notes[("default/secure", "nginx.ingress.kubernetes.io/proxy-body-size")]
    assert body.handling == "not-converted" and "body" in body.why
    # ingress-nginx refuses the snippet Ingress as a whole: it answers nothing, so it is not converted
    snippet = notes[("default/snippet", "nginx.ingress.kubernetes.io/configuration-snippet")]
    assert snippet.handling == "not-converted" and "not converted" in snippet.why
    assert any(n.startswith("Ingress default/snippet is not converted") for n in result.migration.notes)
    assert "snippet.example.com" not in "".join(result.files.values())
    assert notes[("default/api", "nginx.ingress.kubernetes.io/use-regex")].handling == "converted"
    g = result.generated
    # the TLS host: HTTP gets nginx's 308, HTTPS forwards with the Secret referenced, not copied
    assert _gateway(g, "http://secure.example.com/app/x") == (
        "redirect", None, 308, "https://secure.example.com/app/x")
    assert _gateway(g, "https://secure.example.com/app/x")[1] == "app"
    text = "".join(result.files.values())
    assert "name: secure-tls" in text and "a2V5" not in text and "Y2VydA==" not in text
    # nginx's regex paths are case-insensitive: the RegularExpression keeps that
    assert _gateway(g, "http://api.example.com/API/v1")[1] == "api"
    by_url = {d.url: d for d in result.proof.differences}
    # nginx drops the trailing slash when it redirects to HTTPS (unless preserve-trailing-slash); RequestRedirect
    # keeps the path: the only plain-HTTP difference, and the proof names it
    assert [u for u in by_url if u.startswith("http://")] == ["http://secure.example.com/app/"]
    # asked to compare upstream paths, the proof names the capture-group rewrite too: the backend gets another path
    with_paths = {d.url: d for d in migrate_and_prove(state, get_profile("nginx"), None, "standard", True).proof.differences}
    assert sorted(u for u in with_paths if u.startswith("http://")) == [
        "http://api.example.com/API", "http://api.example.com/api", "http://api.example.com/api/",
        "http://api.example.com/api/below", "http://secure.example.com/app/"]
    below = with_paths["http://api.example.com/api/below"]
    assert below.what == "upstream path"
    assert below.before["upstreamPath"] == "/below" and below.after["upstreamPath"] == "/api/below"
    assert "rewrite-target" in below.cause and below.before["backend"] == {
        "namespace": "default", "service": "api", "port": 8080}
    assert by_url["http://secure.example.com/app/"].what == "Location"
    slash = by_url["http://secure.example.com/app/"]
    assert slash.before["location"] == "https://secure.example.com/app"
    assert slash.after["location"] == "https://secure.example.com/app/"
    assert "Prefix /app" in slash.why
    assert set(by_url) >= {"https://api.example.com/api/below"}  # no certificate for api.example.com
    assert not [f for f in check(g, None) if f.severity == "error"]


def test_gke_frontend_config_static_ip_and_glob() -> None:
    state = load([DATA / "gce-redirect"])
    result = migrate_and_prove(state, get_profile("gce"))
    g = result.generated
    gateway, = g.gateways
    assert gateway.addresses == (("NamedAddress", "web-ip"),)
    assert _gateway(g, "http://other.example.com/x") == ("redirect", None, 301, "https://other.example.com/x")
    assert _gateway(g, "https://shop.example.com/cart")[1] == "web"  # port name http resolved to 80
    # /static/* matches /static/ and below on GKE; PathPrefix /static also takes /static itself
    diff, = result.proof.differences
    assert diff.url == "https://shop.example.com/static"
    assert diff.before["status"] == 404 and diff.after["backend"]["service"] == "static"
    assert "ImplementationSpecific /static/*" in diff.cause
    assert not [f for f in check(g, None) if f.severity == "error"]


def test_refuses_a_non_empty_directory_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    run = _cli("-f", str(SAMPLES / "article"), "--controller", "gce", "-o", str(out))
    assert run.returncode == 2 and "not empty" in run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    run = _cli("-f", str(SAMPLES / "article"), "--controller", "gce", "-o", str(out), "--force")
    assert run.returncode == 0, run.stderr
    assert (out / "keep.txt").read_text() == "mine" and (out / "default-my-ingress.yaml").exists()


def test_bad_input_is_file_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x\n")
    run = _cli("-f", str(bad), "-o", str(tmp_path / "out"))
    assert run.returncode == 2
    assert f"{bad}:" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_nginx_differences_exit_1_with_grouped_text(tmp_path: Path) -> None:
    run = _cli("-f", str(SAMPLES / "article-v1"), "-o", str(tmp_path / "o"))
    assert run.returncode == 1, run.stderr
    first = run.stdout.splitlines()[0]
    count = int(first.split(" probes: ")[1].split(" difference(s)")[0])
    assert count > 0
    # every difference has the one cause: nginx's default certificate answers HTTPS, the Gateway has no listener
    assert f"{count} difference(s): ingress-nginx answers HTTPS for every host" in run.stdout
    assert run.stdout.count(" difference(s): ") == 1  # one group
    assert f"... and {count - 3} more with this cause" in run.stdout


_TABLES = sorted([*(p for p in SAMPLES.iterdir() if p.is_dir()), *(ROOT / "tests" / "data" / "routing").glob("*.yaml"),
                  *(p for p in DATA.iterdir() if p.is_dir())])


@pytest.mark.parametrize("controller,emitter", [("nginx", "standard"), ("gce", "standard"), ("gce", "gke")])
@pytest.mark.parametrize("source", _TABLES, ids=lambda p: p.name)
def test_every_sample_and_routing_table_migrates(source: Path, controller: str, emitter: str) -> None:
    """No crash; each difference has two different answers and a cause; the written manifests are valid
    (the only errors allowed are backendRefs to a Service the input itself lacks: carried, not invented)."""
    state = load([source])
    result = migrate_and_prove(state, get_profile(controller), None, emitter)
    assert not result.generated.problems
    assert not any("&id0" in text or "*id0" in text for text in result.files.values())  # no YAML anchors
    for d in result.proof.differences:
        assert d.why and d.cause and d.before != d.after
    services = {name for (_, name) in state.services}
    secrets = {name for (_, name) in state.secrets}
    for f in check(result.generated, None):
        if f.severity == "error":
            assert f.code == "IE8002" and "not found" in f.message, str(f)
            assert not any(f"Service default/{s} not found" in f.message for s in services), str(f)
        elif f.severity == "warning":  # a certificateRef to a Secret the input names but does not hold
            assert f.code == "IE8003" and "not found" in f.message, str(f)
            assert not any(f"Secret default/{s} not found" in f.message for s in secrets), str(f)


def test_what_is_not_converted_is_the_named_cause_of_each_difference() -> None:
    state = load([SAMPLES / "nginx-annotations"])
    result = migrate_and_prove(state, get_profile("nginx"))
    by_url = {d.url: d for d in result.proof.differences}
    admin = by_url["http://shop.example.com/admin"]
    assert admin.before["status"] == 401 and admin.after["backend"]["service"] == "admin"
    assert "nginx.ingress.kubernetes.io/auth-type" in admin.cause
    metrics = by_url["http://shop.example.com/metrics"]
    assert metrics.before["status"] == 403 and "whitelist-source-range" in metrics.cause
    handled = {a.annotation: a.handling for a in result.migration.annotations}
    assert handled["nginx.ingress.kubernetes.io/auth-type"] == "not-converted"
    # what Gateway API can express answers alike on plain HTTP: app-root, the header canary, permanent-redirect
    for name in ("app-root", "canary", "canary-by-header", "permanent-redirect"):
        assert handled[f"nginx.ingress.kubernetes.io/{name}"] == "converted", name
    plain = [d for d in result.proof.differences if d.url.startswith("http://")]
    assert {d.url.split("/")[3].rstrip("/") for d in plain} == {"admin", "metrics"}
    g = result.generated
    assert _gateway(g, "http://shop.example.com/") == ("redirect", None, 302, "http://shop.example.com/shop")
    assert _gateway(g, "http://old-shop.example.com/x") == ("redirect", None, 301, "https://shop.example.com/shop")
    canary = route_gateway(routing_for(g), Request.from_url("http://shop.example.com/shop",
                                                            headers=(("X-Canary", "always"),)))
    assert canary.backend is not None and canary.backend.service == "storefront-v2"
    # the header values a match names were probed, both sides, and answered alike
    sent = {tuple(d.headers.items()) for d in result.proof.differences}
    assert (("X-Canary", "always"),) in sent  # on /admin: 401 before, forwarded after (auth not converted)


def test_nginx_conversions_are_equivalent_and_what_cannot_be_said_is_named() -> None:
    state = load([DATA / "nginx-conversions"])
    result = migrate_and_prove(state, get_profile("nginx"))
    handled = {(a.ingress, a.annotation.rsplit("/", 1)[1]): a for a in result.migration.annotations}
    for key in [("default/web", "upstream-vhost"), ("default/web", "x-forwarded-prefix"),
                ("default/web", "proxy-read-timeout"), ("default/moved", "permanent-redirect"),
                ("default/web-canary", "canary-by-header-value"), ("default/web-canary", "canary-weight"),
                ("default/api-canary", "canary")]:
        assert handled[key].handling == "converted", key
    assert "Extended" in handled[("default/moved", "permanent-redirect")].why  # 308 is not Core
    for key in [("default/api-canary", "canary-by-cookie"), ("default/campaign", "temporal-redirect"),
                ("default/choices", "permanent-redirect"), ("default/secure", "backend-protocol")]:
        assert handled[key].handling == "not-converted", key
    assert "BackendTLSPolicy" in handled[("default/secure", "backend-protocol")].why
    text = "".join(result.files.values())
    assert "backendRequest: 125s" in text  # 5 s connect (nginx's default) + 120 s read
    g = result.generated
    routing = routing_for(g)
    web = route_gateway(routing, Request.from_url("http://conv.example.com/web/a"))
    assert web.upstream_host == "web.internal"
    assert ("X-Forwarded-Prefix", "/web") in web.request_headers
    assert sorted((b.service, b.weight) for b in web.backends) == [("web", 80), ("web-v2", 20)]
    beta = route_gateway(routing, Request.from_url("http://conv.example.com/web/a", headers=(("X-Beta", "yes"),)))
    assert beta.backend is not None and beta.backend.service == "web-v2"
    assert _gateway(g, "http://moved.example.com/a") == ("redirect", None, 308, "https://new.example.com/home")
    plain = [d for d in result.proof.differences if d.url.startswith("http://")]
    # the converted ones answer alike: nothing on /web, nothing on moved.example.com
    assert not [d for d in plain if d.url.startswith(("http://conv.example.com/web", "http://moved."))]
    by = {(d.url, tuple(d.headers.items())): d for d in plain}
    cookie = by[("http://conv.example.com/api/below", (("Cookie", "beta=always"),))]
    assert cookie.what == "backend" and "canary-by-cookie" in cookie.cause
    assert cookie.before["backend"]["service"] == "api-next" and cookie.after["backend"]["service"] == "api"
    campaign = by[("http://campaign.example.com/x", ())]
    assert campaign.before["status"] == 302 and campaign.after["outcome"] == "forward" and "temporal-redirect" in campaign.cause
    choices = by[("http://choices.example.com/x", ())]
    assert choices.before["status"] == 300 and choices.what == "answer" and "permanent-redirect" in choices.cause
    secure = by[("http://conv.example.com/secure", ())]
    assert secure.what == "protocol to the backend" and "backend-protocol" in secure.cause
    assert secure.before["backend"] == secure.after["backend"] | {"port": 443}
    assert {d.what for d in plain} == {"answer", "backend", "protocol to the backend"}
    assert not [f for f in check(g, None) if f.severity in ("error", "warning")]


def test_gke_emitter_writes_policies_from_backend_config_and_the_internal_class(tmp_path: Path) -> None:
    out = tmp_path / "gw"
    run = _cli("-f", str(DATA / "gce-policies"), "--controller", "gce", "--emitter", "gke", "-o", str(out),
               "--report", "json")
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["equivalent"] is True
    state = _written_state(out, DATA / "gce-policies")
    gateway, = state.gateways
    assert gateway.gateway_class_name == "gke-l7-rilb"  # gce-internal: GKE's regional internal load balancer
    policies = {o.meta.kind: o.meta.raw for o in state.others if o.meta.api_version == "networking.gke.io/v1"}
    assert set(policies) == {"HealthCheckPolicy", "GCPBackendPolicy", "GCPGatewayPolicy"}
    assert policies["GCPGatewayPolicy"]["spec"] == {
        "default": {"sslPolicy": "modern-tls"},
        "targetRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "shop"}}
    hc = policies["HealthCheckPolicy"]["spec"]
    assert hc["targetRef"] == {"group": "", "kind": "Service", "name": "shop"}
    assert hc["default"] == {"checkIntervalSec": 10, "timeoutSec": 5, "healthyThreshold": 2, "unhealthyThreshold": 3,
                             "config": {"type": "HTTP", "httpHealthCheck": {
                                 "requestPath": "/healthz", "portSpecification": "USE_FIXED_PORT", "port": 8080}}}
    backend = policies["GCPBackendPolicy"]["spec"]["default"]
    assert backend == {"timeoutSec": 45, "connectionDraining": {"drainingTimeoutSec": 60},
                       "securityPolicy": "shop-armor",
                       "sessionAffinity": {"type": "GENERATED_COOKIE", "cookieTtlSec": 300}}
    # a policy attaches to the whole Service: the second port's BackendConfig is named, not merged
    assert any("shop-admin-config" in n for n in report["notes"])
    cdn = [a for a in report["annotations"] if a["annotation"] == "BackendConfig default/shop-config spec.cdn"]
    assert cdn and cdn[0]["handling"] == "not-converted" and cdn[0]["ingress"] == "default/shop"
    assert sorted(report["notSimulated"]) == ["GCPBackendPolicy default/shop: the backend service's timeout, "
                                              "connection draining, session affinity and Cloud Armor policy",
                                              "GCPGatewayPolicy default/shop: the SSL policy of the Gateway's "
                                              "HTTPS front end",
                                              "HealthCheckPolicy default/shop: the load balancer's health check "
                                              "of the Service's endpoints"]
    assert not [f for f in check(state, None) if f.severity in ("error", "warning")]


def test_standard_emitter_names_the_backend_config_it_cannot_write(tmp_path: Path) -> None:
    state = load([DATA / "gce-policies"])
    result = migrate_and_prove(state, get_profile("gce"))
    assert not [d for d in result.migration.documents if d.body["kind"] in ("HealthCheckPolicy", "GCPBackendPolicy")]
    named = [a for a in result.migration.annotations if a.annotation == "BackendConfig default/shop-config"]
    assert named and named[0].handling == "not-converted" and "--emitter gke" in named[0].why
    assert result.generated.gateways[0].gateway_class_name == "gke-l7-rilb"


def test_a_method_match_added_by_hand_is_probed_and_named() -> None:
    """The probes take each method a match names, from either side: a POST-only rule is caught on GET."""
    state = load([DATA / "nginx-conversions"])
    nginx = get_profile("nginx")
    result = migrate_and_prove(state, nginx)
    name, text = next(iter(result.files.items()))
    marker = "    - path:\n        type: PathPrefix\n        value: /secure\n"
    assert marker in text
    edited = text.replace(marker, marker + "      method: POST\n", 1)
    loaded = load_texts({name: edited})
    generated = ClusterState([*[o for o in state.objects if not isinstance(o, Ingress)], *loaded.objects])
    proof = prove(state, nginx, result.migration, generated)
    secure = {(d.method, d.url): d for d in proof.differences if d.url.startswith("http://conv.example.com/secure")}
    get = secure[("GET", "http://conv.example.com/secure/below")]
    assert get.what == "answer" and get.after["status"] == 404 and get.before["backend"]["service"] == "secure-backend"
    post = secure[("POST", "http://conv.example.com/secure/below")]
    assert post.what == "protocol to the backend"  # POST reaches the backend on both sides; only HTTPS is lost


@pytest.mark.parametrize("source", ["nginx-conversions", "nginx-tls-rewrite"])
def test_one_request_explained_answers_as_the_proof_compares_it(source: str) -> None:
    """The screen routes one request with route_gateway; its outcome must be the proof's for every probe."""
    from explorer.migrate.probes import probe_requests
    from explorer.migrate.proof import gateway_outcome, outcome_of
    from explorer.routing.evaluate import route as evaluate

    state = load([DATA / source])
    result = migrate_and_prove(state, get_profile("nginx"))
    routing = routing_for(result.generated)
    requests = probe_requests([list(routing.routes.entry_points.values())])
    assert len(requests) > 20
    kinds = set()
    for request in requests:
        port = 443 if request.scheme == "https" else 80
        for paths in (False, True):
            fast = outcome_of(evaluate(routing.routes, request, f"default/nginx:{port}"), result.generated,
                              paths=paths)
            assert gateway_outcome(route_gateway(routing, request, "default/nginx"), paths=paths) == fast, request.url
        kinds.add(fast[0])
    assert {"forward", "redirect"} <= kinds


def test_a_readiness_probe_gke_ingress_read_becomes_a_health_check_policy() -> None:
    """GKE Ingress made its health check from the readinessProbe (GET /healthz); GKE Gateway reads none."""
    state = load([SAMPLES / "health-check-trap" / "fix-readiness-probe"])
    gce = get_profile("gce")
    plain = migrate_and_prove(state, gce)
    named = [a for a in plain.migration.annotations if a.annotation == "readinessProbe of Service default/web"]
    assert named and named[0].handling == "not-converted" and named[0].value == "/healthz"
    assert "--emitter gke" in named[0].why
    gke = migrate_and_prove(state, gce, None, "gke")
    policy, = [o.meta.raw for o in gke.generated.others if o.meta.kind == "HealthCheckPolicy"]
    assert policy["spec"]["default"]["config"] == {"type": "HTTP", "httpHealthCheck": {"requestPath": "/healthz"}}
    assert policy["spec"]["targetRef"]["name"] == "web"
    assert not [a for a in gke.migration.annotations if a.annotation.startswith("readinessProbe")]
    # the trap itself (no probe, / answers 302) gets no policy: the Ingress's check was GET / too
    trap = migrate_and_prove(load([SAMPLES / "health-check-trap" / "trap"]), gce, None, "gke")
    assert not [o for o in trap.generated.others if o.meta.kind == "HealthCheckPolicy"]
