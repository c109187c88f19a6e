"""The provider's facts, and proof that validate and the sandbox agree on every rule they make.

For each rule of the message schema, a row that breaks it is rejected by ``validate`` (for
that rule) and refused by the sandbox, and a row just inside the limit passes both. The rows
are built from the facts' own limits, so the proof follows a limit that changes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames._facts import (
    CHANNELS,
    DELIVERED_STATUSES,
    ERRORS,
    FINAL_STATUSES,
    HELD_PREFIX,
    MESSAGE_PARAMS,
    PARAMS,
    PENDING_STATUS,
    STATUSES,
    URL_PARAMS,
    is_final_status,
    outcome_of,
)
from targetsms_frames._schema import RULES
from targetsms_frames._wire import ERROR_TEXTS, classify_error
from targetsms_frames.sandbox import SANDBOX_ERROR_TEXTS, Sandbox
from targetsms_frames.sandbox._rules import OUTCOME_WEIGHTS

Row = dict[str, str]
SMS: Row = {"phone": "79000000001", "send_sms": "1", "sender_sms": "Shop", "text_sms": "Hi"}
VIBER: Row = {"phone": "79000000001", "send_viber": "1", "sender_viber": "Shop", "text_viber": "Hi"}
BUTTON: Row = {**VIBER, "button_text": "Купить", "button_url": "https://shop.example/a"}
LINK = "https://shop.example/a"


def _limit(name: str) -> int:
    value = PARAMS[name].max_length
    assert value is not None
    return value


def _bound(name: str, which: str) -> int:
    value = getattr(PARAMS[name], which)
    assert isinstance(value, int)
    return value


TEXT_VIBER, BUTTON_TEXT = _limit("text_viber"), _limit("button_text")
SENDER, SENDER_DIGITS = _limit("sender_sms"), PARAMS["sender_sms"].max_length_digits or 0
CASCADE_MAX = _bound("send_sms", "maximum")
VALIDITY_MIN = _bound("validity_period_viber", "minimum")
FINALE_MIN, FINALE_MAX = (
    _bound("finale_viber_read", "minimum"),
    _bound("finale_viber_read", "maximum"),
)
# valid numbers (phonenumbers' own examples) just over and at the provider's phone length
PHONE_OVER, PHONE_AT = "911861123456789", "49177991234567"
assert len(PHONE_OVER) == _limit("phone") + 1 and len(PHONE_AT) == _limit("phone")

#: rule -> (a row that breaks it, a row just inside it); several pairs where a rule has sides
CASES: dict[str, list[tuple[Row, Row]]] = {
    "phone_missing": [({**SMS, "phone": ""}, SMS)],
    "phone_invalid": [({**SMS, "phone": "7900000000x"}, SMS)],
    "phone_too_long": [({**SMS, "phone": PHONE_OVER}, {**SMS, "phone": PHONE_AT})],
    "send_viber_invalid": [
        ({**VIBER, "send_viber": str(CASCADE_MAX + 1)}, {**VIBER, "send_viber": str(CASCADE_MAX)}),
        ({**VIBER, "send_viber": "-1"}, VIBER),
        ({**VIBER, "send_viber": "1.5"}, VIBER),
    ],
    "send_sms_invalid": [
        ({**SMS, "send_sms": str(CASCADE_MAX + 1)}, {**SMS, "send_sms": str(CASCADE_MAX)}),
        ({**SMS, "send_sms": "SMS"}, SMS),
    ],
    "no_channel": [
        ({**SMS, "send_sms": "0"}, SMS),
        ({**SMS, "send_sms": "0", "send_viber": "0"}, {**SMS, "send_viber": "0"}),
    ],
    "sender_viber_required": [({**VIBER, "sender_viber": ""}, VIBER)],
    "text_viber_required": [({**VIBER, "text_viber": " "}, VIBER)],
    "text_viber_too_long": [
        ({**VIBER, "text_viber": "я" * (TEXT_VIBER + 1)}, {**VIBER, "text_viber": "я" * TEXT_VIBER})
    ],
    "sender_sms_required": [({**SMS, "sender_sms": ""}, SMS)],
    "text_sms_required": [({**SMS, "text_sms": ""}, SMS)],
    "sender_sms_too_long": [
        ({**SMS, "sender_sms": "S" * (SENDER + 1)}, {**SMS, "sender_sms": "S" * SENDER}),
        (
            {**SMS, "sender_sms": "7" * (SENDER_DIGITS + 1)},
            {**SMS, "sender_sms": "7" * SENDER_DIGITS},
        ),
    ],
    "button_text_too_long": [
        (
            {**BUTTON, "button_text": "к" * (BUTTON_TEXT + 1)},
            {**BUTTON, "button_text": "к" * BUTTON_TEXT},
        )
    ],
    "button_text_without_url": [({**VIBER, "button_text": "Купить"}, BUTTON)],
    "button_url_without_text": [({**VIBER, "button_url": LINK}, BUTTON)],
    "image_url_without_button": [
        ({**VIBER, "image_url": LINK}, {**BUTTON, "image_url": LINK}),
        ({**VIBER, "button_text": "Купить", "image_url": LINK}, {**BUTTON, "image_url": LINK}),
    ],
    "button_url_not_a_link": [
        (
            {**BUTTON, "button_url": "shop.example/a"},
            {**BUTTON, "button_url": "http://shop.example"},
        )
    ],
    "image_url_not_a_link": [
        ({**BUTTON, "image_url": "ftp://shop.example/a.png"}, {**BUTTON, "image_url": LINK})
    ],
    "validity_period_viber_invalid": [
        (
            {**VIBER, "validity_period_viber": str(VALIDITY_MIN - 1)},
            {**VIBER, "validity_period_viber": str(VALIDITY_MIN)},
        ),
        ({**VIBER, "validity_period_viber": "час"}, {**VIBER, "validity_period_viber": "60"}),
    ],
    "finale_viber_read_invalid": [
        (
            {**VIBER, "finale_viber_read": str(FINALE_MAX + 1)},
            {**VIBER, "finale_viber_read": str(FINALE_MAX)},
        ),
        (
            {**VIBER, "finale_viber_read": str(FINALE_MIN - 1)},
            {**VIBER, "finale_viber_read": str(FINALE_MIN)},
        ),
    ],
}
PAIRS = [
    pytest.param(rule, broken, inside, id=f"{rule}-{n}")
    for rule, pairs in CASES.items()
    for n, (broken, inside) in enumerate(pairs)
]


def _failed_rules(row: Row) -> set[str]:
    """The rules ``validate`` finds broken in a one-row frame of exactly these values."""
    frame = pd.DataFrame([{k: (v if v != "" else None) for k, v in row.items()}], dtype=object)
    try:
        tsf.validate(frame)
    except tsf.ValidationError as exc:
        return set(exc.failure_cases["check"])
    return set()


def _sandbox_reply(row: Row) -> str:
    """What the sandbox answers when the row's values arrive as a request (blanks left out)."""
    params = [(name, value) for name, value in row.items() if value != ""]
    return Sandbox().handle([("login", "me"), ("password", "pw"), *params]).body


def _accepted(reply: str) -> bool:
    return reply.isdigit()


def test_every_rule_of_the_schema_has_a_case() -> None:
    assert set(CASES) == {rule.name for rule in RULES}


@pytest.mark.parametrize(("rule", "broken", "inside"), PAIRS)
def test_validate_and_the_sandbox_agree(rule: str, broken: Row, inside: Row) -> None:
    assert rule in _failed_rules(broken)
    refused = _sandbox_reply(broken)
    assert not _accepted(refused), f"the sandbox accepted a row breaking {rule}"
    assert refused in set(ERRORS) | set(SANDBOX_ERROR_TEXTS.values())
    assert _failed_rules(inside) == set()
    accepted = _sandbox_reply(inside)
    assert _accepted(accepted), f"the sandbox refused a row inside {rule}: {accepted}"


OFF_CHANNEL = [
    pytest.param({**SMS, "text_viber": "я" * (TEXT_VIBER + 1)}, id="long-viber-text"),
    pytest.param({**SMS, "button_text": "к" * (BUTTON_TEXT + 1)}, id="button-without-link"),
    pytest.param({**SMS, "image_url": "not a link"}, id="image-without-button"),
    pytest.param({**VIBER, "sender_sms": "S" * (SENDER + 1)}, id="long-sms-sender"),
]


@pytest.mark.parametrize("row", OFF_CHANNEL)
def test_both_ignore_the_parameters_of_a_channel_that_is_off(row: Row) -> None:
    assert _failed_rules(row) == set()
    assert _accepted(_sandbox_reply(row))


def test_rows_inside_every_limit_go_through_send_to_the_sandbox() -> None:
    rows = [inside for pairs in CASES.values() for _, inside in pairs]
    frame = pd.DataFrame(rows, dtype=object).replace("", None)
    frame["phone"] = [
        f"7901{i:07d}" if p == SMS["phone"] else p for i, p in enumerate(frame["phone"])
    ]
    sandbox = Sandbox()
    # a 1,000-character Cyrillic Viber text needs a URL of about 6,000 characters
    out = tsf.send(frame, tsf.Client.sandbox(sandbox), progress=False, max_url_length=8000)
    assert (out["send_state"] == "sent").all(), out.loc[out["send_state"] != "sent", "send_error"]
    assert len(sandbox.messages) == len(frame)


# -- the tables themselves ---------------------------------------------------------------------


def test_the_parameters_are_the_guides_in_its_order() -> None:
    assert MESSAGE_PARAMS == (
        "phone", "send_viber", "sender_viber", "text_viber", "button_text", "button_url",
        "image_url", "send_sms", "sender_sms", "text_sms", "validity_period_viber",
        "finale_viber_read",
    )  # fmt: skip
    assert URL_PARAMS == ("button_url", "image_url")
    assert {c.switch for c in CHANNELS.values()} == {"send_viber", "send_sms"}
    for channel in CHANNELS.values():
        for name in (channel.sender, channel.text):
            assert PARAMS[name].channel == channel.name and PARAMS[name].required


def test_every_status_word_has_a_meaning_and_only_send_is_pending() -> None:
    assert set(STATUSES) == {"send", "deliver", "read", "not_deliver", "expired", "partly_deliver"}
    assert {w for w, s in STATUSES.items() if not s.final} == {PENDING_STATUS} == {"send"}
    assert set(STATUSES) - {"send"} == FINAL_STATUSES
    assert {"deliver", "read"} == DELIVERED_STATUSES
    assert outcome_of("partly_deliver") == "no_status"  # sent, no report: not a partial delivery
    assert outcome_of("not_deliver") == "not_delivered" and outcome_of("expired") == "expired"
    assert outcome_of("send") == "pending" and outcome_of("a_new_word") == "other_final"
    assert all(is_final_status(w) for w in FINAL_STATUSES) and not is_final_status("send")
    assert all(s.meaning for s in STATUSES.values())


def test_the_sandbox_draws_only_final_words_of_the_facts() -> None:
    assert {w for w, _ in OUTCOME_WEIGHTS} | {"read"} <= FINAL_STATUSES
    assert set(FINAL_STATUSES) <= {w for w, _ in OUTCOME_WEIGHTS} | {"read"}


def test_every_error_text_maps_to_an_error_class_and_holds_are_marked() -> None:
    assert set(ERROR_TEXTS) == set(ERRORS)
    for text, error in ERRORS.items():
        assert error.meaning
        found: Any = classify_error(text)
        assert type(found) is ERROR_TEXTS[text]
        assert found.may_have_been_sent is error.held is text.startswith(HELD_PREFIX)
