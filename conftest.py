"""Every test and doctest keeps its automatic campaign journals in a folder of its own, and
sees Ctrl-C as a user at a terminal would."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # a run started in the background (``make test &``, nohup, some CI shells) inherits SIGINT
    # ignored, and Python then installs no KeyboardInterrupt handler: the interrupt tests would
    # send signals into the void. Give the run, and the processes it starts, the usual handler.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _journal_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("journals")
    monkeypatch.setenv("TARGETSMS_JOURNAL_DIR", str(folder))
    return folder
