"""Overhead at zero latency: ``send`` end to end against the in-process sandbox.

``tsf.Client.sandbox()`` answers through an httpx transport with no socket and no latency,
so what is left is the package's own work: validation, planning, the durable journal, the
worker pool, URL building, the duplicate guard and reply parsing (plus the sandbox's own
handling, which runs in the same process). Reported for a personalised campaign (one
message per request) and a packed one (one text for all, up to 200 phones per request).

Two pyinstrument profiles go to ``benchmarks/profile_overhead.txt``: ``send`` as seen by the
calling thread (which plans, writes the journal and waits for the workers), and a loop of
``Client.send`` calls run directly, which is what each worker thread does per request.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

from ._util import (
    Result,
    fmt_s,
    identical_frame,
    median,
    personalised_frame,
    run_alone,
    spread,
    stage_times,
    timed,
)

PROFILE_FILE = Path(__file__).with_name("profile_overhead.txt")
_TAGS = itertools.count(1)
_PROFILE_LINES = 90

#: Calling-thread stages of ``send`` (label, function, file suffix).
STAGES: list[tuple[str, str, str]] = [
    ("prepare (validate)", "prepare", "targetsms_frames/_prepare.py"),
    ("plan_campaign", "plan_campaign", "targetsms_frames/_planning.py"),
    ("journal: open + write plan", "attach", "targetsms_frames/_campaign.py"),
    ("journal: requests list", "journal_requests", "targetsms_frames/_planning.py"),
    ("journal: claim (in flight)", "claim", "targetsms_frames/journal/_sql.py"),
    ("journal: record results", "apply", "targetsms_frames/_dispatch.py"),
    ("rate limiter sleep", "wait", "targetsms_frames/_policy.py"),
    ("waiting for workers", "wait", "concurrent/futures/_base.py"),
    ("assemble result", "_assemble", "targetsms_frames/_send.py"),
]


def _send(frame: Any, workdir: Path, **options: Any) -> float:
    import targetsms_frames as tsf

    journal = workdir / f"overhead-{next(_TAGS)}.sqlite"
    with tsf.Client.sandbox() as client:
        seconds, out = timed(
            lambda: tsf.send(frame, client, journal=journal, progress=False, **options)
        )
    if not (out["send_state"] == "sent").all():
        raise RuntimeError("overhead: not every row was sent")
    return seconds


def _profile_send(frame: Any, workdir: Path, **options: Any) -> tuple[str, dict[str, float], float]:
    from pyinstrument import Profiler

    import targetsms_frames as tsf

    journal = workdir / f"overhead-{next(_TAGS)}.sqlite"
    with tsf.Client.sandbox() as client:
        profiler = Profiler(interval=0.001)
        profiler.start()
        tsf.send(frame, client, journal=journal, progress=False, **options)
        profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    session = profiler.last_session
    return text, stage_times(session.root_frame(), STAGES), float(session.duration)


def _profile_client_calls(n: int) -> tuple[str, float]:
    """What a worker thread does per request: ``Client.send`` on the in-process sandbox."""
    from pyinstrument import Profiler

    import targetsms_frames as tsf

    frame = personalised_frame(n, tag=f"w{next(_TAGS)}")
    with tsf.Client.sandbox() as client:
        profiler = Profiler(interval=0.001)
        profiler.start()
        for phone, text in zip(frame["phone"], frame["text_sms"], strict=True):
            client.send(phone, send_sms=1, sender_sms="Shop", text_sms=text)
        profiler.stop()
    duration = float(profiler.last_session.duration)
    return profiler.output_text(unicode=False, color=False, show_all=False), duration / n


def _head(text: str, lines: int = _PROFILE_LINES) -> str:
    return "\n".join(text.splitlines()[:lines])


def run(quick: bool = False) -> Result:
    """Messages per second for personalised and packed campaigns; profiles of both sides."""
    from targetsms_frames._send import DEFAULT_CONCURRENCY, DEFAULT_RATE

    result = Result("overhead")
    runs = 2 if quick else 3
    n_personal = 600 if quick else 2000
    cases: list[tuple[str, int, Any, dict[str, Any]]] = [
        ("personalised (1 msg/request)", n_personal, personalised_frame, {}),
        ("personalised, rate=None", n_personal, personalised_frame, {"rate": None}),
        ("packed (one text)", 5000 if quick else 20000, identical_frame, {}),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        _send(personalised_frame(20, tag="warm"), workdir)
        times: dict[str, list[float]] = {label: [] for label, _, _, _ in cases}
        for _ in range(runs):
            for label, n, make, options in cases:
                frame = make(n, tag=f"o{next(_TAGS)}")
                times[label].append(_send(frame, workdir, **options))
        for label, n, _, _ in cases:
            seconds = median(times[label])
            result.add(
                f"{label}, {n:,} msgs",
                fmt_s(seconds),
                f"{n / seconds:,.0f} msg/s; {spread(times[label])}",
            )
        text_send, stages, duration = _profile_send(
            personalised_frame(n_personal, tag=f"o{next(_TAGS)}"), workdir
        )
        text_free, free_stages, free_duration = _profile_send(
            personalised_frame(n_personal, tag=f"o{next(_TAGS)}"), workdir, rate=None
        )
        text_packed, _, _ = _profile_send(
            identical_frame(cases[2][1], tag=f"o{next(_TAGS)}"), workdir
        )
    text_calls, per_call = _profile_client_calls(300 if quick else 1000)
    for which, found, total in (
        ("defaults", stages, duration),
        ("rate=None", free_stages, free_duration),
    ):
        for label, _, _ in STAGES:
            if found.get(label, 0.0) >= 0.01 * total:
                result.add(
                    f"  personalised {which}: {label}",
                    fmt_s(found[label]),
                    f"{found[label] / total:.0%} of {total:.2f} s (profiled, calling thread)",
                )
    result.add(
        "  Client.send on the sandbox, per call",
        f"{per_call * 1e3:.2f} ms",
        f"one thread, no pool: at most {1 / per_call:,.0f} requests/s per core of Python",
    )
    PROFILE_FILE.write_text(
        "# send(), personalised campaign, calling thread\n\n"
        + _head(text_send)
        + "\n\n# send(rate=None), personalised campaign, calling thread\n\n"
        + _head(text_free)
        + "\n\n# send(), packed campaign, calling thread\n\n"
        + _head(text_packed, 60)
        + "\n\n# Client.send() on the in-process sandbox, in a loop (a worker's work)\n\n"
        + _head(text_calls)
        + "\n"
    )
    result.notes.append(
        f"send at its defaults (concurrency {DEFAULT_CONCURRENCY}, rate {DEFAULT_RATE:g}/s, "
        "durable journal in a temporary directory) with tsf.Client.sandbox(). Profiles: "
        f"benchmarks/{PROFILE_FILE.name}."
    )
    return result


def main() -> None:
    run_alone(run, __doc__)


if __name__ == "__main__":
    main()
