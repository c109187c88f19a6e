"""Test your own pipelines against the sandbox: clients, a loopback server, time, faults, checks.

Code that sends campaigns takes a client (or builds one from ``TARGETSMS_*`` variables). In
its tests, hand it a client wired to a :class:`Sandbox` (in-process with
:func:`sandbox_client`, or over a real socket with :func:`serve_sandbox`), then check what
the "provider" received with the ``assert_*`` helpers. Nothing leaves the machine, and no test
waits a real minute: a sandbox on a :class:`ManualClock` shares it with its clients, so the
one-identical-request-per-minute rule, pacing and status polling advance the clock instead of
sleeping. :class:`Faults` (or ``sandbox.inject``) rehearse a network that lets you down.

Examples
--------
>>> import pandas as pd, targetsms_frames as tsf
>>> def remind(customers, client):  # the pipeline under test
...     messages = customers.assign(send_sms=1, sender_sms="Clinic",
...                                 text_sms="Hi " + customers["name"])
...     return tsf.send(messages, client, progress=False)
>>> sandbox = Sandbox(clock=ManualClock())
>>> customers = pd.DataFrame({"phone": ["+7 900 000-00-01", "79000000002"],
...                           "name": ["Anna", "Ivan"]})
>>> _ = remind(customers, sandbox_client(sandbox))
>>> received = assert_received(sandbox, customers.assign(text_sms=["Hi Anna", "Hi Ivan"]))
>>> received["message_id"].tolist()
['1179038981', '1179038982']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import pandas as pd

from ._cells import as_text
from ._client import AsyncClient, Client
from ._clock import FastClock, ManualClock
from ._facts import MESSAGE_PARAMS
from ._phones import normalize_phones
from .sandbox import Faults, Sandbox, SandboxTransport

__all__ = [
    "FastClock",
    "Faults",
    "ManualClock",
    "Sandbox",
    "SandboxTransport",
    "assert_no_duplicates",
    "assert_nothing_received",
    "assert_received",
    "async_sandbox_client",
    "finish_statuses",
    "messages_per_phone",
    "sandbox_client",
    "serve_sandbox",
]

_SHOWN: Final = 10


def _new_sandbox(sandbox: Sandbox | None) -> Sandbox:
    return sandbox if sandbox is not None else Sandbox(clock=ManualClock())


def sandbox_client(sandbox: Sandbox | None = None, **options: Any) -> Client:
    """A :class:`~targetsms_frames.Client` wired in-process to ``sandbox``.

    Parameters
    ----------
    sandbox : Sandbox, optional
        The sandbox to answer; a new one on a :class:`ManualClock` when omitted (pass your
        own to look at what it received).
    **options
        Client options (``duplicate_window``, ``on_duplicate``, ``login``...). The client
        shares the sandbox's clock when it is a ``ManualClock`` or a ``FastClock``.

    Returns
    -------
    Client
        Its ``base_url`` is the sandbox's own (``https://<name>.sandbox.invalid/...``).

    Examples
    --------
    >>> sandbox = Sandbox(clock=ManualClock())
    >>> client = sandbox_client(sandbox)
    >>> client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi")
    ['1179038981']
    >>> client.base_url == sandbox.base_url
    True
    """
    return Client.sandbox(_new_sandbox(sandbox), **options)


def async_sandbox_client(sandbox: Sandbox | None = None, **options: Any) -> AsyncClient:
    """An :class:`~targetsms_frames.AsyncClient` wired in-process to ``sandbox``.

    The same as :func:`sandbox_client`, for code that awaits.

    Examples
    --------
    >>> import asyncio
    >>> sandbox = Sandbox(clock=ManualClock())
    >>> async def main() -> list[str]:
    ...     async with async_sandbox_client(sandbox) as client:
    ...         return await client.send("79000000001", send_sms=1, sender_sms="Shop",
    ...                                  text_sms="Hi")
    >>> asyncio.run(main())
    ['1179038981']
    """
    return AsyncClient.sandbox(_new_sandbox(sandbox), **options)


@contextmanager
def serve_sandbox(
    sandbox: Sandbox | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    timeout_hold: float = 5.0,
) -> Iterator[str]:
    """Serve ``sandbox`` on a real loopback socket while the block runs; yield its URL.

    For code that builds its own client, or runs in another process: point it at the URL
    (``tsf.Client(login, password, base_url=url)`` or ``TARGETSMS_BASE_URL=url``); any
    non-empty login and password are accepted unless the sandbox was given ``credentials``.
    A client on another clock than the sandbox's waits the duplicate rule in real time, so
    pass the sandbox's ``ManualClock`` to it as ``clock=`` when it should not.

    Parameters
    ----------
    sandbox : Sandbox, optional
        The sandbox to serve; a new one (on the real clock) when omitted.
    host : str
        A loopback address (clients refuse plain ``http://`` to any other host).
    port : int
        0 picks a free port.
    timeout_hold : float
        Seconds a ``timeout_after`` fault holds its reply (released at once on exit).

    Yields
    ------
    str
        The endpoint, ``http://127.0.0.1:PORT/sendmessage.php``.

    Examples
    --------
    >>> import targetsms_frames as tsf
    >>> sandbox = Sandbox()
    >>> with serve_sandbox(sandbox) as url, tsf.Client("me", "pw", base_url=url) as client:
    ...     client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi")
    ['1179038981']
    >>> messages_per_phone(sandbox).to_dict()
    {'79000000001': 1}
    """
    from .sandbox._server import serve

    served = sandbox if sandbox is not None else Sandbox()
    with serve(served, host=host, port=port, timeout_hold=timeout_hold) as url:
        yield url


def finish_statuses(sandbox: Sandbox) -> pd.DataFrame:
    """Move the sandbox's ``ManualClock`` past every message's final status; return them.

    After it every status check answers a final word (unless more messages are sent).

    Examples
    --------
    >>> sandbox = Sandbox(clock=ManualClock())
    >>> sandbox_client(sandbox).send("79000000001", send_sms=1, sender_sms="S", text_sms="Hi")
    ['1179038981']
    >>> finish_statuses(sandbox)["status"].tolist()
    ['deliver']
    """
    clock = sandbox.clock
    if not isinstance(clock, ManualClock):
        raise TypeError(
            f"finish_statuses moves a ManualClock; this sandbox runs on {clock!r}: "
            "create it with Sandbox(clock=ManualClock())"
        )
    messages = sandbox.messages
    if len(messages):
        clock.advance(float(messages["final_at"].max()) - clock())
    return sandbox.messages


def messages_per_phone(sandbox: Sandbox) -> pd.Series:
    """How many messages each phone received, most first (ties in phone order).

    Examples
    --------
    >>> sandbox = Sandbox()
    >>> sandbox_client(sandbox).send(["79000000002", "79000000001"], send_sms=1,
    ...                              sender_sms="Shop", text_sms="Hi")
    ['1179038981', '1179038982']
    >>> messages_per_phone(sandbox)
    phone
    79000000001    1
    79000000002    1
    Name: messages, dtype: int64
    """
    phones = sandbox.messages["phone"].astype("str")
    counts = phones.value_counts().rename("messages").rename_axis("phone")
    return counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")


def assert_nothing_received(sandbox: Sandbox) -> None:
    """Fail unless the sandbox created no message at all (a dry run, a refused campaign).

    Examples
    --------
    >>> assert_nothing_received(Sandbox())
    """
    received = sandbox.messages
    if len(received):
        raise AssertionError(
            f"the sandbox received {len(received)} message(s), expected none; first phones: "
            + ", ".join(received["phone"].astype("str").head(_SHOWN))
        )


def assert_no_duplicates(sandbox: Sandbox, by: Sequence[str] | None = None) -> None:
    """Fail if any phone received the same message twice.

    Parameters
    ----------
    sandbox : Sandbox
        The sandbox that received the campaign.
    by : sequence of str, optional
        What makes two messages "the same": ``phone`` and every message parameter by
        default; ``by=["phone"]`` allows each phone one message of any content.

    Examples
    --------
    >>> sandbox = Sandbox()
    >>> client = sandbox_client(sandbox)
    >>> _ = client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi")
    >>> _ = client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Bye")
    >>> assert_no_duplicates(sandbox)
    >>> assert_no_duplicates(sandbox, by=["phone"])
    Traceback (most recent call last):
    ...
    AssertionError: 1 phone(s) received a message more than once (by phone): 79000000001 x2
    """
    keys = list(by) if by is not None else list(MESSAGE_PARAMS)
    received = sandbox.messages
    unknown = sorted(set(keys) - set(received.columns))
    if unknown:
        raise ValueError(f"no such column(s) in the sandbox's messages: {unknown}")
    sizes = received.fillna({k: "" for k in keys}).groupby(keys, sort=False).size()
    repeated = sizes[sizes > 1]
    if len(repeated):
        phones = repeated.index.get_level_values("phone") if len(keys) > 1 else repeated.index
        shown = [f"{p} x{n}" for p, n in zip(phones[:_SHOWN], repeated.iloc[:_SHOWN], strict=True)]
        more = f" and {len(repeated) - _SHOWN} more" if len(repeated) > _SHOWN else ""
        what = "by " + ", ".join(keys) if by is not None else "the same message"
        raise AssertionError(
            f"{len(repeated)} phone(s) received a message more than once ({what}): "
            + ", ".join(shown)
            + more
        )


def _expected_frame(expected: pd.DataFrame | Iterable[str]) -> pd.DataFrame:
    frame = (
        expected.reset_index(drop=True)
        if isinstance(expected, pd.DataFrame)
        else pd.DataFrame({"phone": list(expected)})
    )
    if "phone" not in frame.columns:
        raise ValueError("expected needs a 'phone' column")
    normal = normalize_phones(as_text(frame["phone"]))
    bad = normal["phone"].isna()
    if bad.any():
        raise ValueError(
            "expected holds phones that are not valid numbers: "
            + ", ".join(frame.loc[bad, "phone"].astype("str").head(_SHOWN))
        )
    return frame.assign(phone=normal["phone"].astype("str"))


def _count_problems(expected: pd.Series, received: pd.Series) -> list[str]:
    """Phones listed twice, expected phones without exactly one message, unexpected phones."""
    problems = [
        f"{phone}: expected {times} times; list each phone once"
        for phone, times in expected.value_counts(sort=False).items()
        if times > 1
    ]
    counts = received.value_counts()
    for phone in expected.drop_duplicates():
        got = int(counts.get(phone, 0))
        if got != 1:
            what = "none" if got == 0 else f"{got} messages"
            problems.append(f"{phone}: expected one message, received {what}")
    for phone in counts.index.difference(pd.Index(expected), sort=False):
        problems.append(f"{phone}: received {int(counts[phone])} message(s), none expected")
    return problems


def _value_problems(expected: pd.DataFrame, matched: pd.DataFrame) -> list[str]:
    """Message parameters whose received value is not the expected one."""
    problems: list[str] = []
    present = matched["message_id"].notna().to_numpy()
    phones = expected["phone"].to_numpy()[present]
    for column in [c for c in MESSAGE_PARAMS[1:] if c in expected.columns]:
        wanted = as_text(expected[column]).fillna("").to_numpy()[present]
        values = matched[column].fillna("").astype("str").to_numpy()[present]
        problems.extend(
            f"{phone}: {column} is {value!r}, expected {want!r}"
            for phone, want, value in zip(phones, wanted, values, strict=True)
            if want != value
        )
    return problems


def assert_received(sandbox: Sandbox, expected: pd.DataFrame | Iterable[str]) -> pd.DataFrame:
    """Fail unless the sandbox received exactly one message per expected phone, and no other.

    Every difference is listed at once: phones that got nothing, phones that got more than
    one message, phones nobody expected, and message parameters (``text_sms``,
    ``sender_viber``...) whose received value differs from the expected one.

    Parameters
    ----------
    sandbox : Sandbox
        The sandbox that received the campaign.
    expected : DataFrame or iterable of str
        Phones (written any way ``validate`` reads them), or a frame with ``phone`` and any
        message columns to compare (other columns are ignored; a blank value expects the
        parameter not to be sent).

    Returns
    -------
    pandas.DataFrame
        The received messages, one row per expected phone, in the expected order.

    Examples
    --------
    >>> sandbox = Sandbox()
    >>> _ = sandbox_client(sandbox).send("79000000001", send_sms=1, sender_sms="Shop",
    ...                                  text_sms="Hi")
    >>> assert_received(sandbox, ["8 900 000 00 01"])["text_sms"].tolist()
    ['Hi']
    >>> assert_received(sandbox, ["79000000002"])
    Traceback (most recent call last):
    ...
    AssertionError: the sandbox did not receive what was expected:
      79000000002: expected one message, received none
      79000000001: received 1 message(s), none expected
    """
    frame = _expected_frame(expected)
    received = sandbox.messages
    matched = received.drop_duplicates("phone").set_index("phone").reindex(frame["phone"])
    problems = _count_problems(frame["phone"], received["phone"]) + _value_problems(frame, matched)
    if problems:
        shown = problems[: _SHOWN * 2]
        more = len(problems) - len(shown)
        lines = [f"  {p}" for p in shown] + ([f"  and {more} more"] if more else [])
        raise AssertionError("the sandbox did not receive what was expected:\n" + "\n".join(lines))
    return matched.reset_index()
