"""``run_demo`` and ``targetsms-frames demo``: the whole job offline, in seconds."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import targetsms_frames as tsf
from targetsms_frames._cli import app
from targetsms_frames._demo import builtin_sample, run_demo

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def samples(tmp_path: Path) -> tuple[Path, Path]:
    recipients, templates = builtin_sample()
    paths = tmp_path / "recipients.csv", tmp_path / "templates.csv"
    recipients.to_csv(paths[0], index=False)
    templates.to_csv(paths[1], index=False)
    return paths


def test_demo_writes_a_workbook_and_a_chart_with_every_status_final(
    samples: tuple[Path, Path], tmp_path: Path
) -> None:
    lines: list[str] = []
    produced = run_demo(tmp_path / "out", *samples, speed=1000, progress=False, echo=lines.append)

    assert produced["excel"] == tmp_path / "out" / "results.xlsx"
    book = openpyxl.load_workbook(produced["excel"], read_only=True)
    assert book.sheetnames == ["campaign", "results", "by template", "by segment"]
    assert produced["plot"].read_bytes()[:8] == PNG

    results = produced["results"]
    states = results["send_state"].value_counts().to_dict()
    assert states == {"sent": 10, "skipped": 2}  # an invalid phone and a duplicate
    assert results.loc[results["send_state"] == "sent", "is_final"].all()
    assert set(produced["reports"]) == {"template", "segment"}
    assert produced["reports"]["segment"]["messages"].sum() == len(results)
    text = "\n".join(lines)
    assert "delivery by template" in text and "delivery by segment" in text
    assert produced["seconds"] < 30


def test_demo_starts_a_fresh_journal_each_run(samples: tuple[Path, Path], tmp_path: Path) -> None:
    first = run_demo(tmp_path, *samples, speed=1000, progress=False, echo=lambda _: None)
    second = run_demo(tmp_path, *samples, speed=1000, progress=False, echo=lambda _: None)
    journal = tsf.read_journal(second["journal"])
    assert journal["send_state"].eq("sent").sum() == 10
    # sent again to the run's own (new) sandbox: a resumed journal would have sent nothing
    # to it, and polling would have found none of its IDs there
    statuses = second["results"].loc[second["results"]["send_state"] == "sent", "status"]
    assert statuses.notna().any() and not statuses.str.contains("найдено").fillna(False).any()
    assert first["results"]["message_id"].tolist() == second["results"]["message_id"].tolist()


def test_demo_command_uses_the_builtin_sample_away_from_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["demo", "--out-dir", "out", "--speed", "1000", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "built-in sample" in result.stdout
    assert (tmp_path / "out" / "results.xlsx").is_file()
    assert (tmp_path / "out" / "delivery.png").read_bytes()[:8] == PNG


def test_demo_command_reports_a_missing_table_in_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--out-dir", str(tmp_path), "--recipients", str(tmp_path / "nope.csv")]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
