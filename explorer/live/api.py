"""GET requests through the kubernetes client, read as raw JSON.

The client's typed models (V1Pod and friends) are built field by field in
Python; on 20,000 Pods that costs several times the time of `json.loads` on
the same bytes (see benchmarks/live_list_bench.py). So every list and watch
goes through `ApiClient.param_serialize` + `call_api` (what the generated
methods do with `_preload_content=False`): the client still does the
authentication (tokens, exec plugins, client certificates, refresh) and TLS,
and we get the undecoded urllib3 response.

Only GET is ever sent: `get` and `stream` are the only ways out of this
module, and the method is not a parameter.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator, Sequence

import urllib3
from kubernetes.client.exceptions import ApiException

from explorer.live.errors import ApiStatus, Unreachable
from explorer.live.kubeconfig import Connection

#: (connect, read) seconds for one-shot requests
REQUEST_TIMEOUT = (5.0, 120.0)
_CONNECTION_ERRORS = (urllib3.exceptions.HTTPError, OSError)


class RawApi:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._client = connection.api_client

    def _open(self, path: str, query: Sequence[tuple[str, str]], timeout: tuple[float, float]):
        try:
            request = self._client.param_serialize(
                "GET", path, query_params=list(query), header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
            )
            response = self._client.call_api(*request, _request_timeout=timeout).response
        except ApiException as exc:  # the client reports TLS failures this way, with status 0
            raise Unreachable(str(exc.reason or exc).replace("\n", ": ")) from None
        except _CONNECTION_ERRORS as exc:
            raise Unreachable(_reason(exc)) from None
        if not 200 <= response.status <= 299:
            try:
                body = json.loads(response.data or b"null")
            except ValueError:
                body = None
            finally:
                response.release_conn()
            raise ApiStatus.from_body(response.status, response.reason or "", body)
        return response

    def get(self, path: str, query: Sequence[tuple[str, str]] = (),
            timeout: tuple[float, float] = REQUEST_TIMEOUT) -> Any:
        """GET and parse JSON. Raises ApiStatus for a non-2xx answer, Unreachable for no answer."""
        response = self._open(path, query, timeout)
        try:
            data = response.data
        except _CONNECTION_ERRORS as exc:
            raise Unreachable(_reason(exc)) from None
        finally:
            response.release_conn()
        try:
            return json.loads(data)
        except ValueError as exc:
            raise Unreachable(f"the answer to GET {path} is not JSON ({exc})") from None

    def stream(self, path: str, query: Sequence[tuple[str, str]], timeout: tuple[float, float]):
        """GET a response to read incrementally (a watch). The caller closes it."""
        return self._open(path, query, timeout)


def json_lines(response: urllib3.BaseHTTPResponse) -> Iterator[Any]:
    """The newline-delimited JSON documents of a watch, as they arrive. Raises Unreachable if cut off."""
    buffer = b""
    try:
        for chunk in response.stream(amt=None, decode_content=True):
            *lines, buffer = (buffer + chunk).split(b"\n")
            for line in lines:
                if line.strip():
                    yield json.loads(line)
    except _CONNECTION_ERRORS as exc:
        raise Unreachable(_reason(exc)) from None
    if buffer.strip():
        yield json.loads(buffer)


def _reason(exc: BaseException) -> str:
    """The innermost useful words of a urllib3 error, without its `<...Connection object at 0x...>: ` prefix."""
    inner = getattr(exc, "reason", None)
    if isinstance(inner, BaseException):
        return _reason(inner)
    text = re.sub(r"^<[^>]*>: ", "", str(exc))
    return text or type(exc).__name__
