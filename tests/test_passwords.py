"""Hostile passwords (``&``, spaces, ``%+#'"``, Cyrillic) through every output of a campaign:
results, journal, Excel, logs, progress bar, command line, errors, traceback locals. No form
of the password, and no piece of it, shows anywhere.
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
import traceback
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote

import httpx
import pandas as pd
import pytest
from typer.testing import CliRunner

import targetsms_frames as tsf
from targetsms_frames._cli import app
from targetsms_frames.sandbox import Faults, Sandbox
from targetsms_frames.testing import serve_sandbox

PASSWORDS = [
    "Pa55wrd&secretTail 2024x",
    "pctZ%25plusQ+hashW#quoteV'dblK\"endJ",
    "Пароль&хвостик тест%+#'\"",
    "  spaced out  ",
]


def _forms(password: str) -> set[str]:
    forms = {password, quote(password, safe=""), quote(password), quote_plus(password)}
    forms |= {html.escape(password), html.escape(password, quote=False)}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), f) for f in set(forms)}
    with contextlib.suppress(UnicodeEncodeError):
        forms.add(quote(password, safe="", encoding="cp1251"))
    # pieces a cut at '&', a space or a quote would leave behind
    forms |= {p for p in re.split(r"[&\s%+#'\"]+", password) if len(p) >= 4}
    return {f for f in forms if f.strip()}


def _leaks(password: str, text: str) -> list[str]:
    return sorted(form for form in _forms(password) if form in text)


def _rendered_with_locals(error: BaseException) -> str:
    """The traceback as ``traceback`` prints it with ``capture_locals``, library frames only."""
    frames = [
        (frame, line)
        for frame, line in traceback.walk_tb(error.__traceback__)
        if "targetsms_frames" in frame.f_code.co_filename
    ]
    stack = traceback.StackSummary.extract(iter(frames), capture_locals=True)
    return "".join(stack.format()) + "".join(traceback.format_exception_only(error))


def _echo_then_sandbox(sandbox: Sandbox) -> httpx.BaseTransport:
    """An endpoint that, for phones ending in 7, answers an error page echoing the request:
    decoded, as sent, HTML-escaped, and with the password across the 500th character."""
    inner = sandbox.transport()

    def handle(request: httpx.Request) -> httpx.Response:
        query = request.url.query.decode()
        if "id_message" not in query and unquote(query).split("phone=")[1][:11].endswith("7"):
            decoded = unquote(query)
            page = (
                "<html><body>" + "x" * (480 - len(query)) + f" bad request {query} "
                f"decoded: {decoded} escaped: {html.escape(decoded)}</body></html>"
            )
            return httpx.Response(400, text=page)
        return inner.handle_request(request)

    return httpx.MockTransport(handle)


def _messages(n: int = 20) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": [str(79002000000 + i) for i in range(n)],
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": [f"Заказ {i}" for i in range(n)],
        }
    )


def _frame_locals(exc: BaseException) -> str:
    """Every local of every library frame a traceback of ``exc`` (and its chain) keeps, as
    text (rich tracebacks, ``%xmode Verbose`` and ``pytest -l`` print them)."""
    out = []
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            if "targetsms_frames" not in tb.tb_frame.f_code.co_filename:  # the test's own
                tb = tb.tb_next
                continue
            for name, value in list(tb.tb_frame.f_locals.items()):
                try:
                    out.append(f"{name}={value!r} {value!s}")
                except Exception:  # a repr that fails shows nothing either
                    out.append(name)
            tb = tb.tb_next
        pending += [current.__cause__, current.__context__]
    return "\n".join(out)


@pytest.mark.parametrize("password", PASSWORDS, ids=["amp-space", "pct-quotes", "cyr", "spaces"])
def test_a_campaign_with_a_hostile_password_shows_it_nowhere(
    password: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    sandbox = Sandbox(clock=tsf.ManualClock(), faults=Faults(seed=5, http_500=0.1, garbage=0.1))
    client = tsf.Client(
        "shop",
        password,
        base_url=sandbox.base_url,
        transport=_echo_then_sandbox(sandbox),
        clock=sandbox.clock,
        retries=0,
    )
    journal = tmp_path / "c.sqlite"
    out = tsf.send(_messages(), client, journal=journal, progress=True, max_unknown_in_a_row=99)
    assert (out["send_state"] == "unknown").sum() >= 2  # the echo pages were met
    assert out["send_error"].str.contains("HTTP 400").any()
    statuses = tsf.poll_statuses(out, client, journal=journal, progress=True)
    excel = tsf.write_excel({"results": out, "statuses": statuses}, tmp_path / "out.xlsx")
    with zipfile.ZipFile(excel) as book:
        workbook = "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    captured = capsys.readouterr()
    texts = {
        "results": out.to_csv() + repr(out),
        "statuses": statuses.to_csv(),
        "read_journal": tsf.read_journal(journal).to_csv(),
        "journal files": "".join(
            p.read_bytes().decode("utf-8", "replace") for p in tmp_path.glob("c.sqlite*")
        ),
        "excel": workbook,
        "logs": caplog.text + "".join(r.getMessage() for r in caplog.records),
        "progress bar": captured.err + captured.out,
        "client": repr(client) + str(client.__dict__),
    }
    assert {where: _leaks(password, text) for where, text in texts.items()} == {
        where: [] for where in texts
    }


@pytest.mark.parametrize("password", PASSWORDS, ids=["amp-space", "pct-quotes", "cyr", "spaces"])
def test_an_error_echoing_the_request_keeps_no_password_even_in_traceback_locals(
    password: str,
) -> None:
    sandbox = Sandbox(clock=tsf.ManualClock())
    client = tsf.Client(
        "shop", password, transport=_echo_then_sandbox(sandbox), clock=sandbox.clock, retries=0
    )
    with pytest.raises(tsf.UnexpectedReplyError) as info:
        client.send("79002000007", send_sms=1, sender_sms="Shop", text_sms="Hi")
    error = info.value
    assert "bad request" in error.raw and len(error.raw) <= 500
    rendered = _rendered_with_locals(error)
    texts = {
        "str": str(error),
        "repr": repr(error),
        "raw": error.raw,
        "url": str(error.url),
        "traceback with locals": rendered,
        "frame locals": _frame_locals(error),
    }
    assert {where: _leaks(password, text) for where, text in texts.items()} == {
        where: [] for where in texts
    }


class _CtrlCInFlight(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt  # the user pressed Ctrl-C while the request was out


class _Broken(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"transport bug while handling {request.url}")


@pytest.mark.parametrize("password", PASSWORDS[:3], ids=["amp-space", "pct-quotes", "cyr"])
@pytest.mark.parametrize("transport", [_CtrlCInFlight, _Broken])
def test_an_interrupt_or_a_bug_mid_request_keeps_no_password_in_traceback_locals(
    password: str, transport: type[httpx.BaseTransport]
) -> None:
    client = tsf.Client("shop", password, transport=transport(), retries=0)
    with pytest.raises((KeyboardInterrupt, tsf.OutcomeUnknownError)) as info:
        client.status("1179038981")
    error: Any = info.value
    assert error.__context__ is None and error.__cause__ is None
    rendered = _rendered_with_locals(error)
    assert _leaks(password, rendered + _frame_locals(error) + str(error)) == []


@pytest.mark.socket
@pytest.mark.parametrize("password", PASSWORDS[:3], ids=["amp-space", "pct-quotes", "cyr"])
def test_the_command_line_shows_no_password(
    password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = Sandbox(faults=Faults(seed=2, http_500=0.2, garbage=0.2))
    recipients = tmp_path / "recipients.csv"
    _messages(12).to_csv(recipients, index=False)
    with serve_sandbox(sandbox) as url:
        monkeypatch.setenv("TARGETSMS_LOGIN", "shop")
        monkeypatch.setenv("TARGETSMS_PASSWORD", password)
        monkeypatch.setenv("TARGETSMS_BASE_URL", url)
        journal = tmp_path / "c.sqlite"
        runs = [
            CliRunner().invoke(
                app,
                [
                    "send",
                    str(recipients),
                    "--journal",
                    str(journal),
                    "--out",
                    str(tmp_path / "r.csv"),
                    "--no-progress",
                    "--yes",
                ],
            ),
            CliRunner().invoke(app, ["status", "--journal", str(journal)]),
            CliRunner().invoke(app, ["report", "--journal", str(journal)]),
        ]
    outputs = "".join(run.output for run in runs)
    assert "unknown" in outputs
    files = "".join(p.read_bytes().decode("utf-8", "replace") for p in tmp_path.iterdir())
    assert _leaks(password, outputs) == []
    assert _leaks(password, files) == []
