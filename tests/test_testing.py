"""targetsms_frames.testing, used the way an analyst tests their own campaign code."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames import testing

TEMPLATES = pd.DataFrame(
    {
        "template": ["promo", "viber"],
        "send_viber": [0, 1],
        "sender_viber": [None, "ShopV"],
        "text_viber": [None, "{name}, скидка {bonus}% в приложении"],
        "send_sms": [1, 2],
        "sender_sms": ["Shop", "Shop"],
        "text_sms": ["{name}, скидка {bonus}% до пятницы", "{name}, скидка {bonus}%"],
    }
)


def customers(n: int = 12) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:03d}" for i in range(n)],
            "phone": [f"8 (901) 000-{i // 100:02d}-{i % 100:02d}" for i in range(n)],
            "name": [f"Клиент {i}" for i in range(n)],
            "bonus": [5 + i % 3 for i in range(n)],
            "template": ["promo" if i % 4 else "viber" for i in range(n)],
        }
    )


def run_campaign(people: pd.DataFrame, client: tsf.Client, journal: Path) -> pd.DataFrame:
    """The pipeline under test: render, send with a journal, wait for final statuses."""
    messages = tsf.render(people, TEMPLATES)
    sent = tsf.send(messages, client, journal=journal, progress=False)
    return tsf.poll_statuses(sent, client, journal=journal, until_final=True, progress=False)


def expected(people: pd.DataFrame) -> pd.DataFrame:
    """What each customer should receive, written out by hand."""
    viber = people["template"] == "viber"
    sms_text = people["name"] + ", скидка " + people["bonus"].astype(str) + "%"
    return pd.DataFrame(
        {
            "phone": people["phone"],
            "send_viber": viber.astype(int),
            "text_viber": (sms_text + " в приложении").where(viber),
            "sender_sms": "Shop",
            "text_sms": sms_text.where(viber, sms_text + " до пятницы"),
        }
    )


def test_a_campaign_reaches_each_customer_once_with_their_text(tmp_path: Path) -> None:
    sandbox = testing.Sandbox(clock=testing.ManualClock(), status_delay=(5, 90))
    client = testing.sandbox_client(sandbox)
    people = customers()

    statuses = run_campaign(people, client, tmp_path / "spring.sqlite")

    received = testing.assert_received(sandbox, expected(people))
    assert received["message_id"].tolist() == statuses["message_id"].tolist()
    assert statuses["is_final"].all()
    assert (statuses["status"] == received["final_status"]).all()


def test_running_the_campaign_again_sends_nothing_more(tmp_path: Path) -> None:
    sandbox = testing.Sandbox(clock=testing.ManualClock())
    client = testing.sandbox_client(sandbox)
    people = customers()
    journal = tmp_path / "spring.sqlite"

    run_campaign(people, client, journal)
    run_campaign(people, client, journal)

    testing.assert_no_duplicates(sandbox, by=["phone"])
    assert (testing.messages_per_phone(sandbox) == 1).all()
    testing.assert_received(sandbox, people["phone"])


def test_a_failing_network_never_makes_a_customer_get_a_message_twice(tmp_path: Path) -> None:
    faults = testing.Faults(drop_after=0.2, timeout_after=0.1, http_500=0.1, seed=4)
    sandbox = testing.Sandbox(clock=testing.ManualClock(), faults=faults)
    client = testing.sandbox_client(sandbox)
    people = customers(40)
    journal = tmp_path / "spring.sqlite"
    messages = tsf.render(people, TEMPLATES)

    first = tsf.send(messages, client, journal=journal, progress=False, max_phones_per_request=3)
    sandbox.faults = testing.Faults()
    again = tsf.send(messages, client, journal=journal, progress=False, max_phones_per_request=3)

    testing.assert_no_duplicates(sandbox, by=["phone"])
    assert set(first["send_state"]) >= {"sent", "unknown"}
    decided = first["send_state"] != "planned"  # the rest waited: too many unclear answers
    assert (again["send_state"][decided] == first["send_state"][decided]).all()
    got = testing.messages_per_phone(sandbox)
    sent = again.loc[again["send_state"] == "sent", "phone"]
    assert set(sent) <= set(got.index) <= set(again["phone"])


def test_code_that_builds_its_own_client_is_tested_over_a_loopback_socket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = testing.Sandbox(status_delay=(0, 0))
    people = customers(5)
    with testing.serve_sandbox(sandbox) as url:
        monkeypatch.setenv("TARGETSMS_BASE_URL", url)
        monkeypatch.setenv("TARGETSMS_LOGIN", "shop")
        monkeypatch.setenv("TARGETSMS_PASSWORD", "secret")
        with tsf.Client(duplicate_window=0.0) as client:  # as the pipeline would build it
            statuses = run_campaign(people, client, tmp_path / "spring.sqlite")
    testing.assert_received(sandbox, expected(people))
    assert statuses["is_final"].all()
    assert set(sandbox.messages["login"]) == {"shop"}


def test_async_code_gets_an_async_client() -> None:
    sandbox = testing.Sandbox(clock=testing.ManualClock())

    async def notify(phones: list[str]) -> list[str]:
        async with testing.async_sandbox_client(sandbox) as client:
            return [
                (await client.send(p, send_sms=1, sender_sms="Shop", text_sms="Готово"))[0]
                for p in phones
            ]

    ids = asyncio.run(notify(["79010000001", "79010000002"]))
    assert (
        testing.assert_received(sandbox, ["79010000001", "79010000002"])["message_id"].tolist()
        == ids
    )


def test_assert_received_lists_every_difference_at_once() -> None:
    sandbox = testing.Sandbox()
    client = testing.sandbox_client(sandbox)
    client.send(["79010000001", "79010000002"], send_sms=1, sender_sms="Shop", text_sms="Hi")
    client.send("79010000002", send_sms=1, sender_sms="Shop", text_sms="Hi again")
    client.send("79010000009", send_sms=1, sender_sms="Shop", text_sms="Hi")
    want = pd.DataFrame(
        {"phone": ["79010000001", "79010000002", "79010000003"], "text_sms": ["Hey", "Hi", "Hi"]}
    )
    with pytest.raises(AssertionError) as caught:
        testing.assert_received(sandbox, want)
    lines = str(caught.value).splitlines()[1:]
    assert lines == [
        "  79010000002: expected one message, received 2 messages",
        "  79010000003: expected one message, received none",
        "  79010000009: received 1 message(s), none expected",
        "  79010000001: text_sms is 'Hi', expected 'Hey'",
    ]


def test_the_other_helpers_fail_when_they_should() -> None:
    clock = testing.ManualClock()
    sandbox = testing.Sandbox(clock=clock)
    testing.assert_nothing_received(sandbox)
    client = testing.sandbox_client(sandbox)
    client.send("79010000001", send_sms=1, sender_sms="Shop", text_sms="Hi")
    with pytest.raises(AssertionError, match="received 1 message"):
        testing.assert_nothing_received(sandbox)
    testing.assert_no_duplicates(sandbox)
    clock.advance(61)  # the provider lets the same request through after a minute
    client.send("79010000001", send_sms=1, sender_sms="Shop", text_sms="Hi")
    with pytest.raises(AssertionError, match=r"the same message.*79010000001 x2"):
        testing.assert_no_duplicates(sandbox)
    with pytest.raises(ValueError, match="no such column"):
        testing.assert_no_duplicates(sandbox, by=["phone", "colour"])


def test_finish_statuses_moves_a_manual_clock_only() -> None:
    sandbox = testing.Sandbox(clock=testing.ManualClock(), status_delay=(100, 200))
    client = testing.sandbox_client(sandbox)
    [message_id] = client.send("79010000001", send_sms=1, sender_sms="Shop", text_sms="Hi")
    assert client.status(message_id) == "send"
    final = testing.finish_statuses(sandbox)
    assert client.status(message_id) == final["final_status"].iat[0] != "send"
    with pytest.raises(TypeError, match="ManualClock"):
        testing.finish_statuses(testing.Sandbox())


def test_expected_phones_must_be_phones() -> None:
    with pytest.raises(ValueError, match="not valid numbers: 12"):
        testing.assert_received(testing.Sandbox(), ["12"])
