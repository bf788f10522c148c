"""Input that used to end in a traceback: each is now a message with file:line and the usual exit code.

Each case is a finding of issue 19 (or 21: where an unclosed `{` is reported).
Every command is run on each, in-process through `main()` as the console
script runs it; a crash would surface as exit 70 and "this is a bug".
"""

from __future__ import annotations

import io
import os
import socket
import stat
import threading

import pytest
import yaml

from explorer.cli import EXIT_BUG, main
from explorer.model import load_text
from explorer.model.yamldoc import Document, parse_documents

INGRESS = """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules: [{host: a.example.com, http: {paths: [{path: /, pathType: Prefix,
           backend: {service: {name: web, port: {number: 80}}}}]}}]
"""

CASES = {
    # name: (text, the message's start "file:line", words it must hold)
    "merge-then-explicit.yaml": (
        "base: &b {name: one}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: {name: one}\n  name: two\n",
        None, None),
    "bool-maybe.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: !!bool maybe}\n",
                        "bool-maybe.yaml:4:", "the value is not a valid bool (read as !!bool)"),
    "huge-int.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nspec:\n  a: " + "9" * 5000 + "\n",
                      "huge-int.yaml:5:", "an integer of 5,000 digits"),
    "huge-hex.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nspec:\n  a: 0x" + "f" * 5000 + "\n",
                      "huge-hex.yaml:5:", "digits"),
    # found by the fuzz test: 3,500 hex digits fit the digit limit but print as 4,215 decimal ones (ValueError)
    "long-hex.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nspec:\n  a: 0x" + "f" * 3500 + "\n",
                      "long-hex.yaml:5:", "an integer of 14,000 bits"),
    "deep.json": ('{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data":\n'
                  + "[" * 100_000 + "]" * 100_000 + "}\n", "deep.json:2:", "nesting depth"),
    "lone-surrogate.json": ('{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "x\\ud800"}}\n',
                            "lone-surrogate.json:2:", "invalid Unicode character escape"),
    "deep-yaml.yaml": ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n"
                       + "".join("  " * i + "- \n" for i in range(3000)), "deep-yaml.yaml:", "nesting depth"),
    "tls-null-host.yaml": (INGRESS + "  tls: [{hosts: [null], secretName: web-tls}]\n",
                           "tls-null-host.yaml:8:", "spec.tls[0].hosts[0]: Invalid value: null"),
    "deep-regex.yaml": (INGRESS.replace("metadata: {name: web}", "metadata: {name: web, annotations: "
                                        "{nginx.ingress.kubernetes.io/use-regex: 'true'}}")
                        .replace("path: /,", "path: '/" + "(" * 3000 + "a" + ")" * 3000 + "',"),
                        None, None),
}


@pytest.fixture
def case_dir(tmp_path):
    for name, (text, _, _) in CASES.items():
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("command", ["lint", "route", "diagram", "convert"])
def test_no_command_crashes_on_hostile_input(case_dir, name, command, capsys):
    args = [command, "-f", str(case_dir / name)] + (["http://a.example.com/"] if command == "route" else [])
    code = main(args)
    out, err = capsys.readouterr()
    assert code != EXIT_BUG and "this is a bug" not in err, err
    assert code in (0, 1, 2)
    _, where, words = CASES[name]
    if where is not None and not (command == "convert" and name == "tls-null-host.yaml"):  # convert: YAML only
        shown = out + err
        line = next((t for t in shown.splitlines() if where in t), "")
        assert line and words in line, shown[-2000:]


@pytest.mark.parametrize("name", sorted(n for n, (_, where, _) in CASES.items() if where and "tls" not in n))
def test_an_unreadable_document_exits_2(case_dir, name, capsys):
    assert main(["route", "-f", str(case_dir / name), "http://a.example.com/"]) == 2


def test_merge_keys_behave_as_pyyaml_safe_load():
    text = """\
a: &a {x: 1, y: 1}
b: &b {y: 2, z: 2}
explicit-after: {<<: *a, x: 9}
explicit-before: {x: 9, <<: *a}
list-earlier-wins: {<<: [*a, *b]}
two-merge-keys: {<<: *a, <<: *b}
nested: {<<: {<<: *b, w: 3}}
"""
    ours = next(d for d in parse_documents(text) if isinstance(d, Document)).data
    # two `<<` in one mapping is a duplicate key for PyYAML's constructor only after flattening; it keeps both
    assert ours == yaml.safe_load(text)
    assert ours["explicit-after"] == {"x": 9, "y": 1}


def test_a_merged_key_and_an_explicit_key_of_the_same_name_is_no_duplicate():
    state = load_text(CASES["merge-then-explicit.yaml"][0], "m.yaml")
    assert [o.meta.name for o in state.objects] == ["two"]
    assert not [p for p in state.problems if "already defined" in p.message]


def test_an_explicit_key_given_twice_is_still_refused():
    state = load_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, <<: {x: 1}, name: b}\n", "d.yaml")
    assert any('mapping key "name" already defined at line 3' in str(p) for p in state.problems)


def test_an_unclosed_brace_is_reported_where_it_opened(tmp_path):
    text = "".join(f"# line {i}\n" for i in range(1, 12)) + "metadata: {name: x,\n"  # `{` on line 12, EOF at 13
    state = load_text(text, "open.yaml")
    [problem] = state.problems
    assert str(problem).startswith("open.yaml:12:11:"), str(problem)
    assert "not closed" in problem.message and "line 13" in problem.message


def test_an_unclosed_brace_is_reported_even_when_a_bracket_opens_after_where_the_parser_gave_up():
    text = 'kind: Ingress\nmetadata:\n  name: x\n  annotations: {\n    a: "1"\nspec: [\n'  # `{` line 4, `[` line 6
    [problem] = load_text(text, "late.yaml").problems
    assert str(problem).startswith("late.yaml:4:16:"), str(problem)
    assert "not closed" in problem.message and "line 6" in problem.message


def test_an_unclosed_quote_is_reported_where_it_opened():
    state = load_text('apiVersion: v1\nkind: "ConfigMap\nmetadata: {}\n\n', "q.yaml")
    assert str(state.problems[0]).startswith("q.yaml:2:7:"), str(state.problems[0])


def test_json_with_surrogate_pair_escapes_keeps_its_lines():
    text = '{"apiVersion": "v1", "kind": "ConfigMap",\n "metadata": {"name": "x"},\n "data": {"a": "\\ud83d\\ude00"}}\n'
    state = load_text(text, "emoji.json")
    [obj] = state.objects
    assert obj.meta.raw["data"]["a"] == "\U0001F600"
    assert obj.meta.raw.key_lines["data"] == 3  # read as YAML, with positions, not as position-less JSON


# ------------------------------------------------------------------ not regular files


def test_a_fifo_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "manifests.yaml"
    os.mkfifo(fifo)
    done = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: (result.append(main(["lint", "-f", str(fifo)])), done.set()),
                              daemon=True)
    thread.start()
    if not done.wait(10):
        with open(fifo, "wb"):  # unblock the reader so the thread ends
            pass
        pytest.fail("lint -f FIFO hung")
    assert result == [2]
    assert "is a FIFO (named pipe), not a regular file" in capsys.readouterr().out


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(device, capsys):
    if not os.path.exists(device) or not stat.S_ISCHR(os.stat(device).st_mode):
        pytest.skip(f"no {device}")
    assert main(["route", "-f", device, "http://x/"]) == 2
    assert f"{device}: error: is a character device, not a regular file" in capsys.readouterr().err


def test_a_socket_is_refused(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert main(["route", "-f", str(path), "http://x/"]) == 2
        assert "not a regular file" in capsys.readouterr().err
    finally:
        server.close()


def test_a_read_stops_at_the_limit_whatever_stat_said():
    from explorer.model.load import read_bounded

    class Zero(io.RawIOBase):  # /dev/zero: stat says 0 bytes, reading never ends
        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = bytes(len(buffer))
            return len(buffer)

    data = read_bounded(io.BufferedReader(Zero()), expected=0, limit=5 * 2**20)
    assert len(data) == 5 * 2**20 + 1  # one byte over: enough to say "over the limit", no more
    assert read_bounded(io.BytesIO(b"x" * 10), expected=3, limit=100) == b"x" * 10  # a file that grew


# ------------------------------------------------------------------ a genuine bug


def test_a_bug_exits_70_with_one_line_saying_so(monkeypatch, capsys, tmp_path):
    from explorer.commands import lint

    def broken(args):
        return {}["missing"]

    monkeypatch.setattr(lint, "run", broken)
    monkeypatch.delenv("IE_TRACEBACK", raising=False)
    assert main(["lint", "-f", str(tmp_path)]) == EXIT_BUG == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "internal error, this is a bug: KeyError: 'missing'" in err and "issue tracker" in err
    assert "test_hostile_input.py" in err  # where it broke
