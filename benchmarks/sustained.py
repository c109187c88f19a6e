"""Sustained sending rate: a long personalised campaign at zero latency, first vs last 10 s.

Every row has its own text, so every row is its own request and stays in the client's
duplicate guard (and the sandbox's memory) for a minute: tens of thousands of requests are
remembered at once. Bookkeeping that grows with what is remembered (a guard that walks every
key, a journal query that scans every row) shows up as a last 10 s slower than the first.
The rate of each 10 s window is read from the rows' ``sent_at``. Goal: within 10 %.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ._util import LOGIN, PASSWORD, Result, personalised_frame, run_alone, sandbox_server, timed

WINDOW = 10.0


def window_rates(sent_at: pd.Series, window: float = WINDOW) -> tuple[float, float]:
    """Rows per second in the first and the last ``window`` seconds of sending."""
    seconds = _seconds(sent_at)
    end = float(seconds.max())
    first = float((seconds < window).sum()) / window
    last = float((seconds > end - window).sum()) / window
    return first, last


def _seconds(sent_at: pd.Series) -> pd.Series:
    times = pd.to_datetime(sent_at, utc=True).dropna()
    return (times - times.min()).dt.total_seconds()


def trend(sent_at: pd.Series, window: float = WINDOW) -> tuple[float, float, float]:
    """Over every whole ``window``: the slowest and the median rate, and the change per
    minute of a straight line through all of them (0: the rate does not drift)."""
    seconds = _seconds(sent_at)
    whole = int(float(seconds.max()) // window)
    rates = (seconds // window).value_counts().reindex(range(whole), fill_value=0) / window
    slope = float(np.polyfit(np.arange(whole) * window / 60.0, rates.to_numpy(), 1)[0])
    return float(rates.min()), float(rates.median()), slope


def run(quick: bool = False) -> Result:
    """Send one long campaign; compare its first and last 10 s."""
    import targetsms_frames as tsf

    result = Result("sustained")
    n = 20_000 if quick else 100_000
    frame = personalised_frame(n, tag="sustained")
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox_server(latency=0.0) as server,
        tsf.Client(LOGIN, PASSWORD, base_url=server.url) as client,
    ):
        journal = Path(tmp) / "long.sqlite"
        seconds, out = timed(
            lambda: tsf.send(frame, client, journal=journal, progress=False, rate=None)
        )
    states = out["send_state"].value_counts().to_dict()
    sent = int(states.get("sent", 0))
    if sent < n * 0.999:
        raise RuntimeError(f"sustained: {states}")
    first, last = window_rates(out["sent_at"])
    change = last / first - 1
    verdict = "met" if abs(change) <= 0.10 else "MISSED"
    others = {k: v for k, v in states.items() if k != "sent"}
    left = f"; not sent: {others}" if others else ""
    result.add(
        f"tsf.send, {n:,} personalised msgs",
        f"{seconds:.1f} s",
        f"{sent / seconds:,.0f} msg/s; {sent:,} sent{left}",
    )
    low, mid, slope = trend(out["sent_at"])
    result.add(
        "every 10 s window",
        f"{mid:,.0f} msg/s",
        f"median; slowest {low:,.0f} msg/s; drift {slope:+.1f} msg/s per minute",
    )
    result.add("first 10 s", f"{first:,.0f} msg/s", "")
    result.add(
        "last 10 s", f"{last:,.0f} msg/s", f"{change:+.1%} vs first; goal within 10 %: {verdict}"
    )
    for (state, error), count in (
        out.loc[out["send_state"] != "sent"].groupby(["send_state", "send_error"]).size().items()
    ):
        result.notes.append(f"{count} row(s) {state}: {error}")
    result.notes.append(
        "Zero latency and no rate limit (rate=None): the sandbox server (its own process) "
        "answers at once, so the rate is what the client, the guard and the journal cost per "
        "request, on 2 cores shared with the server."
    )
    return result


def main() -> None:
    run_alone(run, __doc__)


if __name__ == "__main__":
    main()
