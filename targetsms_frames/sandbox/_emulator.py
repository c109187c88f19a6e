"""The provider emulator, ``Sandbox``: an in-memory ``/sendmessage.php`` with the provider's rules.

It accepts the same parameters, answers with the same plain-text replies and error texts,
keeps the one-identical-request-per-minute rule, and moves every message from ``send`` to a
final status on a schedule fixed by its seed. Its decisions are pure: ``handle`` reads the
clock and the request and returns a ``SandboxReply``, never waiting; latency and the shape a
fault takes on the network belong to the transports (``SandboxTransport`` in-process, the
server in ``._server``).

Each sandbox has a name and, from it, a base URL of its own
(``https://<name>.sandbox.invalid/sendmessage.php``, a host that can never resolve), so a
campaign rehearsed on one sandbox is bound to that sandbox and never to the real endpoint.

Examples
--------
>>> import httpx
>>> from targetsms_frames._clock import ManualClock
>>> from targetsms_frames._wire import encode_query, send_params, status_params
>>> clock = ManualClock()
>>> sandbox = Sandbox(clock=clock, name="shop-test")
>>> sandbox.base_url
'https://shop-test.sandbox.invalid/sendmessage.php'
>>> http = httpx.Client(transport=sandbox.transport())
>>> query = encode_query("me", "pw", send_params("79000000001", send_sms=1,
...                      sender_sms="Shop", text_sms="Привет"))
>>> http.get(f"{sandbox.base_url}?{query}").text
'1179038981'
>>> clock.advance(60)
>>> http.get(f"{sandbox.base_url}?" + encode_query("me", "pw", status_params("1179038981"))).text
'deliver'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import secrets
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd

from .._clock import Clock, system_clock
from .._facts import DUPLICATE_TEXT, DUPLICATE_WINDOW, ENDPOINT_PATH, MESSAGE_PARAMS, PENDING_STATUS
from ._faults import FAULT_EFFECTS, FAULT_KINDS, FaultKind, Faults, draw_fault, spoilt_reply
from ._http import SandboxReply
from ._rules import DEFAULT_STOP_LIST, SANDBOX_ERROR_TEXTS, draw_outcome, send_error
from ._transport import SandboxTransport

__all__ = ["FIRST_MESSAGE_ID", "Sandbox", "SandboxRequest"]

FIRST_MESSAGE_ID: Final = 1_179_038_981
#: The domain under which every sandbox has its host (reserved: it never resolves).
SANDBOX_DOMAIN: Final = "sandbox.invalid"
_NAME_RE: Final = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_NAME_ALPHABET: Final = "abcdefghijkmnpqrstuvwxyz23456789"
_NAME_LENGTH: Final = 6
_CREDENTIALS: Final = frozenset({"login", "password"})
_PRUNE_EVERY: Final = 256


@dataclass(frozen=True)
class SandboxRequest:
    """One request as the sandbox logged it; ``params`` never holds login or password.

    ``reply`` is the endpoint's own answer (empty when the request was lost before
    processing), even when a fault kept it from the client.
    """

    request_no: int
    kind: Literal["send", "status"]
    params: tuple[tuple[str, str], ...]
    reply: str
    fault: FaultKind | None
    processed: bool
    time: float


@dataclass(frozen=True)
class _Message:
    message_id: str
    login: str
    phone: str
    params: Mapping[str, str]
    request_no: int
    created_at: float
    final_status: str
    final_at: float


def _new_name() -> str:
    return "".join(secrets.choice(_NAME_ALPHABET) for _ in range(_NAME_LENGTH))


class Sandbox:
    """An in-memory TargetSMS endpoint with the provider's rules, texts and statuses.

    Parameters
    ----------
    seed : int
        Fixes message IDs (offset from 1179038981) and every message's outcome and delay.
    clock : callable returning float, optional
        Seconds; defaults to the system clock. A ``ManualClock`` lets tests move time (and
        latency then advances it instead of waiting).
    status_delay : (float, float)
        Range of seconds, after creation, at which a message reaches its final status.
    duplicate_window : float
        Seconds during which a request identical to one processed earlier is refused.
    stop_list : iterable of str
        Phones whose presence refuses the whole request.
    credentials : (str, str), optional
        Login and password the sandbox accepts; any non-empty pair when omitted. Only a
        salted digest of the password is kept.
    faults : Faults, optional
        Random faults; none by default. See also ``inject``.
    name : str, optional
        This sandbox's name: lowercase letters, digits and inner hyphens (a host name
        label). A random six-character name by default. It makes ``base_url``.

    Examples
    --------
    >>> sandbox = Sandbox(seed=7)
    >>> sandbox.handle({"login": "me", "password": "pw", "phone": "79000000001",
    ...                 "send_sms": "1", "sender_sms": "Shop", "text_sms": "Hi"}).body
    '1179738981'
    >>> sandbox
    Sandbox(seed=7, messages=1, requests=1)
    >>> len(sandbox.name), sandbox.base_url.endswith(".sandbox.invalid/sendmessage.php")
    (6, True)
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        status_delay: tuple[float, float] = (2.0, 30.0),
        duplicate_window: float = DUPLICATE_WINDOW,
        stop_list: Iterable[str] = DEFAULT_STOP_LIST,
        credentials: tuple[str, str] | None = None,
        faults: Faults | None = None,
        name: str | None = None,
    ) -> None:
        low, high = (float(v) for v in status_delay)
        if not 0 <= low <= high:
            raise ValueError("status_delay must be (low, high) with 0 <= low <= high")
        if duplicate_window < 0:
            raise ValueError("duplicate_window must be >= 0 seconds")
        if name is not None and not (isinstance(name, str) and _NAME_RE.fullmatch(name)):
            raise ValueError(
                f"a sandbox name is lowercase letters, digits and inner hyphens, got {name!r}"
            )
        self._name = name if name is not None else _new_name()
        self._named = name is not None
        self.seed = int(seed)
        self.clock: Clock = clock if clock is not None else system_clock
        self.status_delay = (low, high)
        self.duplicate_window = float(duplicate_window)
        self.stop_list = frozenset(stop_list)
        self._salt = secrets.token_bytes(16)
        self._login: str | None = None
        self._password_digest: bytes | None = None
        if credentials is not None:
            self._login = credentials[0]
            self._password_digest = self._digest(credentials[1])
        self._faults = faults if faults is not None else Faults()
        self._lock = threading.Lock()
        self.reset()

    # -- identity --------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """This sandbox's name (its host is ``<name>.sandbox.invalid``)."""
        return self._name

    @property
    def base_url(self) -> str:
        """This sandbox's own endpoint URL; clients wired to it in-process use it.

        >>> Sandbox(name="rehearsal").base_url
        'https://rehearsal.sandbox.invalid/sendmessage.php'
        """
        return f"https://{self._name}.{SANDBOX_DOMAIN}{ENDPOINT_PATH}"

    # -- state -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every message, request, duplicate record and pending injected fault."""
        with self._lock:
            self._messages: dict[str, _Message] = {}
            self._requests: list[SandboxRequest] = []
            self._seen: dict[bytes, float] = {}
            self._checks: dict[str, list[float]] = {}
            self._injected: deque[FaultKind] = deque()
            self._fault_rng = random.Random(self._faults.seed)
            self._request_no = 0
            self._next_id = FIRST_MESSAGE_ID + (self.seed % 1000) * 100_000

    @property
    def faults(self) -> Faults:
        """The random faults in force; setting new ones restarts their draws."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        with self._lock:
            self._faults = faults
            self._fault_rng = random.Random(faults.seed)

    def restore(
        self,
        messages: Iterable[tuple[str, str, Mapping[str, str], float]],
        *,
        login: str = "sandbox",
    ) -> int:
        """Remember messages an earlier run of this sandbox created; return how many.

        ``messages`` are ``(message_id, phone, params, created_at)`` as a journal recorded
        them. Their statuses follow the same seeded schedule as when they were sent, so a
        sandbox that lives only as long as a command (``targetsms-frames send --sandbox``)
        can answer a later ``status`` about them.

        >>> sandbox = Sandbox(clock=lambda: 1_700_000_100.0)
        >>> sandbox.restore([("1179038981", "79000000001", {"send_sms": "1"}, 1_700_000_000.0)])
        1
        >>> sandbox.handle({"login": "sandbox", "password": "x", "id_message": "1179038981"}).body
        'deliver'
        """
        count = 0
        with self._lock:
            for message_id, phone, params, created_at in messages:
                viber = int(str(params.get("send_viber") or 0)) > 0
                final, delay = draw_outcome(
                    self.seed, message_id, viber=viber, delay=self.status_delay
                )
                sent = {k: str(v) for k, v in params.items() if k in MESSAGE_PARAMS[1:]}
                self._messages[message_id] = _Message(
                    message_id, login, phone, sent, 0, created_at, final, created_at + delay
                )
                self._next_id = max(self._next_id, int(message_id) + 1)
                count += 1
        return count

    def inject(self, kind: FaultKind, count: int = 1) -> None:
        """Make the next ``count`` requests fail with ``kind``, ahead of random faults.

        >>> sandbox = Sandbox()
        >>> sandbox.inject("http_500")
        >>> sandbox.handle({"login": "me", "password": "pw", "id_message": "1"}).status_code
        500
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {FAULT_KINDS}")
        if count < 0:
            raise ValueError("count must be >= 0")
        with self._lock:
            self._injected.extend([kind] * count)

    @property
    def messages(self) -> pd.DataFrame:
        """One row per created message, with its outcome and its ``status`` right now.

        Times (``created_at``, ``final_at``) are in the clock's seconds.
        """
        now = float(self.clock())
        columns = [
            "message_id",
            "login",
            "phone",
            *MESSAGE_PARAMS[1:],
            "request_no",
            "created_at",
            "final_status",
            "final_at",
            "status",
        ]
        with self._lock:
            rows = [
                {
                    "message_id": m.message_id,
                    "login": m.login,
                    "phone": m.phone,
                    **{name: m.params.get(name) for name in MESSAGE_PARAMS[1:]},
                    "request_no": m.request_no,
                    "created_at": m.created_at,
                    "final_status": m.final_status,
                    "final_at": m.final_at,
                    "status": PENDING_STATUS if now < m.final_at else m.final_status,
                }
                for m in self._messages.values()
            ]
        return pd.DataFrame(rows, columns=columns)

    @property
    def requests(self) -> list[SandboxRequest]:
        """Every request handled so far, oldest first (no credentials in them)."""
        with self._lock:
            return list(self._requests)

    def status_checks(self, message_id: str | int) -> list[float]:
        """Clock times at which a status check for ``message_id`` reached the endpoint.

        Refused duplicates count (they reached it); requests lost before processing do not.
        """
        with self._lock:
            return list(self._checks.get(str(message_id).strip(), []))

    def __repr__(self) -> str:
        with self._lock:
            counts = f"messages={len(self._messages)}, requests={len(self._requests)}"
        name = f"name={self._name!r}, " if self._named else ""
        login = f", login={self._login!r}" if self._login is not None else ""
        return f"Sandbox({name}seed={self.seed}, {counts}{login})"

    # -- the endpoint ----------------------------------------------------------------------

    def handle(self, params: Mapping[str, object] | Iterable[tuple[str, object]]) -> SandboxReply:
        """Answer one request to ``/sendmessage.php``, without waiting.

        Parameters
        ----------
        params : mapping or iterable of (name, value)
            The query's parameters, URL-decoded. A repeated name keeps its last value for
            the rules; all of them count for the duplicate rule.

        Returns
        -------
        SandboxReply

        Examples
        --------
        >>> sandbox = Sandbox()
        >>> sandbox.handle([("login", "me"), ("password", "pw"), ("phone", "79000000001"),
        ...                 ("send_sms", "1"), ("sender_sms", "Shop")]).body
        'Нет текста сообщения.'
        """
        items = params.items() if isinstance(params, Mapping) else params
        pairs = [(str(name), str(value)) for name, value in items]
        values = dict(pairs)
        kind: Literal["send", "status"] = "status" if "id_message" in values else "send"
        public = tuple(pair for pair in pairs if pair[0] not in _CREDENTIALS)
        with self._lock:
            now = float(self.clock())
            self._request_no += 1
            number = self._request_no
            fault = draw_fault(self._faults, self._fault_rng, self._injected)
            if fault is not None and not FAULT_EFFECTS[fault].processed:
                self._log(SandboxRequest(number, kind, public, "", fault, False, now))
                return SandboxReply(0, "", False, fault)
            if kind == "status":
                self._checks.setdefault(values["id_message"].strip(), []).append(now)
            key = self._digest(json.dumps(sorted(pairs)))
            last = self._seen.get(key)
            processed = last is None or now - last >= self.duplicate_window
            if processed:
                self._seen[key] = now
                body = self._answer(kind, values, now, number)
            else:
                body = DUPLICATE_TEXT
            self._log(SandboxRequest(number, kind, public, body, fault, processed, now))
        spoilt = spoilt_reply(fault, number)
        if spoilt is not None:
            return SandboxReply(spoilt[0], spoilt[1], processed, fault, spoilt[2])
        return SandboxReply(200, body, processed, fault)

    def _answer(
        self, kind: Literal["send", "status"], values: dict[str, str], now: float, number: int
    ) -> str:
        login = values.get("login", "")
        if not self._authorised(login, values.get("password", "")):
            return SANDBOX_ERROR_TEXTS["credentials"]
        if kind == "status":
            return self._status(values["id_message"].strip(), login, now)
        error = send_error(values, stop_list=self.stop_list)
        if error is not None:
            return error
        sent = {name: values[name] for name in MESSAGE_PARAMS[1:] if name in values}
        viber = int(sent.get("send_viber") or 0) > 0
        ids = []
        for phone in values["phone"].split(","):
            message_id = str(self._next_id)
            self._next_id += 1
            final, delay = draw_outcome(self.seed, message_id, viber=viber, delay=self.status_delay)
            self._messages[message_id] = _Message(
                message_id, login, phone, sent, number, now, final, now + delay
            )
            ids.append(message_id)
        return ",".join(ids)

    def _status(self, raw_id: str, login: str, now: float) -> str:
        if not (raw_id.isascii() and raw_id.isdigit()):
            return SANDBOX_ERROR_TEXTS["bad_message_id"]
        message = self._messages.get(raw_id.lstrip("0") or "0")
        if message is None or message.login != login:
            return SANDBOX_ERROR_TEXTS["message_not_found"]
        return PENDING_STATUS if now < message.final_at else message.final_status

    def _authorised(self, login: str, password: str) -> bool:
        if not login.strip() or not password:
            return False
        if self._login is None or self._password_digest is None:
            return True
        same_login = hmac.compare_digest(login.encode(), self._login.encode())
        return hmac.compare_digest(self._digest(password), self._password_digest) and same_login

    def _digest(self, text: str) -> bytes:
        data = text.encode("utf-8", errors="surrogatepass")
        return hmac.new(self._salt, data, hashlib.sha256).digest()

    def _log(self, record: SandboxRequest) -> None:
        self._requests.append(record)
        if record.request_no % _PRUNE_EVERY == 0:
            cutoff = record.time - self.duplicate_window
            self._seen = {key: at for key, at in self._seen.items() if at > cutoff}

    # -- onto the network ------------------------------------------------------------------

    def transport(self) -> SandboxTransport:
        """An httpx transport serving this sandbox in-process, to sync and async clients.

        Any host is accepted; only the path and method matter.

        >>> import httpx
        >>> httpx.Client(transport=Sandbox().transport()).get("https://x/other").status_code
        404
        """
        return SandboxTransport(self)
