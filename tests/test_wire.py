"""The provider's wire format: building queries, encoding them, and reading replies."""

from __future__ import annotations

import math
from urllib.parse import parse_qsl, quote, quote_plus

import httpx
import numpy as np
import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames._exceptions import (
    AccountError,
    DuplicateRequestError,
    MessageContentError,
    OutcomeUnknownError,
    PhoneError,
    ProviderError,
    SenderError,
    StopListedError,
    TargetSMSError,
    UnexpectedReplyError,
)
from targetsms_frames._wire import (
    DEFAULT_BASE_URL,
    DUPLICATE_TEXT,
    ERROR_TEXTS,
    FINAL_STATUSES,
    MESSAGE_PARAMS,
    PENDING_STATUS,
    classify_error,
    encode_query,
    is_final_status,
    parse_send_reply,
    parse_status_reply,
    quote_value,
    redact,
    send_params,
    status_params,
)

PHONE = "79000000001"
PHONE2 = "79000000002"
PHONE3 = "79000000003"
NO_FUNDS = (
    "Недостаточно средств для отправки SMS. SMS будет отправлена как только вы пополните "
    "счет по данному направлению."
)
HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>Технические работы</title></head>"
    "<body><h1>Сервис временно недоступен</h1></body></html>"
)
ERROR_PAGE_500 = (
    "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n"
    "<center><h1>500 Internal Server Error</h1></center>\r\n</body>\r\n</html>\r\n"
)
BINARY_JUNK = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\ufffd\ufffd"


def names(params: list[tuple[str, str]]) -> list[str]:
    return [name for name, _ in params]


# -- send_params -------------------------------------------------------------------------


def test_send_params_follow_the_guide_order_whatever_the_keyword_order() -> None:
    params = send_params(
        PHONE,
        finale_viber_read=1,
        validity_period_viber=120,
        text_sms="sms text",
        sender_sms="Shop",
        send_sms=2,
        image_url="https://x.example/i.png",
        button_url="https://x.example",
        button_text="Open",
        text_viber="viber text",
        sender_viber="ShopV",
        send_viber=1,
    )
    assert names(params) == list(MESSAGE_PARAMS)
    assert dict(params) == {
        "phone": PHONE,
        "send_viber": "1",
        "sender_viber": "ShopV",
        "text_viber": "viber text",
        "button_text": "Open",
        "button_url": "https://x.example",
        "image_url": "https://x.example/i.png",
        "send_sms": "2",
        "sender_sms": "Shop",
        "text_sms": "sms text",
        "validity_period_viber": "120",
        "finale_viber_read": "1",
    }


def test_send_params_put_the_phone_first() -> None:
    params = send_params(PHONE, text_sms="Hi", send_sms=1, sender_sms="Shop")
    assert params[0] == ("phone", PHONE)
    assert names(params) == ["phone", "send_sms", "sender_sms", "text_sms"]


def test_send_params_join_several_phones_with_commas_in_the_given_order() -> None:
    params = send_params([PHONE3, PHONE, PHONE2], send_sms=1)
    assert params[0] == ("phone", f"{PHONE3},{PHONE},{PHONE2}")


def test_send_params_accept_a_tuple_or_a_generator_of_phones() -> None:
    assert send_params((PHONE, PHONE2), send_sms=1)[0] == ("phone", f"{PHONE},{PHONE2}")
    assert send_params(iter([PHONE]), send_sms=1)[0] == ("phone", PHONE)


def test_send_params_strip_spaces_around_phones() -> None:
    assert send_params([f" {PHONE} ", f"{PHONE2}\n"], send_sms=1)[0] == (
        "phone",
        f"{PHONE},{PHONE2}",
    )


@pytest.mark.parametrize("blank", [None, "", math.nan, np.nan, float("nan")])
def test_send_params_leave_out_blank_values(blank: object) -> None:
    params = send_params(
        PHONE,
        send_sms=1,
        sender_sms="Shop",
        text_sms="Hi",
        send_viber=blank,
        sender_viber=blank,
        text_viber=blank,
        button_text=blank,
        validity_period_viber=blank,
    )
    assert names(params) == ["phone", "send_sms", "sender_sms", "text_sms"]


@pytest.mark.parametrize("missing", [pd.NA, pd.NaT], ids=["pd.NA", "pd.NaT"])
def test_send_params_leave_out_pandas_missing_values(missing: object) -> None:
    params = send_params(PHONE, send_sms=1, sender_sms="Shop", text_sms="Hi", text_viber=missing)
    assert names(params) == ["phone", "send_sms", "sender_sms", "text_sms"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "1"),
        (0, "0"),
        (2.0, "2"),
        (np.float64(3.0), "3"),
        ("4", "4"),
        (" 5 ", "5"),
        ("+6", "6"),
        ("07", "7"),
        (True, "1"),
        (False, "0"),
    ],
)
def test_send_params_format_integer_parameters(value: object, expected: str) -> None:
    params = dict(send_params(PHONE, send_sms=value, validity_period_viber=value))
    assert params["send_sms"] == expected
    assert params["validity_period_viber"] == expected


@pytest.mark.parametrize("value", [np.int64(1), np.int32(1), np.uint8(1)], ids=repr)
def test_send_params_format_numpy_integers_read_from_a_frame(value: object) -> None:
    assert dict(send_params(PHONE, send_sms=value))["send_sms"] == "1"


def test_send_params_format_integers_taken_from_a_dataframe_row() -> None:
    frame = pd.DataFrame({"send_sms": [1], "validity_period_viber": [90]})
    row = frame.iloc[0]
    params = dict(
        send_params(
            PHONE, send_sms=row["send_sms"], validity_period_viber=row["validity_period_viber"]
        )
    )
    assert params["send_sms"] == "1"
    assert params["validity_period_viber"] == "90"


@pytest.mark.parametrize("value", [1.5, "one", "1.0", "  x ", [1]], ids=repr)
def test_send_params_refuse_a_non_integer_for_an_integer_parameter(value: object) -> None:
    with pytest.raises(TypeError, match="send_sms"):
        send_params(PHONE, send_sms=value)


def test_send_params_keep_send_sms_zero() -> None:
    params = send_params(PHONE, send_viber=1, sender_viber="V", text_viber="Hi", send_sms=0)
    assert ("send_sms", "0") in params
    assert params[-1] == ("send_sms", "0")


def test_send_params_keep_text_values_verbatim() -> None:
    text = "  Привет, мир! 10% & =+#\n"
    assert dict(send_params(PHONE, text_sms=text))["text_sms"] == text


@pytest.mark.parametrize("name", ["send_vk", "templateId", "text", "login", "password"])
def test_send_params_refuse_an_unknown_parameter(name: str) -> None:
    with pytest.raises(TypeError, match="extra="):
        send_params(PHONE, **{name: "1"})


def test_send_params_pass_extra_parameters_through_after_the_documented_ones() -> None:
    params = send_params(
        PHONE,
        send_sms=1,
        text_sms="Hi",
        extra={"send_vk": 3, "templateId": "t-1", "templateData": '{"a": 1}'},
    )
    assert names(params) == [
        "phone",
        "send_sms",
        "text_sms",
        "send_vk",
        "templateId",
        "templateData",
    ]
    assert params[-3:] == [("send_vk", "3"), ("templateId", "t-1"), ("templateData", '{"a": 1}')]


def test_send_params_leave_out_blank_extra_parameters() -> None:
    params = send_params(PHONE, send_sms=1, extra={"send_vk": None, "templateId": ""})
    assert names(params) == ["phone", "send_sms"]


@pytest.mark.parametrize("name", [*MESSAGE_PARAMS, "login", "password", "id_message"])
def test_extra_parameters_cannot_override_documented_ones_or_credentials(name: str) -> None:
    with pytest.raises(ValueError, match="override"):
        send_params(PHONE, send_sms=1, extra={name: "1"})


@pytest.mark.parametrize(
    "phones",
    [[PHONE, PHONE], [PHONE, PHONE2, PHONE], [PHONE, f" {PHONE}"]],
    ids=["twice", "twice-apart", "twice-with-space"],
)
def test_send_params_refuse_the_same_phone_twice(phones: list[str]) -> None:
    with pytest.raises(ValueError, match="twice"):
        send_params(phones, send_sms=1)


@pytest.mark.parametrize(
    "phones",
    [
        "+79000000001",
        "7 900 000 00 01",
        "7900-000-0001",
        "7900000000a",
        "",
        "   ",
        [],
        [PHONE, ""],
        f"{PHONE},{PHONE2}",
    ],
    ids=repr,
)
def test_send_params_refuse_a_phone_that_is_not_digits(phones: str | list[str]) -> None:
    with pytest.raises(ValueError, match="digits"):
        send_params(phones, send_sms=1)


@pytest.mark.parametrize(
    "phone",
    ["7900000000\u00b2", "\uff17\uff19\uff10\uff10\uff10", "\u0667\u0669\u0660\u0660"],
    ids=["superscript-two", "fullwidth", "arabic-indic"],
)
def test_send_params_refuse_non_ascii_digits_in_a_phone(phone: str) -> None:
    with pytest.raises(ValueError):
        send_params(phone, send_sms=1)


def test_send_params_errors_are_plain_python_errors_not_provider_errors() -> None:
    with pytest.raises(ValueError) as info:
        send_params("abc", send_sms=1)
    assert not isinstance(info.value, TargetSMSError)


# -- status_params -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message_id", "expected"),
    [("1179038981", "1179038981"), (1179038981, "1179038981"), (" 42\n", "42")],
)
def test_status_params_name_the_message_id(message_id: str | int, expected: str) -> None:
    assert status_params(message_id) == [("id_message", expected)]


@pytest.mark.parametrize("message_id", ["", "abc", "12a", "-1", "1,2", "1.0", "\u00b9\u00b2"])
def test_status_params_refuse_an_id_that_is_not_digits(message_id: str) -> None:
    with pytest.raises(ValueError, match="digits"):
        status_params(message_id)


def test_status_params_refuse_fullwidth_digits() -> None:
    with pytest.raises(ValueError):
        status_params("\uff11\uff12\uff13")


# -- encode_query ------------------------------------------------------------------------


def test_encode_query_puts_credentials_first() -> None:
    query = encode_query("shop", "pw", send_params(PHONE, send_sms=1, text_sms="Hi"))
    assert query.split("&")[:3] == ["login=shop", "password=pw", f"phone={PHONE}"]
    assert query == f"login=shop&password=pw&phone={PHONE}&send_sms=1&text_sms=Hi"


def test_encode_query_of_a_status_check() -> None:
    assert encode_query("me", "pw", status_params(5)) == "login=me&password=pw&id_message=5"


def test_encode_query_keeps_commas_between_phones_literal() -> None:
    query = encode_query("me", "pw", send_params([PHONE, PHONE2, PHONE3], send_sms=1))
    assert f"phone={PHONE},{PHONE2},{PHONE3}&" in query
    assert "%2C" not in query


def test_encode_query_escapes_commas_outside_the_phone_value() -> None:
    query = encode_query("me", "pw", send_params(PHONE, text_sms="a,b"))
    assert "text_sms=a%2Cb" in query


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("Привет", "%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82"),
        ("ё", "%D1%91"),
        ("😀", "%F0%9F%98%80"),
        ("+", "%2B"),
        ("&", "%26"),
        ("%", "%25"),
        ("=", "%3D"),
        ("#", "%23"),
        (" ", "%20"),
        ("/", "%2F"),
        ("?", "%3F"),
        ("₽", "%E2%82%BD"),
        ("a\nb", "a%0Ab"),
    ],
)
def test_encode_query_percent_encodes_text_as_utf8(text: str, encoded: str) -> None:
    query = encode_query("me", "pw", send_params(PHONE, text_sms=text))
    assert query.endswith(f"&text_sms={encoded}")
    assert quote_value(text) == encoded


def test_encode_query_leaves_no_raw_reserved_or_non_ascii_characters() -> None:
    text = "Скидка 10% + подарок & доставка = 0 ₽ #1 😀"
    query = encode_query("lo gin", "p&w=+%#", send_params(PHONE, text_sms=text))
    assert query.isascii()
    assert " " not in query and "+" not in query and "#" not in query
    assert query.count("&") == 3
    assert query.count("=") == 4


def test_encode_query_escapes_reserved_characters_in_credentials() -> None:
    query = encode_query("a&b=c", "S3cr3t+P@ss%&word", [])
    assert query == "login=a%26b%3Dc&password=S3cr3t%2BP%40ss%25%26word"


@pytest.mark.parametrize(
    "text",
    [
        "Привет, мир!",
        "Скидка 10% + подарок & доставка = 0 ₽",
        "😀🎉 emoji + ZWJ 👨\u200d👩\u200d👧",
        "a+b a%20b %41 &amp; #frag ?q=1",
        "  leading and trailing  ",
        "line1\nline2\r\n\ttab",
        "quote ' and \" and \\ backslash",
    ],
)
def test_encode_query_round_trips_through_parse_qsl(text: str) -> None:
    login, password = "shop+1 & co", "S3cr3t+P@ss%&word #="
    params = send_params(
        [PHONE, PHONE2],
        send_viber=1,
        sender_viber="Shop",
        text_viber=text,
        button_text="Open",
        button_url="https://shop.example/?a=1&b=2#top",
        send_sms=2,
        sender_sms="Shop",
        text_sms=text,
        extra={"templateData": text},
    )
    decoded = parse_qsl(encode_query(login, password, params), keep_blank_values=True)
    assert decoded == [("login", login), ("password", password), *params]


def test_quote_value_encodes_every_reserved_character() -> None:
    reserved = ":/?#[]@!$&'()*+,;= %"
    assert all(c == "%" or c not in quote_value(reserved) for c in reserved)


# -- parse_send_reply --------------------------------------------------------------------


def test_parse_send_reply_reads_a_single_id() -> None:
    assert parse_send_reply("1179038981", expected=1) == ["1179038981"]


def test_parse_send_reply_reads_a_comma_list_in_order() -> None:
    assert parse_send_reply("1178440061,1178440060,1178440062", expected=3) == [
        "1178440061",
        "1178440060",
        "1178440062",
    ]


@pytest.mark.parametrize(
    "body", ["1179038981\n", "  1179038981  ", "\r\n1179038981\r\n", "\t1179038981\n\n"]
)
def test_parse_send_reply_tolerates_surrounding_whitespace(body: str) -> None:
    assert parse_send_reply(body, expected=1) == ["1179038981"]


def test_parse_send_reply_tolerates_a_newline_after_a_list() -> None:
    assert parse_send_reply("1,2\n", expected=2) == ["1", "2"]


@pytest.mark.parametrize(("body", "expected"), [("1,2", 3), ("1,2,3", 2), ("1", 2), ("1,2", 1)])
def test_parse_send_reply_refuses_an_id_count_not_matching_the_phones(
    body: str, expected: int
) -> None:
    with pytest.raises(UnexpectedReplyError, match="IDs") as info:
        parse_send_reply(body, expected=expected, url="https://x/sendmessage.php?password=***")
    assert info.value.raw == body
    assert info.value.url == "https://x/sendmessage.php?password=***"
    assert isinstance(info.value, OutcomeUnknownError)
    assert info.value.may_have_been_sent is True


@pytest.mark.parametrize("body", ["", "   ", "\n", "\r\n\t"], ids=repr)
def test_parse_send_reply_refuses_an_empty_body(body: str) -> None:
    with pytest.raises(UnexpectedReplyError, match="empty") as info:
        parse_send_reply(body, expected=1)
    assert info.value.raw == body


@pytest.mark.parametrize(
    "body",
    [HTML_PAGE, ERROR_PAGE_500, "<html>1179038981</html>", "< html>", "<?xml version='1.0'?><a/>"],
)
def test_parse_send_reply_refuses_an_html_page(body: str) -> None:
    with pytest.raises(UnexpectedReplyError, match="HTML") as info:
        parse_send_reply(body, expected=1)
    assert info.value.raw == body


@pytest.mark.parametrize(
    "body", [BINARY_JUNK, "\x00\x01\x02", "1179038981\x00", "ok\ufffd"], ids=repr
)
def test_parse_send_reply_refuses_binary_junk(body: str) -> None:
    with pytest.raises(UnexpectedReplyError):
        parse_send_reply(body, expected=1)


def test_parse_send_reply_keeps_a_long_raw_reply_whole_and_the_client_cuts_it() -> None:
    body = "<html>" + "x" * 5000
    with pytest.raises(UnexpectedReplyError) as info:
        parse_send_reply(body, expected=1)
    assert info.value.raw == body  # whole: the client scrubs the password, then cuts
    client = tsf.Client(
        "me", "pw", transport=httpx.MockTransport(lambda r: httpx.Response(200, text=body))
    )
    with pytest.raises(UnexpectedReplyError) as info:
        client.send("79000000001", send_sms=1, sender_sms="Shop", text_sms="Hi")
    assert body.startswith(info.value.raw)
    assert 0 < len(info.value.raw) < len(body)


@pytest.mark.parametrize(
    "body",
    ["12,,13", "12,", "12,13,", "12 13", "12\n13", ",12", ",12,13", ","],
    ids=repr,
)
def test_parse_send_reply_refuses_malformed_ids(body: str) -> None:
    expected = max(1, body.count(",") + 1)
    with pytest.raises(UnexpectedReplyError) as info:
        parse_send_reply(body, expected=expected)
    assert info.value.raw == body
    assert info.value.may_have_been_sent is True


@pytest.mark.parametrize(("text", "cls"), list(ERROR_TEXTS.items()), ids=list(ERROR_TEXTS))
def test_parse_send_reply_maps_every_known_error_text(text: str, cls: type[ProviderError]) -> None:
    with pytest.raises(ProviderError) as info:
        parse_send_reply(text, expected=1, url="https://x/?password=***")
    assert type(info.value) is cls
    assert info.value.text == text
    assert str(info.value) == text
    assert info.value.url == "https://x/?password=***"


@pytest.mark.parametrize(("text", "cls"), list(ERROR_TEXTS.items()), ids=list(ERROR_TEXTS))
def test_classify_error_maps_every_known_error_text(text: str, cls: type[ProviderError]) -> None:
    err = classify_error(text)
    assert type(err) is cls
    assert err.text == text


def test_the_duplicate_text_is_a_duplicate_request_error() -> None:
    assert ERROR_TEXTS[DUPLICATE_TEXT] is DuplicateRequestError
    with pytest.raises(DuplicateRequestError) as info:
        parse_send_reply(DUPLICATE_TEXT, expected=1)
    assert info.value.text == DUPLICATE_TEXT


def test_error_classes_of_selected_texts() -> None:
    assert ERROR_TEXTS["Номер телефона присутствует в стоп-листе."] is StopListedError
    assert issubclass(StopListedError, PhoneError)
    assert ERROR_TEXTS["Аккаунт заблокирован."] is AccountError
    assert ERROR_TEXTS["Нет отправителя."] is SenderError
    assert ERROR_TEXTS["Нет текста сообщения."] is MessageContentError
    assert ERROR_TEXTS[NO_FUNDS] is AccountError


@pytest.mark.parametrize(
    "text",
    [
        "Неверный логин или пароль.",
        "Ошибка авторизации",
        "Неправильный пароль",
        "error: wrong login",
        "Invalid password",
        "Ошибка аутентификации.",
    ],
)
def test_an_unknown_refusal_about_the_login_or_password_concerns_the_account(text: str) -> None:
    with pytest.raises(AccountError) as info:
        parse_send_reply(text, expected=1)
    assert info.value.text == text
    assert info.value.stops_campaign and not info.value.may_have_been_sent


@pytest.mark.parametrize(
    "text",
    [
        "Какая-то новая ошибка.",
        "error: something else",
        "Закончились SMS",
    ],
)
def test_parse_send_reply_raises_a_plain_provider_error_for_an_unknown_text(text: str) -> None:
    with pytest.raises(ProviderError) as info:
        parse_send_reply(text, expected=1)
    assert type(info.value) is ProviderError
    assert info.value.text == text
    assert info.value.may_have_been_sent is False
    assert info.value.stops_campaign is False


@pytest.mark.parametrize(("text", "cls"), list(ERROR_TEXTS.items()), ids=list(ERROR_TEXTS))
def test_only_the_no_funds_text_may_have_been_sent(text: str, cls: type[ProviderError]) -> None:
    with pytest.raises(cls) as info:
        parse_send_reply(text, expected=1)
    assert info.value.may_have_been_sent is (text == NO_FUNDS)


def test_the_no_funds_text_is_an_account_error_that_may_have_been_sent() -> None:
    with pytest.raises(AccountError) as info:
        parse_send_reply(NO_FUNDS, expected=1)
    assert info.value.may_have_been_sent is True
    assert info.value.stops_campaign is True
    assert info.value.text == NO_FUNDS


@pytest.mark.parametrize(("text", "cls"), list(ERROR_TEXTS.items()), ids=list(ERROR_TEXTS))
def test_only_account_errors_stop_a_campaign(text: str, cls: type[ProviderError]) -> None:
    assert classify_error(text).stops_campaign is (cls is AccountError)


def test_a_classified_error_does_not_change_the_class_default() -> None:
    classify_error(NO_FUNDS)
    assert AccountError.may_have_been_sent is False
    assert classify_error("Аккаунт заблокирован.").may_have_been_sent is False


def test_provider_errors_are_not_transport_errors() -> None:
    err = classify_error("Нет отправителя.")
    assert isinstance(err, TargetSMSError)
    assert not isinstance(err, OutcomeUnknownError)


# -- parse_status_reply ------------------------------------------------------------------


@pytest.mark.parametrize(
    "word", ["send", "not_deliver", "expired", "deliver", "partly_deliver", "read"]
)
def test_parse_status_reply_returns_each_known_word(word: str) -> None:
    assert parse_status_reply(word) == word
    assert parse_status_reply(f"{word}\n") == word
    assert parse_status_reply(f"  {word}\r\n") == word


@pytest.mark.parametrize("word", ["seen_by_robot", "Delivered", "queued2", "x"])
def test_parse_status_reply_returns_an_unknown_word_verbatim(word: str) -> None:
    assert parse_status_reply(word) == word


@pytest.mark.parametrize(
    "text", ["-5", "OK 1179038981", "Accepted", "Сообщение 1179038981 принято", "queued: 12345678"]
)
def test_a_reply_that_is_neither_ids_nor_an_error_text_may_have_been_processed(text: str) -> None:
    with pytest.raises(UnexpectedReplyError) as info:
        parse_send_reply(text, expected=1)
    assert info.value.may_have_been_sent is True
    assert info.value.raw == text


@pytest.mark.parametrize(("text", "cls"), list(ERROR_TEXTS.items()), ids=list(ERROR_TEXTS))
def test_parse_status_reply_raises_error_texts(text: str, cls: type[ProviderError]) -> None:
    with pytest.raises(ProviderError) as info:
        parse_status_reply(text)
    assert type(info.value) is cls
    assert info.value.text == text


@pytest.mark.parametrize("text", ["Сообщение не найдено.", "Неверный ID сообщения."])
def test_parse_status_reply_raises_an_unknown_error_text_verbatim(text: str) -> None:
    with pytest.raises(ProviderError) as info:
        parse_status_reply(text)
    assert type(info.value) is ProviderError
    assert info.value.text == text


@pytest.mark.parametrize("body", [HTML_PAGE, ERROR_PAGE_500, "<p>deliver</p>", BINARY_JUNK, ""])
def test_parse_status_reply_refuses_html_binary_and_empty_bodies(body: str) -> None:
    with pytest.raises(UnexpectedReplyError):
        parse_status_reply(body)


# -- statuses ----------------------------------------------------------------------------


def test_only_send_is_a_pending_status() -> None:
    assert PENDING_STATUS == "send"
    assert is_final_status("send") is False
    for word in ("deliver", "not_deliver", "expired", "partly_deliver", "read", "new_word"):
        assert is_final_status(word) is True


def test_final_statuses_are_the_guide_four_and_read() -> None:
    assert {"deliver", "not_deliver", "expired", "partly_deliver", "read"} == FINAL_STATUSES
    assert PENDING_STATUS not in FINAL_STATUSES


def test_default_base_url_is_the_provider_https_endpoint() -> None:
    assert DEFAULT_BASE_URL == "https://sms.targetsms.ru/sendmessage.php"


# -- redact ------------------------------------------------------------------------------

PASSWORD = "S3cr3t+P@ss%&word"


def test_redact_hides_the_password_value_of_a_query() -> None:
    url = "https://x/sendmessage.php?login=me&password=s%40cret&phone=1"
    assert redact(url, None) == "https://x/sendmessage.php?login=me&password=***&phone=1"


def test_redact_hides_a_password_at_the_end_of_a_query() -> None:
    assert redact("https://x/?login=me&password=abc", None) == "https://x/?login=me&password=***"


def test_redact_hides_every_password_value() -> None:
    text = "GET ?password=one&x=1 then ?password=two 'password=three'"
    assert redact(text, None) == "GET ?password=***&x=1 then ?password=*** 'password=***'"


@pytest.mark.parametrize(
    "form",
    [PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD), quote_value(PASSWORD)],
    ids=["raw", "quoted", "quote_plus", "quote_value"],
)
def test_redact_removes_every_form_of_a_known_password(form: str) -> None:
    out = redact(f"failed for {form} (again: {form})", PASSWORD)
    assert form not in out
    assert PASSWORD not in out
    assert out == "failed for *** (again: ***)"


def test_redact_removes_the_encoded_password_from_an_encoded_query() -> None:
    query = encode_query("me", PASSWORD, status_params(1))
    out = redact(f"https://x/sendmessage.php?{query}", PASSWORD)
    assert out == "https://x/sendmessage.php?login=me&password=***&id_message=1"


def test_redact_removes_a_password_with_spaces_in_quote_plus_form() -> None:
    password = "my secret pass"
    out = redact(f"a={quote_plus(password)} b={quote(password, safe='')}", password)
    assert quote_plus(password) not in out
    assert quote(password, safe="") not in out


def test_redact_leaves_text_without_a_password_unchanged() -> None:
    text = "login=me&phone=79000000001&text_sms=Привет"
    assert redact(text, None) == text
    assert redact(text, "unrelated") == text
    assert redact(text, "") == text


def test_ids_separated_by_comma_and_space_are_read_in_order() -> None:
    assert parse_send_reply("1178440060, 1178440061", expected=2) == ["1178440060", "1178440061"]
