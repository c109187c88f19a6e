"""The sandbox's face on HTTP, shared by the in-process transport and the server.

One endpoint, ``GET /sendmessage.php``: other paths are 404 and other methods 405
(``off_route``). The query is decoded as UTF-8 (``parse_query``), the endpoint answers with a
``SandboxReply``, and the reply's fault (``._faults.FAULT_EFFECTS``) says what reaches the
client. ``Endpoint`` is what a transport needs of a sandbox, so transports never import it.

Examples
--------
>>> parse_query(b"login=me&phone=79000000001,79000000002&text_sms=%D0%9F%2B1%25")
[('login', 'me'), ('phone', '79000000001,79000000002'), ('text_sms', 'П+1%')]
>>> off_route("POST", "/sendmessage.php")
(405, 'Method Not Allowed')
>>> off_route("GET", "/sendmessage.php") is None
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol
from urllib.parse import parse_qsl

from .._clock import Clock
from .._facts import ENDPOINT_PATH
from ._faults import PLAIN, FaultKind, Faults

__all__ = ["ALLOW", "ENDPOINT_PATH", "Endpoint", "SandboxReply", "off_route", "parse_query"]

#: The one method served; a 405 reply names it in its ``Allow`` header.
ALLOW: Final = "GET"


@dataclass(frozen=True)
class SandboxReply:
    """What the endpoint answers to one request.

    ``status_code`` is 0 when no HTTP reply is produced (the request was lost before
    processing). ``processed`` tells whether the request took effect: it counts for the
    duplicate rule and, for a valid send, created its messages. ``fault`` is the fault that
    struck this request; the transports turn it into what the client meets.
    """

    status_code: int
    body: str
    processed: bool
    fault: FaultKind | None = None
    content_type: str = PLAIN


class Endpoint(Protocol):
    """What a transport needs of a sandbox: its decisions, its faults and its clock."""

    @property
    def clock(self) -> Clock:
        """The sandbox's time; latency is waited on it."""
        ...

    @property
    def faults(self) -> Faults:
        """The random faults in force (for their latency)."""
        ...

    def handle(self, params: Mapping[str, object] | Iterable[tuple[str, object]]) -> SandboxReply:
        """Answer one request to the endpoint."""
        ...


def parse_query(raw: bytes | str) -> list[tuple[str, str]]:
    """Decode a query string as UTF-8 into (name, value) pairs, blanks kept."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")


def off_route(method: str, path: str) -> tuple[int, str] | None:
    """The (status, text) for a request that is not ``GET /sendmessage.php``, else ``None``."""
    if path != ENDPOINT_PATH:
        return 404, "Not Found"
    if method != ALLOW:
        return 405, "Method Not Allowed"
    return None
