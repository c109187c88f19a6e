"""Run the benchmarks, print one table and write ``benchmarks/RESULTS.md``.

Usage::

    python -m benchmarks                  # everything (a few minutes), writes RESULTS.md
    python -m benchmarks campaign polling # some of them (printed only, unless --output)
    python -m benchmarks --quick          # fewer rows and runs

The sandbox server always runs in a child process on 127.0.0.1 and is stopped at the end of
each benchmark.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from . import (
    campaign,
    identical,
    imports,
    overhead,
    polling,
    preview,
    sustained,
    team,
    transport,
)
from ._util import Result, Row, machine


def _phones(quick: bool = False) -> Result:
    from . import phones

    n = 200_000 if quick else 1_000_000
    figures = phones.run(n)
    result = Result("phones")
    result.add(
        f"normalize_phones, {n:,} mixed phones",
        f"{figures['phones_seconds']:.3f} s",
        f"{n / figures['phones_seconds']:,.0f} phones/s; single run",
    )
    result.add(
        f"phonenumbers row by row, {n:,} (scaled)",
        f"{figures['phones_per_row_seconds']:.3f} s",
        "parse + is_valid + format per row, timed on 20,000 rows",
    )
    result.add("normalize_phones speed-up", f"{figures['phones_speedup']:.1f}x", "")
    result.add(
        f"sms_info, {n:,} personalised texts",
        f"{figures['sms_seconds']:.3f} s",
        "GSM-7/UCS-2 detection and SMS part counting",
    )
    return result


BENCHMARKS: dict[str, Callable[[bool], Result]] = {
    "campaign": campaign.run,
    "sustained": sustained.run,
    "imports": imports.run,
    "team": team.run,
    "identical": identical.run,
    "preview": preview.run,
    "polling": polling.run,
    "overhead": overhead.run,
    "transport": transport.run,
    "phones": _phones,
}

RESULTS_FILE = Path(__file__).with_name("RESULTS.md")


def _table(rows: list[Row]) -> str:
    head = ("benchmark", "case", "value", "notes")
    widths = [
        max(len(head[0]), *(len(r.bench) for r in rows)),
        max(len(head[1]), *(len(r.case) for r in rows)),
        max(len(head[2]), *(len(r.value) for r in rows)),
    ]
    lines = [
        f"{head[0]:<{widths[0]}}  {head[1]:<{widths[1]}}  {head[2]:>{widths[2]}}  {head[3]}",
        "-" * (sum(widths) + 6 + len(head[3])),
    ]
    for r in rows:
        lines.append(
            f"{r.bench:<{widths[0]}}  {r.case:<{widths[1]}}  {r.value:>{widths[2]}}  {r.note}"
        )
    return "\n".join(lines)


def _markdown(
    results: list[Result], seconds: dict[str, float], quick: bool, failures: dict[str, str]
) -> str:
    from targetsms_frames._plan import DEFAULT_MAX_PHONES, DEFAULT_MAX_URL_LENGTH
    from targetsms_frames._send import DEFAULT_CONCURRENCY, DEFAULT_RATE

    facts = machine()
    out = [
        "# Benchmark results",
        "",
        f"Written by `python -m benchmarks{' --quick' if quick else ''}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Figures are medians of the runs stated; "
        "ratios are taken between runs made side by side in the same process. The sandbox "
        "server runs in a separate process on 127.0.0.1.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in facts.items()),
        "",
        "## Defaults used",
        "",
        f"- `send` / `poll_statuses`: concurrency {DEFAULT_CONCURRENCY} requests in flight, "
        f"rate {DEFAULT_RATE:g} requests/s, durable journal (`durable=True`).",
        f"- Planning: max URL length {DEFAULT_MAX_URL_LENGTH:,} characters, at most "
        f"{DEFAULT_MAX_PHONES} phones per request.",
        "- Client duplicate window 60 s (2 s on both sides for the polling spacing proof).",
        "",
        "## Figures",
        "",
    ]
    for result in results:
        out += [
            f"### {result.name} ({seconds[result.name]:.0f} s)",
            "",
            "| case | value | notes |",
            "|---|---:|---|",
        ]
        out += [f"| {r.case.strip()} | {r.value} | {r.note} |" for r in result.rows]
        out.append("")
        out += [f"- {note}" for note in result.notes]
        if result.notes:
            out.append("")
    for name, error in failures.items():
        out += [f"### {name}: FAILED", "", "```", error.strip(), "```", ""]
    out.append(f"Total wall time: {sum(seconds.values()):.0f} s.")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Benchmarks of targetsms-frames."
    )
    parser.add_argument(
        "names",
        nargs="*",
        choices=[*BENCHMARKS, []],
        metavar="NAME",
        help=f"benchmarks to run (default all): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--quick", action="store_true", help="fewer rows and runs")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"Markdown file to write (default {RESULTS_FILE} when all benchmarks run)",
    )
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    output = args.output or (RESULTS_FILE if not args.names else None)
    results: list[Result] = []
    seconds: dict[str, float] = {}
    failures: dict[str, str] = {}
    # a send without journal= keeps an automatic journal: never in the user's own folder
    spare = tempfile.TemporaryDirectory(prefix="tsf-bench-journals-")
    os.environ["TARGETSMS_JOURNAL_DIR"] = spare.name
    for name in names:
        print(f"running {name}...", flush=True)
        start = time.perf_counter()
        try:
            results.append(BENCHMARKS[name](args.quick))
        except Exception:
            failures[name] = traceback.format_exc()
            print(failures[name], flush=True)
        seconds[name] = time.perf_counter() - start
        print(f"  {name} done in {seconds[name]:.0f} s", flush=True)
    rows = [row for result in results for row in result.rows]
    if rows:
        print()
        print(_table(rows))
    for result in results:
        for note in result.notes:
            print(f"* [{result.name}] {note}")
    print(f"total {sum(seconds.values()):.0f} s")
    if output is not None:
        output.write_text(_markdown(results, seconds, args.quick, failures))
        print(f"wrote {output}")
    spare.cleanup()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
