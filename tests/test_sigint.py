"""Real Ctrl-C (SIGINT) at random moments of many small campaigns, some twice, some at the very
moment the sending pool starts its threads; then a resume after the provider's memory of
identical requests has passed (here: a sandbox that keeps none, so a second send would show).
Each message reaches the provider at most once, every row ends ``sent`` or ``unknown``, and
``unknown`` only where the request really reached the provider.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames.sandbox import Faults, Sandbox
from targetsms_frames.testing import serve_sandbox

pytestmark = [pytest.mark.socket, pytest.mark.slow]

CAMPAIGNS_PER_CHILD = 30
CHILDREN = 2
ROWS = 16

_CHILD = textwrap.dedent(
    """
    import concurrent.futures, json, logging, os, random, signal, sys, threading, time
    import pandas as pd
    import targetsms_frames as tsf

    logging.getLogger("targetsms_frames").setLevel(logging.ERROR)
    plan = json.loads(sys.argv[1])
    client = tsf.Client(base_url=os.environ["TARGETSMS_BASE_URL"])
    original_adjust = concurrent.futures.ThreadPoolExecutor._adjust_thread_count
    at_pool_start = [False]

    def adjust(self):  # the pool starts a sending thread: Ctrl-C right there
        original_adjust(self)
        if at_pool_start[0]:
            at_pool_start[0] = False
            os.kill(os.getpid(), signal.SIGINT)

    concurrent.futures.ThreadPoolExecutor._adjust_thread_count = adjust

    def ctrl_c_after(delay):
        timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        return timer

    outcomes = []
    for campaign in plan:
        frame = pd.DataFrame(campaign["rows"])
        timers, outcome = [], "done"
        try:
            try:
                at_pool_start[0] = campaign["mode"] == "pool_start"
                if campaign["mode"] in ("random", "twice"):
                    timers.append(ctrl_c_after(campaign["delay"]))
                if campaign["mode"] == "twice":
                    timers.append(ctrl_c_after(campaign["delay"] + campaign["again"]))
                tsf.send(frame, client, journal=campaign["journal"], progress=False,
                         concurrency=4, rate=None)
            except KeyboardInterrupt:
                outcome = "interrupted"
            for timer in timers:  # a late signal lands here, still inside the outer try
                timer.join()
            time.sleep(0.002)
        except KeyboardInterrupt:
            outcome = "interrupted"
        for timer in timers:
            timer.cancel()
            timer.join()
        outcomes.append(outcome)
    print(json.dumps(outcomes))
    """
)


def _campaign(
    index: int, journal: Path, mode: str, delay: float, again: float
) -> dict[str, object]:
    base = 79100000000 + index * 1000
    rows = {
        "phone": [str(base + i) for i in range(ROWS)],
        "send_sms": [1] * ROWS,
        "sender_sms": ["Shop"] * ROWS,
        # half personal texts (one request each), half one shared text (packed together)
        "text_sms": [f"Заказ {i} готов" if i % 2 else "Скидка 5%" for i in range(ROWS)],
    }
    return {"rows": rows, "journal": str(journal), "mode": mode, "delay": delay, "again": again}


def test_ctrl_c_anywhere_in_many_campaigns_then_resume_never_sends_twice(tmp_path: Path) -> None:
    import random

    rng = random.Random(20261203)
    sandbox = Sandbox(duplicate_window=0.0, faults=Faults(latency=0.003), seed=11)
    modes = ["pool_start", "random", "random", "twice"]
    plans = [
        [
            _campaign(
                c * CAMPAIGNS_PER_CHILD + k,
                tmp_path / f"c{c}-{k}.sqlite",
                modes[k % len(modes)],
                rng.uniform(0.0, 0.04),
                rng.uniform(0.0, 0.02),
            )
            for k in range(CAMPAIGNS_PER_CHILD)
        ]
        for c in range(CHILDREN)
    ]
    with serve_sandbox(sandbox) as url:
        env = {
            **os.environ,
            "TARGETSMS_LOGIN": "shop",
            "TARGETSMS_PASSWORD": "sig&int pass",
            "TARGETSMS_BASE_URL": url,
        }
        children = [
            subprocess.Popen(
                [sys.executable, "-c", _CHILD, json.dumps(plan)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for plan in plans
        ]
        outcomes = []
        for child in children:
            out, err = child.communicate(timeout=240)
            assert child.returncode == 0, err
            assert err.strip() == "", err  # no error of any kind, not even a warning
            outcomes += json.loads(out.strip().splitlines()[-1])
        assert outcomes.count("interrupted") >= len(outcomes) // 2
        client = tsf.Client("shop", "sig&int pass", base_url=url)
        resumed = [
            tsf.send(
                pd.DataFrame(campaign["rows"]),
                client,
                journal=campaign["journal"],
                progress=False,
                rate=None,
            )
            for plan in plans
            for campaign in plan
        ]
    received = sandbox.messages
    assert received["phone"].is_unique, "a phone got the same message twice"
    states = pd.concat(resumed, ignore_index=True).set_index("phone")["send_state"]
    assert set(states) <= {"sent", "unknown"}
    unknown = set(states[states == "unknown"].index)
    assert unknown <= set(received["phone"]), "unknown although the request never left"
    assert set(received["phone"]) == set(states.index)
    sent = states[states == "sent"]
    by_phone = received.set_index("phone")
    assert len(by_phone.loc[sent.index]) == len(sent)
