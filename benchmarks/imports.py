"""Import time: ``import targetsms_frames`` against ``import pandas``, each in a fresh process.

Heavy libraries (pandas, pandera, httpx, matplotlib, openpyxl, typer, the sandbox server,
psycopg) load on first use, so the import itself should cost at most 1.6 times pandas's.
``first use of send`` shows what the first campaign pays instead (everything ``send`` needs).
"""

from __future__ import annotations

import subprocess
import sys
import time

from ._util import Result, median, run_alone

CASES = {
    "import pandas": "import pandas",
    "import targetsms_frames": "import targetsms_frames",
    "import targetsms_frames + first use of send": "import targetsms_frames as t; t.send",
}


def _seconds(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def run(quick: bool = False) -> Result:
    """Median wall time of each case over fresh interpreters, taken in turns."""
    runs = 3 if quick else 7
    base = _seconds("pass")
    times: dict[str, list[float]] = {case: [] for case in CASES}
    for _ in range(runs):
        for case, code in CASES.items():
            times[case].append(_seconds(code) - base)
    result = Result("imports")
    pandas = median(times["import pandas"])
    for case in CASES:
        value = median(times[case])
        result.add(case, f"{value * 1000:.0f} ms", f"{value / pandas:.2f}x import pandas")
    ratio = median(times["import targetsms_frames"]) / pandas
    verdict = "met" if ratio <= 1.6 else "MISSED"
    result.notes.append(
        f"Interpreter start-up ({base * 1000:.0f} ms) subtracted; medians of {runs} runs taken "
        f"in turns. Goal: import within 1.6x import pandas: {verdict} ({ratio:.2f}x)."
    )
    return result


def main() -> None:
    run_alone(run, __doc__)


if __name__ == "__main__":
    main()
