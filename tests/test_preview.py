"""preview(), estimate_cost() and summarize(): what send would do, with no network."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames

import targetsms_frames as tsf


def _no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"preview touched the network: {request.url.path}")


def test_preview_tells_encoding_parts_and_the_characters_that_cost_more(
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    msgs = make_messages(3, texts=1)
    msgs["text_sms"] = ["Sale today!", "Sale «today»!", "x" * 161]
    out = tsf.preview(msgs)
    assert out["sms_encoding"].tolist() == ["GSM-7", "UCS-2", "GSM-7"]
    assert out["sms_parts"].tolist() == [1, 1, 2]
    assert out["sms_ucs2_chars"].tolist() == ["", "«»", ""]
    assert out["customer_id"].tolist() == msgs["customer_id"].tolist()


def test_preview_uses_the_clients_credentials_for_exact_url_lengths(
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    msgs = make_messages(4, texts=1)
    client = tsf.Client("a" * 30, "p" * 30, transport=httpx.MockTransport(_no_network))
    exact = tsf.preview(msgs, client)
    roomy = tsf.preview(msgs)  # no credentials: a safe allowance
    assert exact["request_id"].nunique() == 1
    phones = tuple(exact["phone"])
    text = msgs["text_sms"].iat[0]
    params = {"send_viber": 0, "send_sms": 1, "sender_sms": "Shop", "text_sms": text}
    from targetsms_frames._wire import send_params

    assert int(exact["url_length"].iat[0]) == client.url_length(send_params(phones, **params))
    assert int(roomy["url_length"].iat[0]) > int(exact["url_length"].iat[0])


def test_preview_flags_duplicates_and_skips_invalid_rows_with_reasons(
    make_messages: Callable[..., pd.DataFrame],
) -> None:
    msgs = make_messages(4, texts=1)
    msgs.loc[3] = msgs.loc[0]
    msgs.loc[1, "sender_sms"] = "A much too long sender"
    out = tsf.preview(msgs)
    assert out["send_state"].tolist() == ["planned", "skipped", "planned", "skipped"]
    assert out.loc[3, "duplicate"] and "duplicate" in out.loc[3, "send_error"]
    assert "sender_sms" in out.loc[1, "send_error"]
    text = str(tsf.summarize(out))
    assert "skipped" in text and "invalid: 1" in text and "duplicates: 1" in text


def test_cost_counts_the_first_channel_and_the_worst_case_cascade() -> None:
    msgs = pd.DataFrame(
        {
            "phone": ["79000000001", "79000000002"],
            "send_viber": [1, 0],
            "sender_viber": ["Shop", None],
            "text_viber": ["Привет", None],
            "send_sms": [2, 1],
            "sender_sms": "Shop",
            "text_sms": ["Привет, это длинное сообщение " * 3, "Hi"],
        }
    )
    out = tsf.preview(msgs, price_sms=2.0, price_viber=0.5)
    assert out["sms_parts"].tolist() == [2, 1]
    assert out["cost"].tolist() == [0.5, 2.0]
    assert out["max_cost"].tolist() == [4.5, 2.0]
    summary = tsf.summarize(out)
    assert "2.50" in str(summary) and "up to 6.50" in str(summary)
    assert "<table>" in summary._repr_html_()


def test_preview_never_mutates_its_input(make_messages: Callable[..., pd.DataFrame]) -> None:
    msgs = make_messages(5)
    before = msgs.copy()
    tsf.preview(msgs, price_sms=1.0)
    pd.testing.assert_frame_equal(msgs, before)


texts = st.text(max_size=30)
frames = data_frames(
    [
        column("phone", elements=st.one_of(texts, st.sampled_from(["+7 900 000-00-01", "8 900"]))),
        column("send_sms", elements=st.sampled_from(["1", "0", "", "x", "9", "10"])),
        column("send_viber", elements=st.sampled_from(["1", "", "2"])),
        column("sender_sms", elements=texts),
        column("text_sms", elements=texts),
        column("sender_viber", elements=texts),
        column("text_viber", elements=texts),
        column("button_text", elements=texts),
        column("button_url", elements=st.one_of(texts, st.just("https://x.example/a"))),
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames)
def test_any_frame_of_strings_previews_or_raises_a_targetsms_error(frame: pd.DataFrame) -> None:
    try:
        out = tsf.preview(frame)
    except tsf.TargetSMSError:
        return
    assert len(out) == len(frame)
    assert set(out["send_state"]) <= {"planned", "skipped"}


@pytest.mark.parametrize("region", ["RU", "KZ"])
def test_preview_normalises_phones_for_the_region(region: str) -> None:
    msgs = pd.DataFrame(
        {"phone": ["8 701 123 45 67"], "send_sms": 1, "sender_sms": "Shop", "text_sms": "Hi"}
    )
    out = tsf.preview(msgs, region=region)
    assert out["phone"].iat[0] == "77011234567"


def test_the_longest_url_is_of_a_request_that_goes_not_of_a_row_too_long_to_send() -> None:
    msgs = pd.DataFrame(
        {
            "phone": ["79005550001", "79005550002"],
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": ["Привет", "Ж" * 9000],  # the second is far over any URL limit
        }
    )
    plan = tsf.preview(msgs)
    assert plan["send_state"].tolist() == ["planned", "skipped"]
    summary = tsf.summarize(plan)
    assert summary.longest_url == int(plan.loc[0, "url_length"]) < 2000


def test_a_channel_without_a_price_is_said_to_count_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    frame = pd.DataFrame(
        {"send_viber": [1, 0], "send_sms": [2, 1], "sms_parts": [1, 1], "send_state": "planned"}
    )
    with caplog.at_level("WARNING", logger="targetsms_frames"):
        priced = tsf.estimate_cost(frame, price_sms=3.0)
    assert priced["cost"].tolist() == [0.0, 3.0]
    assert "1 row(s) use a channel with no price" in caplog.text and "price_viber" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="targetsms_frames"):
        tsf.estimate_cost(frame, price_sms=3.0, price_viber=1.0)
    assert caplog.text == ""
