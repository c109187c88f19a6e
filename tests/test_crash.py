"""kill -9 of a command-line send at random moments, then resume: never twice, none lost."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames.sandbox._server import serve

pytestmark = [pytest.mark.socket, pytest.mark.slow]

PASSWORD = "kill-9+Secret%pw"
CONCURRENCY = 4


def _sent_rows(journal: Path) -> int:
    """Rows the journal holds as sent, read as any reader would while a run goes on."""
    if not journal.exists():
        return 0
    try:
        return int((tsf.read_journal(journal)["send_state"] == "sent").sum())
    except (tsf.TargetSMSError, OSError, ValueError):  # the run has not written it yet
        return 0


def _send(recipients: Path, journal: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "targetsms_frames",
            "send",
            str(recipients),
            "--journal",
            str(journal),
            "--rate",
            "0",
            "--concurrency",
            str(CONCURRENCY),
            "--no-progress",
            "--yes",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killing_a_send_at_random_moments_never_sends_twice_nor_loses_a_row(
    tmp_path: Path,
) -> None:
    rng = random.Random(20261127)
    sandbox = tsf.Sandbox(seed=9, faults=tsf.Faults(latency=0.01))
    n = 360
    recipients = tmp_path / "recipients.csv"
    pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "phone": [f"+7 (901) {i:03d}-{i % 97:02d}-11" for i in range(n)],
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": [f"Заказ {i} готов" if i % 3 else "Скидка 5%" for i in range(n)],
        }
    ).to_csv(recipients, index=False)
    journal = tmp_path / "campaign.sqlite"
    kills = 0
    with serve(sandbox) as url:
        env = {
            **os.environ,
            "TARGETSMS_LOGIN": "shop",
            "TARGETSMS_PASSWORD": PASSWORD,
            "TARGETSMS_BASE_URL": url,
        }
        for _ in range(4):
            proc = _send(recipients, journal, env)
            floor = _sent_rows(journal) + rng.randint(5, 60)
            deadline = time.monotonic() + 60
            while proc.poll() is None and _sent_rows(journal) < floor:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.05))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.communicate(timeout=30)
        final = _send(recipients, journal, env)
        out, err = final.communicate(timeout=120)
        assert final.returncode == 0, err.decode()
        again = _send(recipients, journal, env)
        again.communicate(timeout=120)

    assert kills >= 2
    for stream in (out, err):
        assert PASSWORD.encode() not in stream
    result = tsf.read_journal(journal)
    recorded = sandbox.messages
    # no phone received twice, over all runs
    assert recorded["phone"].is_unique
    # every row accounted for: nothing left planned; sent rows carry the provider's own IDs
    assert set(result["send_state"]) <= {"sent", "unknown"}
    sent = result[result["send_state"] == "sent"]
    by_id = recorded.set_index("message_id")
    assert by_id.loc[sent["message_id"], "phone"].tolist() == sent["phone"].tolist()
    accounted = set(result.loc[result["send_state"].isin(["sent", "unknown"]), "phone"])
    assert set(recorded["phone"]) <= accounted
    # each kill can strand at most the requests then in flight
    unknown_requests = result.loc[result["send_state"] == "unknown", "request_id"].nunique()
    assert unknown_requests <= kills * CONCURRENCY
    assert PASSWORD.encode() not in b"".join(p.read_bytes() for p in tmp_path.iterdir())
