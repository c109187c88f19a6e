"""Every test and doctest keeps its automatic campaign journals in a folder of its own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _journal_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("journals")
    monkeypatch.setenv("TARGETSMS_JOURNAL_DIR", str(folder))
    return folder
