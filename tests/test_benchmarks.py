"""The benchmarks' own bookkeeping: profile stages name real functions, window rates add up."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.overhead import STAGES as OVERHEAD_STAGES
from benchmarks.preview import STAGES as PREVIEW_STAGES
from benchmarks.sustained import trend, window_rates

ROOT = Path(__file__).resolve().parents[1]


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


@pytest.mark.parametrize(("label", "function", "suffix"), OVERHEAD_STAGES + PREVIEW_STAGES)
def test_each_profiled_stage_names_a_function_of_the_package(
    label: str, function: str, suffix: str
) -> None:
    if not suffix.startswith("targetsms_frames/"):
        pytest.skip("a standard library frame")
    path = ROOT / suffix
    assert path.is_file(), f"{label}: {suffix} does not exist"
    assert function in _functions(path), f"{label}: no {function}() in {suffix}"


def test_window_rates_and_trend_read_sent_at() -> None:
    start = pd.Timestamp("2026-12-03 10:00", tz="UTC")
    # 10 rows/s for the first 30 s, then 20 rows/s for 40 s: the rate rises
    seconds = [i / 10 for i in range(300)] + [30 + i / 20 for i in range(800)]
    sent_at = pd.Series([start + pd.Timedelta(seconds=s) for s in seconds])
    first, last = window_rates(sent_at)
    assert first == pytest.approx(10.0)
    assert last == pytest.approx(20.0, rel=0.01)
    low, mid, slope = trend(sent_at)
    assert low == pytest.approx(10.0)
    assert mid == pytest.approx(15.0)
    assert slope > 0
