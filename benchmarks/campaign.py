"""Personalised campaign over a 20 ms network: ``tsf.send`` against a loop of ``httpx.get``.

Every row has its own text, so every row is its own request. The sandbox server runs in its
own process on 127.0.0.1 and waits 20 ms before answering each request.

* The loop: one ``httpx.get(url)`` per row, in order (a new client and connection per call,
  which is what ``httpx.get`` does), the URL built with ``send_params``/``encode_query``. It
  is timed on a sample of the rows and its messages per second compared with ``send``'s.
* ``tsf.send(frame, tsf.Client(...), journal=<file>, progress=False)`` at its default
  concurrency and rate, with the durable journal.

Loop and ``send`` alternate run by run; the ratio is taken per run and its median reported.
A second part runs ``send`` against the same server started with ``serve()`` in a thread of
the measuring process, and with ``serve()`` in a child process, to show what sharing the
process costs (and what the ``serve()`` socket costs on its own).
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import httpx
import pandas as pd

from ._util import (
    LOGIN,
    PASSWORD,
    Result,
    fmt_s,
    median,
    personalised_frame,
    run_alone,
    sandbox_server,
    spread,
    timed,
)

LATENCY = 0.02
_TAGS = itertools.count(1)


def loop_send(frame: pd.DataFrame, base_url: str) -> int:
    """Send row by row with ``httpx.get``; return how many rows got an ID."""
    from targetsms_frames._wire import encode_query, send_params

    ok = 0
    for phone, sender, text in zip(
        frame["phone"], frame["sender_sms"], frame["text_sms"], strict=True
    ):
        query = encode_query(
            LOGIN, PASSWORD, send_params(phone, send_sms=1, sender_sms=sender, text_sms=text)
        )
        reply = httpx.get(f"{base_url}?{query}")
        ok += reply.text.strip().isdigit()
    return ok


def tsf_send(frame: pd.DataFrame, base_url: str, workdir: Path, **options: object) -> int:
    """``tsf.send`` at its defaults with a journal file; return how many rows were sent."""
    import targetsms_frames as tsf

    journal = workdir / f"campaign-{next(_TAGS)}.sqlite"
    with tsf.Client(LOGIN, PASSWORD, base_url=base_url) as client:
        out = tsf.send(frame, client, journal=journal, progress=False, **options)
    return int((out["send_state"] == "sent").sum())


def _new_frame(n: int) -> pd.DataFrame:
    return personalised_frame(n, tag=f"c{next(_TAGS)}")


def _check(sent: int, n: int, what: str) -> None:
    if sent != n:
        raise RuntimeError(f"{what}: {sent} of {n} rows sent")


def run(quick: bool = False) -> Result:
    """Time the loop and ``send``; then ``send`` with the server in-process vs separate."""
    from targetsms_frames._send import DEFAULT_CONCURRENCY, DEFAULT_RATE

    result = Result("campaign")
    n = 200 if quick else 600
    sample = 40 if quick else 100
    runs = 2 if quick else 3
    loop_rates: list[float] = []
    tsf_times: list[float] = []
    ratios: list[float] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox_server(latency=LATENCY) as server,
    ):
        workdir = Path(tmp)
        tsf_send(_new_frame(20), server.url, workdir)  # warm imports and the server
        for _ in range(runs):
            rows = _new_frame(sample)
            loop_seconds, ok = timed(lambda r=rows: loop_send(r, server.url))
            _check(ok, sample, "loop")
            frame = _new_frame(n)
            seconds, sent = timed(lambda f=frame: tsf_send(f, server.url, workdir))
            _check(sent, n, "send")
            loop_rates.append(sample / loop_seconds)
            tsf_times.append(seconds)
            ratios.append((n / seconds) / (sample / loop_seconds))
    loop_rate = median(loop_rates)
    tsf_seconds = median(tsf_times)
    ratio = median(ratios)
    limit = min(DEFAULT_RATE, DEFAULT_CONCURRENCY / LATENCY)
    result.add(
        f"loop httpx.get, {n} msgs",
        fmt_s(n / loop_rate),
        f"{loop_rate:,.1f} msg/s; timed on {sample} rows x {runs} runs, scaled to {n}",
    )
    result.add(
        f"tsf.send defaults, {n} msgs",
        fmt_s(tsf_seconds),
        f"{n / tsf_seconds:,.0f} msg/s; {spread(tsf_times)}; ceiling {limit:,.0f} msg/s "
        f"(min of rate {DEFAULT_RATE:g}/s and concurrency {DEFAULT_CONCURRENCY} / 20 ms)",
    )
    verdict = "met" if ratio >= 8 else f"MISSED by {8 / ratio:.1f}x"
    result.add("tsf.send / loop (msg/s)", f"{ratio:.1f}x", f"target >= 8x: {verdict}")
    _server_placement(result, n, runs)
    result.notes.append(
        f"Defaults used by send: concurrency={DEFAULT_CONCURRENCY}, rate={DEFAULT_RATE:g} "
        f"requests/s, durable journal. With 20 ms per request, {DEFAULT_CONCURRENCY} in "
        f"flight allow {DEFAULT_CONCURRENCY / LATENCY:,.0f} requests/s, so the rate limit "
        f"({DEFAULT_RATE:g}/s) is the ceiling for a personalised campaign."
    )
    return result


def _server_placement(result: Result, n: int, runs: int) -> None:
    """``send`` against the server in a child process vs a thread of this process."""
    from targetsms_frames.sandbox import Faults, Sandbox
    from targetsms_frames.sandbox._server import serve

    times: dict[str, list[float]] = {"child": [], "thread": [], "child-serve": []}
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox_server(latency=LATENCY) as child,
        sandbox_server(latency=LATENCY, mode="serve") as child_serve,
        serve(Sandbox(faults=Faults(latency=LATENCY))) as thread_url,
    ):
        workdir = Path(tmp)
        urls = {"child": child.url, "thread": thread_url, "child-serve": child_serve.url}
        for url in urls.values():
            tsf_send(_new_frame(20), url, workdir)
        for _ in range(runs):
            for key, url in urls.items():
                frame = _new_frame(n)
                seconds, sent = timed(lambda f=frame, u=url: tsf_send(f, u, workdir))
                _check(sent, n, f"send ({key})")
                times[key].append(seconds)
    child_s = median(times["child"])
    thread_s = median(times["thread"])
    child_serve_s = median(times["child-serve"])
    result.add(
        "server: child process, run_server()",
        fmt_s(child_s),
        f"{n / child_s:,.0f} msg/s; {spread(times['child'])}",
    )
    result.add(
        "server: thread in this process, serve()",
        fmt_s(thread_s),
        f"{n / thread_s:,.0f} msg/s; {spread(times['thread'])}",
    )
    result.add(
        "server: child process, serve()",
        fmt_s(child_serve_s),
        f"{n / child_serve_s:,.0f} msg/s; {spread(times['child-serve'])}",
    )
    result.add(
        "in-process / separate (both serve())",
        f"{thread_s / child_serve_s:.2f}x",
        "time ratio: the server's work shares the GIL with the client",
    )
    result.add(
        "serve() / run_server() (both child)",
        f"{child_serve_s / child_s:.2f}x",
        "time ratio: the two ways of serving the sandbox (both set TCP_NODELAY)",
    )


def main() -> None:
    run_alone(run, __doc__)


if __name__ == "__main__":
    main()
