"""The sandbox keeps the provider's rules, texts, duplicate rule, statuses and faults."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from targetsms_frames._clock import ManualClock
from targetsms_frames._exceptions import (
    MessageContentError,
    StopListedError,
    UnexpectedReplyError,
)
from targetsms_frames._wire import (
    DUPLICATE_TEXT,
    ERROR_TEXTS,
    encode_query,
    parse_send_reply,
    send_params,
    status_params,
)
from targetsms_frames.sandbox import (
    DEFAULT_STOP_LIST,
    FAULT_KINDS,
    SANDBOX_ERROR_TEXTS,
    Faults,
    Sandbox,
    SandboxReply,
)

LOGIN, PASSWORD = "shop", "s3cret-Pa55"
URL = "https://sms.targetsms.ru/sendmessage.php"
SMS: dict[str, Any] = {"send_sms": "1", "sender_sms": "Shop", "text_sms": "Привет"}
VIBER: dict[str, Any] = {"send_viber": "1", "sender_viber": "Shop", "text_viber": "Привет"}
STOPPED = sorted(DEFAULT_STOP_LIST)[0]

PHONE_MISSING = "Укажите номер телефона."
PHONE_TOO_LONG = "Номер телефона должен быть меньше 15 символов."
STOP_LISTED = "Номер телефона присутствует в стоп-листе."
NO_SENDER = "Нет отправителя."
SENDER_TOO_LONG = (
    "Отправитель не должен превышать 15 символов для цифровых номеров и 11 символов для "
    "буквенно-числовых."
)
pytestmark = pytest.mark.sandbox(seed=0, status_delay=(2.0, 30.0))

NO_TEXT = "Нет текста сообщения."
NO_LINK = "Нет ссылки."


def raw(sandbox: Sandbox, **params: str) -> SandboxReply:
    """Send exactly these parameters, with valid credentials."""
    return sandbox.handle({"login": LOGIN, "password": PASSWORD, **params})


def send(sandbox: Sandbox, phones: str | list[str] = "79000000001", **params: Any) -> str:
    query = send_params(phones, **{**SMS, **params})
    return sandbox.handle([("login", LOGIN), ("password", PASSWORD), *query]).body


def check(sandbox: Sandbox, message_id: str) -> str:
    return sandbox.handle(
        [("login", LOGIN), ("password", PASSWORD), *status_params(message_id)]
    ).body


def phones(count: int, start: int = 79100000000) -> list[str]:
    return [str(start + i) for i in range(count)]


# -- sending ---------------------------------------------------------------------------


def test_single_phone_gets_the_guides_first_id(sandbox: Sandbox) -> None:
    assert send(sandbox) == "1179038981"


def test_comma_list_gets_one_increasing_id_per_phone_in_order(sandbox: Sandbox) -> None:
    numbers = ["79000000003", "79000000001", "79000000002"]
    ids = send(sandbox, numbers).split(",")
    assert ids == ["1179038981", "1179038982", "1179038983"]
    frame = sandbox.messages
    assert frame["message_id"].tolist() == ids
    assert frame["phone"].tolist() == numbers
    assert set(frame["request_no"]) == {1}


def test_ids_are_offset_by_seed() -> None:
    assert send(Sandbox(seed=3)) != send(Sandbox(seed=0))


def test_messages_keep_the_params_as_sent(sandbox: Sandbox, clock: ManualClock) -> None:
    send(sandbox, send_viber=1, sender_viber="ShopV", text_viber="Скидка 10% & +")
    row = sandbox.messages.iloc[0]
    assert row["text_viber"] == "Скидка 10% & +"
    assert row["sender_sms"] == "Shop"
    assert row["button_text"] is None
    assert row["created_at"] == clock()
    assert row["login"] == LOGIN


# -- parameter rules -------------------------------------------------------------------

CASES = [
    pytest.param({**SMS}, PHONE_MISSING, id="phone-absent"),
    pytest.param({"phone": "", **SMS}, PHONE_MISSING, id="phone-empty"),
    pytest.param({"phone": "7" * 15, **SMS}, PHONE_TOO_LONG, id="phone-15-chars"),
    pytest.param(
        {"phone": "79000000001," + "7" * 16, **SMS}, PHONE_TOO_LONG, id="phone-too-long-in-list"
    ),
    pytest.param(
        {"phone": "+79000000001", **SMS}, SANDBOX_ERROR_TEXTS["bad_phone"], id="phone-plus"
    ),
    pytest.param(
        {"phone": "79000000001,", **SMS}, SANDBOX_ERROR_TEXTS["bad_phone"], id="phone-empty-item"
    ),
    pytest.param({"phone": STOPPED, **SMS}, STOP_LISTED, id="stop-listed"),
    pytest.param(
        {**SMS, "phone": "79000000001", "send_viber": "a"},
        SANDBOX_ERROR_TEXTS["bad_send_viber"],
        id="send_viber-not-int",
    ),
    pytest.param(
        {**SMS, "phone": "79000000001", "send_viber": "10"},
        SANDBOX_ERROR_TEXTS["bad_send_viber"],
        id="send_viber-10",
    ),
    pytest.param(
        {**SMS, "phone": "79000000001", "send_sms": "-1"},
        SANDBOX_ERROR_TEXTS["bad_send_sms"],
        id="send_sms-negative",
    ),
    pytest.param(
        {"phone": "79000000001", "send_sms": "0", "send_viber": "0"},
        SANDBOX_ERROR_TEXTS["no_channel"],
        id="both-channels-off",
    ),
    pytest.param(
        {"phone": "79000000001", "text_sms": "Hi"},
        SANDBOX_ERROR_TEXTS["no_channel"],
        id="no-channel-given",
    ),
    pytest.param(
        {"phone": "79000000001", "send_viber": "1", "text_viber": "Hi"},
        NO_SENDER,
        id="viber-no-sender",
    ),
    pytest.param(
        {"phone": "79000000001", "send_viber": "1", "sender_viber": "Shop"},
        NO_TEXT,
        id="viber-no-text",
    ),
    pytest.param(
        {"phone": "79000000001", **VIBER, "text_viber": "я" * 1001},
        SANDBOX_ERROR_TEXTS["text_viber_too_long"],
        id="viber-text-1001",
    ),
    pytest.param(
        {"phone": "79000000001", **VIBER, "button_text": "Купить"}, NO_LINK, id="button-no-url"
    ),
    pytest.param(
        {"phone": "79000000001", **VIBER, "button_url": "https://x.ru"},
        SANDBOX_ERROR_TEXTS["no_button_text"],
        id="url-no-button-text",
    ),
    pytest.param(
        {"phone": "79000000001", **VIBER, "button_text": "к" * 20, "button_url": "https://x.ru"},
        SANDBOX_ERROR_TEXTS["button_text_too_long"],
        id="button-text-20",
    ),
    pytest.param(
        {"phone": "79000000001", **VIBER, "image_url": "https://x.ru/a.png"},
        SANDBOX_ERROR_TEXTS["image_without_button"],
        id="image-without-button",
    ),
    pytest.param(
        {"phone": "79000000001", "send_sms": "1", "text_sms": "Hi"}, NO_SENDER, id="sms-no-sender"
    ),
    pytest.param(
        {"phone": "79000000001", **SMS, "sender_sms": "1" * 16},
        SENDER_TOO_LONG,
        id="sms-numeric-sender-16",
    ),
    pytest.param(
        {"phone": "79000000001", **SMS, "sender_sms": "ShopShop123X"},
        SENDER_TOO_LONG,
        id="sms-alpha-sender-12",
    ),
    pytest.param(
        {"phone": "79000000001", "send_sms": "1", "sender_sms": "Shop"}, NO_TEXT, id="sms-no-text"
    ),
    pytest.param({"phone": "79000000001", **SMS, "text_sms": "   "}, NO_TEXT, id="sms-blank-text"),
    pytest.param(
        {"phone": "79000000001", **VIBER, "validity_period_viber": "0"},
        SANDBOX_ERROR_TEXTS["bad_validity_period"],
        id="validity-0",
    ),
    pytest.param(
        {"phone": "79000000001", **VIBER, "validity_period_viber": "час"},
        SANDBOX_ERROR_TEXTS["bad_validity_period"],
        id="validity-not-int",
    ),
    pytest.param(
        {"phone": "79000000001", **VIBER, "finale_viber_read": "2"},
        SANDBOX_ERROR_TEXTS["bad_finale_viber_read"],
        id="finale-2",
    ),
]


@pytest.mark.parametrize(("params", "text"), CASES)
def test_each_rule_is_refused_with_its_text_and_creates_nothing(
    sandbox: Sandbox, params: dict[str, str], text: str
) -> None:
    reply = raw(sandbox, **params)
    assert (reply.status_code, reply.body) == (200, text)
    assert sandbox.messages.empty


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"phone": "7" * 14, **SMS}, id="phone-14-chars"),
        pytest.param({"phone": "79000000001", **VIBER, "text_viber": "я" * 1000}, id="viber-1000"),
        pytest.param(
            {"phone": "79000000001", **SMS, "sender_sms": "1" * 15}, id="numeric-sender-15"
        ),
        pytest.param({"phone": "79000000001", **SMS, "sender_sms": "A" * 11}, id="alpha-sender-11"),
        pytest.param(
            {
                "phone": "79000000001",
                **VIBER,
                "button_text": "к" * 19,
                "button_url": "https://x.ru",
                "image_url": "https://x.ru/a.png",
                "validity_period_viber": "60",
                "finale_viber_read": "1",
            },
            id="full-viber",
        ),
        pytest.param({"phone": "79000000001", **VIBER, "send_sms": "2", **SMS}, id="cascade"),
        pytest.param(
            {"phone": "79000000001", **VIBER, "send_sms": "", "text_sms": ""}, id="blanks"
        ),
    ],
)
def test_values_at_the_limits_are_accepted(sandbox: Sandbox, params: dict[str, str]) -> None:
    assert raw(sandbox, **params).body.isdigit()


def test_rules_run_in_a_fixed_order_and_the_first_failure_wins(sandbox: Sandbox) -> None:
    assert raw(sandbox, phone="7" * 15, send_sms="1").body == PHONE_TOO_LONG
    assert raw(sandbox, phone=STOPPED, send_sms="1").body == STOP_LISTED
    assert raw(sandbox, phone="79000000001", send_viber="1", send_sms="1").body == NO_SENDER


def test_a_stop_listed_phone_anywhere_refuses_the_whole_request(sandbox: Sandbox) -> None:
    reply = raw(sandbox, phone=f"79000000001,79000000002,{STOPPED}", **SMS)
    assert reply.body == STOP_LISTED
    assert sandbox.messages.empty
    with pytest.raises(StopListedError):
        parse_send_reply(reply.body, expected=3)


def test_provider_texts_are_the_known_ones_and_sandbox_texts_are_not() -> None:
    provider = {PHONE_MISSING, PHONE_TOO_LONG, STOP_LISTED, NO_SENDER, SENDER_TOO_LONG, NO_TEXT}
    assert provider | {NO_LINK} <= set(ERROR_TEXTS)
    own = list(SANDBOX_ERROR_TEXTS.values())
    assert len(set(own)) == len(own)
    assert not set(own) & set(ERROR_TEXTS)
    with pytest.raises(MessageContentError):
        parse_send_reply(NO_LINK, expected=1)


# -- credentials -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "credentials",
    [{}, {"login": LOGIN}, {"password": PASSWORD}, {"login": "", "password": PASSWORD}],
)
def test_missing_credentials_are_refused(sandbox: Sandbox, credentials: dict[str, str]) -> None:
    reply = sandbox.handle({**credentials, "phone": "79000000001", **SMS})
    assert reply.body == SANDBOX_ERROR_TEXTS["credentials"]
    assert sandbox.messages.empty


def test_configured_credentials_must_match(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock, credentials=(LOGIN, PASSWORD))
    wrong = sandbox.handle({"login": LOGIN, "password": "nope", "phone": "79000000001", **SMS})
    assert wrong.body == SANDBOX_ERROR_TEXTS["credentials"]
    assert send(sandbox).isdigit()


def test_the_password_is_never_kept(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock, credentials=(LOGIN, PASSWORD))
    message_id = send(sandbox)
    check(sandbox, message_id)
    sandbox.handle({"login": LOGIN, "password": PASSWORD + "x", "id_message": message_id})
    assert PASSWORD not in repr(sandbox)
    assert PASSWORD not in repr(sandbox.requests)
    assert PASSWORD not in sandbox.messages.to_csv()
    assert PASSWORD not in repr(vars(sandbox))
    assert all("password" not in dict(r.params) for r in sandbox.requests)


# -- the duplicate rule ----------------------------------------------------------------


def test_identical_send_within_the_window_is_refused_and_creates_nothing(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    first = send(sandbox)
    clock.advance(59.9)
    assert send(sandbox) == DUPLICATE_TEXT
    assert len(sandbox.messages) == 1
    assert sandbox.requests[-1].processed is False
    clock.advance(0.1)
    assert send(sandbox) not in (first, DUPLICATE_TEXT)
    assert len(sandbox.messages) == 2


def test_a_refused_duplicate_does_not_extend_the_window(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    send(sandbox)
    clock.advance(40)
    assert send(sandbox) == DUPLICATE_TEXT
    clock.advance(20)
    assert send(sandbox).isdigit()


def test_parameter_order_is_ignored_but_credentials_count(sandbox: Sandbox) -> None:
    params = [("login", LOGIN), ("password", PASSWORD), ("phone", "79000000001"), *SMS.items()]
    assert sandbox.handle(params).body.isdigit()
    assert sandbox.handle(list(reversed(params))).body == DUPLICATE_TEXT
    other = [(k, "other-pw" if k == "password" else v) for k, v in params]
    assert sandbox.handle(other).body.isdigit()


def test_a_different_value_is_a_different_request(sandbox: Sandbox) -> None:
    send(sandbox)
    assert send(sandbox, text_sms="Привет!").isdigit()


def test_refused_requests_count_for_the_duplicate_rule(sandbox: Sandbox) -> None:
    assert raw(sandbox, phone="79000000001", send_sms="1").body == NO_SENDER
    assert raw(sandbox, phone="79000000001", send_sms="1").body == DUPLICATE_TEXT


def test_status_checks_obey_the_duplicate_rule(sandbox: Sandbox, clock: ManualClock) -> None:
    message_id = send(sandbox)
    start = clock()
    assert check(sandbox, message_id) == "send"
    clock.advance(30)
    assert check(sandbox, message_id) == DUPLICATE_TEXT
    clock.advance(30)
    assert check(sandbox, message_id) != DUPLICATE_TEXT
    assert sandbox.status_checks(message_id) == [start, start + 30, start + 60]
    assert [r.kind for r in sandbox.requests] == ["send", "status", "status", "status"]


def test_window_is_measured_from_processing_time(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock, faults=Faults(latency=5.0))
    query = encode_query(LOGIN, PASSWORD, send_params("79000000001", **SMS))
    with httpx.Client(transport=sandbox.transport()) as http:
        issued = clock()
        http.get(f"{URL}?{query}")
        processed_at = sandbox.requests[-1].time
        assert processed_at == issued + 5.0
        clock.advance(52.0)  # processed 62 s after it was issued, 57 s after it was processed
        assert http.get(f"{URL}?{query}").text == DUPLICATE_TEXT
        assert sandbox.requests[-1].time - processed_at == 57.0
        assert http.get(f"{URL}?{query}").text.isdigit()  # 62 s after processing
        assert sandbox.requests[-1].time - processed_at == 62.0


def test_a_request_lost_before_processing_opens_no_window(sandbox: Sandbox) -> None:
    sandbox.inject("drop_before")
    assert send(sandbox) == ""
    assert send(sandbox).isdigit()


# -- statuses --------------------------------------------------------------------------


def test_status_is_send_until_the_final_time_then_final(
    sandbox: Sandbox, clock: ManualClock
) -> None:
    message_id = send(sandbox)
    row = sandbox.messages.iloc[0]
    assert 2.0 <= row["final_at"] - row["created_at"] <= 30.0
    clock.advance(row["final_at"] - clock() - 0.5)
    assert check(sandbox, message_id) == "send"
    clock.advance(61)
    assert check(sandbox, message_id) == row["final_status"]
    assert sandbox.messages.iloc[0]["status"] == row["final_status"]


def test_outcomes_are_the_same_for_the_same_seed() -> None:
    frames = []
    for _ in range(2):
        sandbox = Sandbox(seed=11, clock=ManualClock())
        send(sandbox, phones(50), **VIBER)
        frames.append(sandbox.messages[["message_id", "final_status", "final_at"]])
    assert frames[0].equals(frames[1])
    other = Sandbox(seed=12, clock=ManualClock())
    send(other, phones(50), **VIBER)
    assert other.messages["final_status"].tolist() != frames[0]["final_status"].tolist()


def test_outcome_shares_are_roughly_the_documented_ones(sandbox: Sandbox) -> None:
    send(sandbox, phones(1000))
    shares = sandbox.messages["final_status"].value_counts(normalize=True)
    assert 0.78 <= shares["deliver"] <= 0.90
    assert set(shares.index) == {"deliver", "not_deliver", "expired", "partly_deliver"}


def test_read_is_reported_only_for_viber(sandbox: Sandbox) -> None:
    send(sandbox, phones(300))
    send(sandbox, phones(300, start=79200000000), send_viber=2, sender_viber="V", text_viber="T")
    frame = sandbox.messages
    sms_only = frame[frame["send_viber"].isna()]
    viber = frame[frame["send_viber"].notna()]
    assert "read" not in set(sms_only["final_status"])
    counts = Counter(viber["final_status"])
    assert 0.2 < counts["read"] / (counts["read"] + counts["deliver"]) < 0.45


def test_unknown_and_malformed_ids_are_refused(sandbox: Sandbox) -> None:
    message_id = send(sandbox)
    assert check(sandbox, "1") == SANDBOX_ERROR_TEXTS["message_not_found"]
    assert raw(sandbox, id_message="abc").body == SANDBOX_ERROR_TEXTS["bad_message_id"]
    assert raw(sandbox, id_message="").body == SANDBOX_ERROR_TEXTS["bad_message_id"]
    other_account = sandbox.handle({"login": "other", "password": "pw", "id_message": message_id})
    assert other_account.body == SANDBOX_ERROR_TEXTS["message_not_found"]


def test_reset_forgets_everything(sandbox: Sandbox) -> None:
    first = send(sandbox)
    sandbox.inject("refuse", count=3)
    sandbox.reset()
    assert sandbox.messages.empty and sandbox.requests == []
    assert sandbox.status_checks(first) == []
    assert send(sandbox) == first


def test_request_log_has_no_credentials_and_records_the_reply(sandbox: Sandbox) -> None:
    message_id = send(sandbox)
    (record,) = sandbox.requests
    assert record.kind == "send" and record.processed and record.fault is None
    assert record.reply == message_id and record.request_no == 1
    assert dict(record.params)["phone"] == "79000000001"
    assert {"login", "password"}.isdisjoint(dict(record.params))


def test_repr_shows_seed_and_counts(sandbox: Sandbox) -> None:
    send(sandbox, phones(2))
    assert repr(sandbox) == "Sandbox(seed=0, messages=2, requests=1)"


def test_concurrent_clients_get_distinct_ids(sandbox: Sandbox) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda phone: send(sandbox, phone), phones(200)))
    assert len(set(replies)) == 200 and all(r.isdigit() for r in replies)
    assert sorted(sandbox.messages["message_id"]) == sorted(replies)


# -- faults and transports -------------------------------------------------------------

FAULT_EFFECTS = [
    ("refuse", httpx.ConnectError, False),
    ("drop_before", httpx.RemoteProtocolError, False),
    ("drop_after", httpx.RemoteProtocolError, True),
    ("timeout_after", httpx.ReadTimeout, True),
]


def send_url(phone: str = "79000000001") -> str:
    return f"{URL}?{encode_query(LOGIN, PASSWORD, send_params(phone, **SMS))}"


@pytest.mark.parametrize(("kind", "error", "created"), FAULT_EFFECTS)
def test_network_faults_raise_and_process_or_not(
    sandbox: Sandbox, kind: str, error: type[Exception], created: bool
) -> None:
    sandbox.inject(kind)  # type: ignore[arg-type]
    with httpx.Client(transport=sandbox.transport()) as http, pytest.raises(error):
        http.get(send_url())
    assert len(sandbox.messages) == int(created)
    assert (sandbox.requests[-1].fault, sandbox.requests[-1].processed) == (kind, created)


def test_http_500_processes_then_answers_with_an_error_page(sandbox: Sandbox) -> None:
    sandbox.inject("http_500")
    with httpx.Client(transport=sandbox.transport()) as http:
        response = http.get(send_url())
    assert response.status_code == 500 and "<html>" in response.text
    assert len(sandbox.messages) == 1


def test_garbage_processes_then_answers_unreadably(sandbox: Sandbox) -> None:
    sandbox.inject("garbage", count=2)
    with httpx.Client(transport=sandbox.transport()) as http:
        for phone in phones(2):
            response = http.get(send_url(phone))
            assert response.status_code == 200
            with pytest.raises(UnexpectedReplyError):
                parse_send_reply(response.text, expected=1)
    assert len(sandbox.messages) == 2


@pytest.mark.parametrize(("kind", "error", "created"), FAULT_EFFECTS)
def test_async_transport_has_the_same_faults(
    sandbox: Sandbox, kind: str, error: type[Exception], created: bool
) -> None:
    async def go() -> None:
        sandbox.inject(kind)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=sandbox.transport()) as http:
            with pytest.raises(error):
                await http.get(send_url())
            assert (await http.get(send_url("79000000002"))).text.isdigit()

    asyncio.run(go())
    assert len(sandbox.messages) == int(created) + 1


def test_async_latency_advances_a_manual_clock(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock, faults=Faults(latency=2.5))
    start = clock()

    async def go() -> str:
        async with httpx.AsyncClient(transport=sandbox.transport()) as http:
            return (await http.get(send_url())).text

    assert asyncio.run(go()).isdigit()
    assert clock() == start + 2.5


def test_injected_faults_apply_to_the_next_requests_only(sandbox: Sandbox) -> None:
    sandbox.inject("http_500", count=2)
    codes = [raw(sandbox, id_message=str(i)).status_code for i in range(3)]
    assert codes == [500, 500, 200]


def test_random_faults_follow_their_own_seed(clock: ManualClock) -> None:
    def kinds(seed: int) -> list[str | None]:
        sandbox = Sandbox(clock=clock, faults=Faults(drop_after=0.3, http_500=0.3, seed=seed))
        return [raw(sandbox, id_message=str(i)).fault for i in range(40)]

    first = kinds(1)
    assert first == kinds(1) != kinds(2)
    assert {"drop_after", "http_500", None} == set(first)
    always = Sandbox(faults=Faults(refuse=1.0))
    assert raw(always, id_message="1").fault == "refuse"


def test_fault_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        Faults(refuse=0.6, garbage=0.6)
    with pytest.raises(ValueError):
        Faults(latency=-1)
    with pytest.raises(ValueError):
        Sandbox().inject("explode")  # type: ignore[arg-type]
    assert set(FAULT_KINDS) == {k for k, _ in Faults().probabilities()}


def test_transport_routes_only_get_sendmessage_on_any_host(sandbox: Sandbox) -> None:
    query = encode_query(LOGIN, PASSWORD, send_params("79000000001", **SMS))
    with httpx.Client(transport=sandbox.transport()) as http:
        assert http.get(f"http://localhost/other.php?{query}").status_code == 404
        assert http.post(f"{URL}?{query}").status_code == 405
        response = http.get(f"http://127.0.0.1:9/sendmessage.php?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert len(sandbox.requests) == 1


def test_transport_decodes_utf8_and_reserved_characters(sandbox: Sandbox) -> None:
    text = "Скидка 10% + подарок & доставка = 0 ₽"
    query = encode_query(LOGIN, PASSWORD, send_params(phones(2), **{**SMS, "text_sms": text}))
    with httpx.Client(transport=sandbox.transport()) as http:
        ids = http.get(f"{URL}?{query}").text.split(",")
    assert len(ids) == 2
    assert sandbox.messages["text_sms"].tolist() == [text, text]


def test_status_ids_with_leading_zeros_or_huge_lengths_are_handled(sandbox: Sandbox) -> None:
    message_id = send(sandbox)
    assert check(sandbox, "00" + message_id) == "send"
    assert check(sandbox, "9" * 5000) == SANDBOX_ERROR_TEXTS["message_not_found"]


def test_one_transport_serves_sync_and_async_clients(sandbox: Sandbox) -> None:
    transport = sandbox.transport()
    assert isinstance(transport, httpx.BaseTransport)
    assert isinstance(transport, httpx.AsyncBaseTransport)
    with httpx.Client(transport=transport) as http:
        assert http.get(send_url("79000000001")).text.isdigit()

    async def go() -> str:
        async with httpx.AsyncClient(transport=transport) as http:
            return (await http.get(send_url("79000000002"))).text

    assert asyncio.run(go()).isdigit()
    assert sandbox.messages["phone"].tolist() == ["79000000001", "79000000002"]


def test_the_sandbox_decides_without_waiting_and_the_transport_waits(clock: ManualClock) -> None:
    sandbox = Sandbox(clock=clock, faults=Faults(latency=5.0))
    start = clock()
    assert raw(sandbox, id_message="1").status_code == 200
    assert clock() == start
    with httpx.Client(transport=sandbox.transport()) as http:
        http.get(send_url())
    assert clock() == start + 5.0
