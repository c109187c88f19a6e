"""Whole campaigns over a real loopback socket, with the sandbox injecting faults."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames.sandbox._server import serve

pytestmark = pytest.mark.socket


def _check_accounting(out: pd.DataFrame, sandbox: tsf.Sandbox) -> None:
    recorded = sandbox.messages
    # no phone ever reached the provider twice
    assert recorded["phone"].is_unique
    by_id = recorded.set_index("message_id")
    sent = out[out["send_state"] == "sent"]
    # every sent row carries an ID the provider gave, for that very phone and text
    assert by_id.loc[sent["message_id"], "phone"].tolist() == sent["phone"].tolist()
    assert by_id.loc[sent["message_id"], "text_sms"].tolist() == sent["text_sms"].tolist()
    # no row the provider accepted is called failed
    failed = set(out.loc[out["send_state"] == "failed", "phone"])
    assert not failed & set(recorded["phone"])
    # every accepted phone is accounted for as sent or unknown
    accounted = set(out.loc[out["send_state"].isin(["sent", "unknown"]), "phone"])
    assert set(recorded["phone"]) <= accounted


def test_a_campaign_over_a_socket_with_random_faults_never_sends_twice(
    tmp_path: Path, make_messages: Callable[..., pd.DataFrame]
) -> None:
    faults = tsf.Faults(
        drop_before=0.04, drop_after=0.04, timeout_after=0.03, http_500=0.04, garbage=0.04, seed=11
    )
    sandbox = tsf.Sandbox(seed=3, faults=faults)
    msgs = make_messages(400, texts=40)
    msgs.loc[13, "phone"] = "79000000000"  # stop-listed
    journal = tmp_path / "c.sqlite"
    with serve(sandbox, timeout_hold=5.0) as url:
        client = tsf.Client("shop", "pw", base_url=url, timeout=1.0, duplicate_window=0.5)
        out = tsf.send(
            msgs, client, journal=journal, progress=False, rate=None, max_unknown_in_a_row=50
        )
        sends = sum(r.kind == "send" for r in sandbox.requests)
        resumed = tsf.send(msgs, client, journal=journal, progress=False, rate=None)
        assert sum(r.kind == "send" for r in sandbox.requests) == sends

    assert set(out["send_state"]) <= {"sent", "unknown", "failed", "planned"}
    assert (out["send_state"] == "unknown").any() and (out["send_state"] == "sent").any()
    assert out.loc[13, "send_state"] in ("failed", "unknown")
    _check_accounting(out, sandbox)
    _check_accounting(resumed, sandbox)


def test_statuses_over_a_socket_never_trip_the_duplicate_rule(
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    window = 0.3
    sandbox = tsf.Sandbox(seed=5, status_delay=(0.2, 1.0), duplicate_window=window)
    with serve(sandbox) as url:
        client = tsf.Client("shop", "pw", base_url=url, duplicate_window=window)
        sent = tsf.send(make_messages(30, texts=30), client, progress=False, rate=None)
        out = tsf.poll_statuses(sent, client, until_final=True, timeout=30, progress=False)
    assert out["is_final"].all()
    assert not any("Попытка" in r.reply for r in sandbox.requests)
    for mid in out["message_id"]:
        times = sandbox.status_checks(mid)
        assert all(b - a >= window for a, b in itertools.pairwise(times))
