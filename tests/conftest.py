"""Shared fixtures: a sandbox on a manual clock, a client wired to it, message frames."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import targetsms_frames as tsf


@pytest.fixture
def clock() -> tsf.ManualClock:
    return tsf.ManualClock()


@pytest.fixture
def sandbox(clock: tsf.ManualClock, request: pytest.FixtureRequest) -> tsf.Sandbox:
    """A sandbox on the manual clock (seed 7, statuses final 5 to 150 s after sending).

    A module or a test sets other options with ``@pytest.mark.sandbox(...)`` (any argument of
    ``Sandbox``; ``clock="real"`` for the system clock, e.g. for a server another process
    talks to).
    """
    marker = request.node.get_closest_marker("sandbox")
    options: dict[str, Any] = {"seed": 7, "status_delay": (5.0, 150.0), "clock": clock}
    options |= marker.kwargs if marker is not None else {}
    if options["clock"] == "real":
        del options["clock"]
    return tsf.Sandbox(**options)


@pytest.fixture
def client(sandbox: tsf.Sandbox) -> tsf.Client:
    return tsf.Client.sandbox(sandbox)


def messages(n: int, *, texts: int = 3, start: int = 79001000000) -> pd.DataFrame:
    """``n`` SMS rows with ``texts`` distinct texts (so several rows share a request)."""
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "phone": [str(start + i) for i in range(n)],
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": [f"Скидка {i % texts + 5}% только сегодня" for i in range(n)],
            "segment": [("new", "loyal", "vip")[i % 3] for i in range(n)],
        }
    )


@pytest.fixture
def make_messages() -> Callable[..., pd.DataFrame]:
    return messages


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL 16 for this test session (the ``pgserver`` package: no root, no apt)."""
    # where pgserver keeps its lock (it warns when XDG_RUNTIME_DIR is not set)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("run")))
    import pgserver

    folder = tmp_path_factory.mktemp("pg")
    server = pgserver.get_server(folder, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A PostgreSQL journal URL of a campaign of its own."""
    joiner = "&" if "?" in postgres_server else "?"
    return f"{postgres_server}{joiner}campaign=t{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_spec(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A journal of each backend: an SQLite file, or a campaign in PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "campaign.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url
