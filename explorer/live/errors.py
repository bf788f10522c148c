"""What can go wrong talking to a cluster, in words a user can act on."""

from __future__ import annotations

from typing import Any

from explorer.model.source import SourceError


class LiveError(SourceError):
    """The cluster cannot be read at all: no kubeconfig, unknown context, unreachable, bad credentials."""


class ApiStatus(Exception):
    """A non-2xx answer from the API server, with its Status body when it sent one."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(f"{code} {reason}: {message}" if message else f"{code} {reason}")
        self.code = code
        self.reason = reason
        self.message = message

    @classmethod
    def from_body(cls, code: int, http_reason: str, body: Any) -> "ApiStatus":
        if isinstance(body, dict) and body.get("kind") == "Status":
            return cls(int(body.get("code") or code), str(body.get("reason") or http_reason),
                       str(body.get("message") or ""))
        return cls(code, http_reason, "")


class Unreachable(Exception):
    """No HTTP answer at all: refused, timed out, TLS failed, connection cut."""


class Gone(Exception):
    """410: the resourceVersion a watch asked for is older than the server's history; list again."""


def unreachable_message(server: str, context: str, reason: str) -> str:
    return (f'cannot reach the API server {server} (context "{context}"): {reason}; '
            f"is the cluster running and reachable from here? try `kubectl --context {context} cluster-info`")


def unauthorized_message(server: str, context: str) -> str:
    return (f'the API server {server} refused the credentials of context "{context}" (401 Unauthorized): '
            "they are missing or have expired; log in again (e.g. `gcloud container clusters "
            "get-credentials CLUSTER`, or renew the token in the kubeconfig) and retry")
