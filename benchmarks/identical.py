"""Identical-text campaign: 3,000 phones, one text, packed into few requests.

``tsf.send`` packs rows whose message is identical into comma lists of phones, each URL within
2,000 characters. Requests are counted twice: by a counting transport wrapped around the
client's, and from the request log of the sandbox server (its own process, 127.0.0.1, 20 ms
per request), which also gives the longest URL the server saw. The row-by-row loop makes one
request per phone (3,000); its time is measured on a sample and scaled.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import httpx

from ._util import (
    LOGIN,
    PASSWORD,
    Result,
    fmt_s,
    identical_frame,
    median,
    run_alone,
    sandbox_server,
    spread,
    timed,
    url_length_of,
)
from .campaign import loop_send

LATENCY = 0.02
MAX_URL = 2000
_TAGS = itertools.count(1)


class CountingTransport(httpx.BaseTransport):
    """Counts requests and keeps the longest URL, then hands them to a real transport."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.requests = 0
        self.longest = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        self.longest = max(self.longest, len(str(request.url)))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def run(quick: bool = False) -> Result:
    """Requests, longest URL and time of ``send`` for identical texts, against the loop."""
    import targetsms_frames as tsf

    result = Result("identical")
    n = 1000 if quick else 3000
    sample = 30 if quick else 60
    runs = 2 if quick else 3
    times: list[float] = []
    counts: list[int] = []
    longest: list[int] = []
    planned_longest = 0
    loop_rates: list[float] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox_server(latency=LATENCY, keep_log=True) as server,
    ):
        for run_no in range(runs):
            frame = identical_frame(n, tag=f"i{next(_TAGS)}")
            transport = CountingTransport()
            client = tsf.Client(LOGIN, PASSWORD, base_url=server.url, transport=transport)
            if run_no == 0:
                plan = tsf.preview(frame, client)
                planned_longest = int(plan["url_length"].max())
            journal = Path(tmp) / f"identical-{run_no}.sqlite"
            with client:
                seconds, out = timed(
                    lambda f=frame, c=client, j=journal: tsf.send(f, c, journal=j, progress=False)
                )
            sent = int((out["send_state"] == "sent").sum())
            if sent != n:
                raise RuntimeError(f"send: {sent} of {n} rows sent")
            times.append(seconds)
            counts.append(transport.requests)
            longest.append(transport.longest)
            rows = identical_frame(sample, tag=f"i{next(_TAGS)}", start=500_000)
            loop_seconds, ok = timed(lambda r=rows: loop_send(r, server.url))
            if ok != sample:
                raise RuntimeError(f"loop: {ok} of {sample} rows sent")
            loop_rates.append(sample / loop_seconds)
    sends = [r for r in server.log if r["kind"] == "send" and r["params"][0][1].count(",") > 0]
    server_longest = max(url_length_of(r, server.url) for r in sends)
    phones_seen = sum(r["params"][0][1].count(",") + 1 for r in sends)
    seconds = median(times)
    requests = int(median([float(c) for c in counts]))
    loop_seconds = n / median(loop_rates)
    result.add(
        f"tsf.send, {n} phones, one text",
        fmt_s(seconds),
        f"{requests} requests, {n / seconds:,.0f} msg/s; {spread(times)}",
    )
    result.add(
        f"loop httpx.get, {n} phones",
        fmt_s(loop_seconds),
        f"{n} requests; timed on {sample} rows x {runs} runs, scaled to {n}",
    )
    fewer = n / requests
    verdict = "met" if fewer >= 100 else f"MISSED by {100 / fewer:.1f}x"
    result.add("fewer requests (loop / send)", f"{fewer:,.0f}x", f"target >= 100x: {verdict}")
    result.add("time ratio (loop / send)", f"{loop_seconds / seconds:,.0f}x", "")
    top = max(max(longest), server_longest)
    result.add(
        "longest URL (client / server / plan)",
        f"{max(longest)} / {server_longest} / {planned_longest}",
        f"target <= {MAX_URL}: {'met' if top <= MAX_URL else 'MISSED'}; "
        f"server saw {len(sends)} packed send requests carrying {phones_seen:,} phones",
    )
    return result


def main() -> None:
    run_alone(run, __doc__)


if __name__ == "__main__":
    main()
