"""The `:` command bar, as in k9s: what was typed becomes one typed message per command."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

KIND_WORDS: dict[str, Literal["ing", "svc", "pod", "gtw", "httproute"]] = {
    "ing": "ing", "ingress": "ing", "ingresses": "ing",
    "gtw": "gtw", "gateway": "gtw", "gateways": "gtw",
    "httproute": "httproute", "httproutes": "httproute", "hr": "httproute",
    "svc": "svc", "service": "svc", "services": "svc",
    "po": "pod", "pod": "pod", "pods": "pod",
}
COMMANDS_HELP = (":ing  :svc  :pod  :gtw  :httproute  :ns [NAME|all]  :ctx [NAME]  :controller nginx|gce|gateway  "
                 ":flow  :explore  :lesson [N]  :migrate  :q")


@dataclass
class ShowKind(Message):
    kind: Literal["ing", "svc", "pod", "gtw", "httproute"]


@dataclass
class SetNamespace(Message):
    """`:ns NAME` or `:ns all` (name None: every namespace)."""

    name: str | None


class ListNamespaces(Message):
    """`:ns` alone: say which namespaces there are (as k9s lists them)."""


@dataclass
class OpenLesson(Message):
    """`:lesson N`: open lesson N (its number in the list, or its id)."""

    lesson: str


@dataclass
class SwitchContext(Message):
    """`:ctx` (name None: pick one from the kubeconfig) or `:ctx NAME`: read that cluster instead."""

    name: str | None


@dataclass
class SetController(Message):
    name: str


@dataclass
class GoToMode(Message):
    mode: str


class QuitCommand(Message):
    pass


def parse_command(text: str, controllers: tuple[str, ...]) -> Message:
    """Turn `:svc`, `:ns shop`, `:controller gce` into a message; ValueError says what was wrong."""
    words = text.strip().lstrip(":").split()
    if not words:
        raise ValueError(f"type a command: {COMMANDS_HELP}")
    head, args = words[0].lower(), words[1:]
    if head in KIND_WORDS and not args:
        return ShowKind(KIND_WORDS[head])
    if head in ("ns", "namespace"):
        if len(args) > 1:
            raise ValueError(":ns takes one namespace, or all")
        if not args:
            return ListNamespaces()
        return SetNamespace(None if args[0] in ("all", "-A") else args[0])
    if head in ("ctx", "context", "contexts"):
        if len(args) > 1:
            raise ValueError(":ctx takes one kubeconfig context, or none to pick from a list")
        return SwitchContext(args[0] if args else None)
    if head in ("controller", "ctl"):
        if len(args) != 1 or args[0] not in controllers:
            raise ValueError(f":controller takes one of: {', '.join(controllers)}")
        return SetController(args[0])
    if head in ("flow", "requests", "explore") and not args:
        return GoToMode("flow" if head in ("flow", "requests") else "explore")
    if head in ("migrate", "gateway-api") and not args:
        return GoToMode("migrate")
    if head in ("lesson", "lessons"):
        if len(args) > 1:
            raise ValueError(":lesson takes one lesson number, e.g. :lesson 4")
        return OpenLesson(args[0]) if args else GoToMode("lessons")
    if head in ("q", "quit", "q!"):
        return QuitCommand()
    raise ValueError(f"unknown command :{' '.join(words)}; try {COMMANDS_HELP}")


class CommandBar(Input):
    HELP = f"""\
## Command bar

Type a command and press **enter**; **esc** closes the bar.
`:ctx` lists the kubeconfig's contexts (as kubectl finds the kubeconfig)
and reads the one chosen; `:ctx NAME` reads that one at once.

`{COMMANDS_HELP}`
"""

    BINDINGS = [Binding("escape", "close", "Close", id="command.close", tooltip="Close the command bar")]

    DEFAULT_CSS = """
    CommandBar {
        dock: bottom;
        display: none;
        border: tall $accent;
    }
    CommandBar.-open {
        display: block;
    }
    """

    def __init__(self, controllers: Callable[[], tuple[str, ...]], **kwargs: Any) -> None:
        """`controllers` names the profiles, asked when a command is typed (routing is not loaded before)."""
        super().__init__(placeholder=COMMANDS_HELP, **kwargs)
        self.controllers = controllers

    def open(self) -> None:
        self.value = ""
        self.add_class("-open")
        self.focus()

    def action_close(self) -> None:
        self.remove_class("-open")
        self.screen.focus_next()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            message = parse_command(event.value, self.controllers())
        except ValueError as exc:
            self.app.notify(str(exc), title="Command", severity="warning")
            return
        self.action_close()
        self.post_message(message)
