"""Slack Web API calls over one kept-alive HTTP connection pool, for the outbox's calls.

Why not slack_sdk's WebClient: it sends every call through `urllib.request.urlopen`, which opens a new
TCP (and TLS) connection per call and closes it after; at a card per call that handshake was a fifth of
the outbox's time against the stand-in, and more against slack.com. An `httpx.Client` keeps its
connections open between calls.

What stays as the WebClient did it, so the sender's handling of Slack's answers is unchanged:
- every method is a POST: JSON bodies for `call`, form bodies (booleans as "1"/"0", None left out) for
  the read and file methods, as slack_sdk sends them;
- an answer is a success only when its status is 200 and its JSON says `ok: true`; anything else raises
  `CallError` with Slack's `error` (or `http_<status>` when the body has none or is not JSON), the
  status and the answer's headers (a 429's Retry-After);
- no retries of its own (the outbox retries, knowing Retry-After and pacing);
- no answer (refused, reset, timed out) raises ConnectionError or TimeoutError, both OSError, which the
  sender treats as a network failure (backoff, and a lookup by outbox id before posting again);
- the token, base URL, timeout, proxy and TLS context are the WebClient's own (`from_web_client`).
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from typing import Any

import httpx
from slack_sdk import WebClient

from socialdesk.outbox.transport import CallError

# Idle connections are dropped after this long. Slack's front ends keep idle connections for longer;
# a connection the server closed meanwhile is noticed when it is taken from the pool, not used.
KEEPALIVE_SECONDS = 15.0
USER_AGENT = "socialdesk-outbox"


class SlackWebApi:
    """POSTs Web API methods over a pool of kept-alive connections (thread-safe, like httpx.Client)."""

    def __init__(
        self,
        *,
        token: str | None,
        base_url: str,
        timeout: float,
        proxy: str | None = None,
        verify: ssl.SSLContext | bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self._client = httpx.Client(
            headers=headers,
            timeout=timeout,
            proxy=proxy,
            verify=verify,
            trust_env=False,  # the proxy is the WebClient's (which already read HTTPS_PROXY), as before
            limits=httpx.Limits(
                max_connections=8, max_keepalive_connections=4, keepalive_expiry=KEEPALIVE_SECONDS
            ),
            transport=transport,
        )

    @classmethod
    def from_web_client(cls, client: WebClient) -> SlackWebApi:
        return cls(
            token=client.token,
            base_url=client.base_url,
            timeout=float(client.timeout),
            proxy=client.proxy or None,
            verify=client.ssl if client.ssl is not None else True,
        )

    def call(self, method: str, args: Mapping[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """A method with a JSON body (chat.postMessage, chat.update, pins.add...): the answer's data."""
        body = json.dumps(args).encode()
        return self._post(
            method, content=body, headers={"Content-Type": "application/json;charset=utf-8"}, timeout=timeout
        )

    def form(self, method: str, args: Mapping[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """A method with a form body, as slack_sdk sends its read and file methods."""
        return self._post(method, data=_form_values(args), timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def _post(self, method: str, *, timeout: float | None, **request: Any) -> dict[str, Any]:
        options: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        try:
            response = self._client.post(self._base + method, **request, **options)
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"{method}: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:  # refused, reset, closed without an answer, DNS
            raise ConnectionError(f"{method}: {type(exc).__name__}: {exc}") from exc
        data = _json_object(response)
        if response.status_code == 200 and data.get("ok"):
            return data
        error = str(data.get("error") or f"http_{response.status_code}")
        raise CallError(error, status=response.status_code, headers=dict(response.headers))


def _form_values(args: Mapping[str, Any]) -> dict[str, str]:
    """Form fields as slack_sdk writes them: booleans as "1"/"0", None left out."""
    values: dict[str, str] = {}
    for key, value in args.items():
        if value is None:
            continue
        values[key] = ("1" if value else "0") if isinstance(value, bool) else str(value)
    return values


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:  # an error page from a proxy or a 5xx: no Slack error to report
        return {}
    return data if isinstance(data, dict) else {}
