"""Shared fixtures: a sandbox on a manual clock, a client wired to it, message frames."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

import targetsms_frames as tsf


@pytest.fixture
def clock() -> tsf.ManualClock:
    return tsf.ManualClock()


@pytest.fixture
def sandbox(clock: tsf.ManualClock) -> tsf.Sandbox:
    return tsf.Sandbox(clock=clock, seed=7, status_delay=(5.0, 150.0))


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
