"""One campaign sent by several processes at once, sharing a PostgreSQL journal.

20,000 personalised messages (each its own request) against the sandbox server at 20 ms
latency, sent by 1, 2 and 4 processes started together on the same campaign
(``journal="postgresql://...?campaign=..."``): messages per second for each, and how many
phones got their message twice (must be 0, from the sandbox's own log). The same campaign on
an SQLite journal by one process is the comparison. PostgreSQL runs from the ``pgserver``
package on this machine; every process, the server and the database share its 2 cores.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ._util import LOGIN, PASSWORD, ROOT, Result, run_alone, sandbox_server

LATENCY = 0.02
_TAGS = itertools.count(1)

_SENDER = textwrap.dedent(
    """
    import sys
    import targetsms_frames as tsf
    from benchmarks._util import personalised_frame
    n, tag, journal, url, login, password = sys.argv[1:]
    frame = personalised_frame(int(n), tag=tag)
    client = tsf.Client(login, password, base_url=url)
    print("ready", flush=True)
    sys.stdin.readline()
    out = tsf.send(frame, client, journal=journal, progress=False)
    print((out["send_state"] == "sent").sum(), flush=True)
    """
)


def _senders(k: int, n: int, journal: str, url: str) -> float:
    """Start ``k`` senders on one campaign, let them go together; seconds until all finish."""
    tag = f"team{next(_TAGS)}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _SENDER, str(n), tag, journal, url, LOGIN, PASSWORD],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(k)
    ]
    for proc in procs:  # imports and the frame are ready everywhere
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a sender did not start")
    start = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        proc.wait(timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"a sender failed with code {proc.returncode}")
    return time.perf_counter() - start


def _twice(log: list[dict[str, Any]]) -> int:
    """Phones that reached the provider with the same text more than once."""
    seen: Counter[tuple[str, str]] = Counter()
    for record in log:
        if record["kind"] != "send" or not record["processed"]:
            continue
        params = dict(record["params"])
        for phone in params["phone"].split(","):
            seen[(phone, params.get("text_sms", ""))] += 1
    return sum(1 for count in seen.values() if count > 1)


def run(quick: bool = False) -> Result:
    """1, 2 and 4 senders on PostgreSQL, 1 on SQLite."""
    import pgserver

    import targetsms_frames as tsf

    result = Result("team")
    n = 4_000 if quick else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        server = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="stop")
        base = server.get_uri()
        joiner = "&" if "?" in base else "?"
        cases = [("sqlite", 1, str(Path(tmp) / "one.sqlite"))] + [
            ("postgresql", k, f"{base}{joiner}campaign=bench{k}") for k in (1, 2, 4)
        ]
        try:
            for store, k, journal in cases:
                with sandbox_server(latency=LATENCY, keep_log=True) as sandbox:
                    seconds = _senders(k, n, journal, sandbox.url)
                states = tsf.read_journal(journal)["send_state"].value_counts().to_dict()
                twice = _twice(sandbox.log)
                if states.get("sent") != n or twice:
                    raise RuntimeError(f"{store} x{k}: {states}, {twice} phones twice")
                result.add(
                    f"{store}, {k} sender{'s' if k > 1 else ''}, {n:,} msgs",
                    f"{n / seconds:,.0f} msg/s",
                    f"{seconds:.1f} s; sent twice: {twice}",
                )
        finally:
            server.cleanup()
    result.notes.append(
        "Each sender runs at send's defaults (16 requests in flight, at most 500/s); at 20 ms "
        "per request one sender can do at most 500/s. Senders, the sandbox server and "
        "PostgreSQL share 2 cores, so more senders mostly show that claims stay exclusive "
        "under contention, and what the shared journal costs."
    )
    return result


def main() -> None:
    run_alone(run, __doc__)


if __name__ == "__main__":
    main()
