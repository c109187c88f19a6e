"""Status polling: one round over 10,000 message IDs, and proof of the duplicate-window spacing.

1. The sandbox server (its own process, 127.0.0.1, no latency) gets a packed campaign of
   10,000 messages; ``poll_statuses`` then checks every ID once (one round) at its default
   concurrency and rate. Each run sends a fresh campaign, so no check repeats an earlier one.
2. Spacing: a server and a client both with a 2 s duplicate window, messages turning final
   1 to 6 s after sending, and ``poll_statuses(until_final=True)``, so each ID is checked in
   several rounds. The server writes its request log when it stops; from it, per ID, the
   smallest gap between two checks, and whether any check was refused as a duplicate.
"""

from __future__ import annotations

import itertools
import tempfile
from collections import defaultdict
from pathlib import Path

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
)

_TAGS = itertools.count(1)


def _one_round(result: Result, n: int, runs: int) -> None:
    import targetsms_frames as tsf
    from targetsms_frames._send import DEFAULT_CONCURRENCY, DEFAULT_RATE

    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, sandbox_server(latency=0.0) as server:
        for _ in range(runs):
            with tsf.Client(LOGIN, PASSWORD, base_url=server.url) as client:
                tag = f"p{next(_TAGS)}"
                frame = identical_frame(n, tag=tag)
                journal = Path(tmp) / f"{tag}.sqlite"
                sent = tsf.send(frame, client, journal=journal, progress=False)
                if int((sent["send_state"] == "sent").sum()) != n:
                    raise RuntimeError("polling: the campaign was not fully sent")
                seconds, polled = timed(
                    lambda s=sent, c=client: tsf.poll_statuses(s, c, progress=False)
                )
            if int(polled["status"].notna().sum()) != n:
                raise RuntimeError("polling: not every ID got a status in one round")
            times.append(seconds)
    seconds = median(times)
    result.add(
        f"poll_statuses, one round of {n:,} IDs",
        fmt_s(seconds),
        f"{n / seconds:,.0f} checks/s; {spread(times)}; concurrency {DEFAULT_CONCURRENCY}, "
        f"rate {DEFAULT_RATE:g}/s (floor {n / DEFAULT_RATE:.1f} s)",
    )


def _spacing(result: Result, n: int) -> None:
    import targetsms_frames as tsf
    from targetsms_frames._wire import DUPLICATE_TEXT

    window = 2.0
    with (
        tempfile.TemporaryDirectory() as tmp,
        sandbox_server(
            latency=0.0, duplicate_window=window, status_delay=(1.0, 6.0), keep_log=True
        ) as server,
    ):
        client = tsf.Client(LOGIN, PASSWORD, base_url=server.url, duplicate_window=window)
        with client:
            frame = identical_frame(n, tag=f"s{next(_TAGS)}")
            sent = tsf.send(frame, client, journal=Path(tmp) / "spacing.sqlite", progress=False)
            seconds, final = timed(
                lambda: tsf.poll_statuses(
                    sent, client, until_final=True, timeout=60, progress=False
                )
            )
    checks: dict[str, list[float]] = defaultdict(list)
    refused = 0
    for record in server.log:
        if record["kind"] == "status":
            checks[record["params"][0][1]].append(record["time"])
            refused += record["reply"] == DUPLICATE_TEXT
    gaps = [b - a for times in checks.values() for a, b in itertools.pairwise(sorted(times))]
    rounds = max(len(t) for t in checks.values())
    multi = sum(len(t) > 1 for t in checks.values())
    smallest = min(gaps) if gaps else float("nan")
    ok = smallest >= window and refused == 0
    result.add(
        f"spacing: min gap between checks of one ID ({n} IDs)",
        f"{smallest:.3f} s",
        f"window {window:g} s on both sides: {'held' if ok else 'BROKEN'}; "
        f"{len(gaps):,} re-checks over {multi} IDs, up to {rounds} checks per ID, "
        f"{refused} refused as duplicates; all final: {bool(final['is_final'].all())} "
        f"after {seconds:.1f} s",
    )


def run(quick: bool = False) -> Result:
    """One timed round over many IDs, then the spacing proof."""
    result = Result("polling")
    _one_round(result, 2_000 if quick else 10_000, 2)
    _spacing(result, 100 if quick else 300)
    result.notes.append(
        "Spacing is read from the server's own request log (times by the server's clock): "
        "the client waits the window plus a 1 s margin before checking an ID again."
    )
    return result


def main() -> None:
    run_alone(run, __doc__)


if __name__ == "__main__":
    main()
