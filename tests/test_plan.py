"""The planner: packing rows into requests, as properties over generated campaigns."""

from __future__ import annotations

from urllib.parse import quote

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from targetsms_frames._plan import UrlBudget, iter_requests, plan_requests
from targetsms_frames._urllen import quoted_lengths
from targetsms_frames._wire import encode_query, send_params

BASE = "https://sms.targetsms.ru/sendmessage.php"
LOGIN, PASSWORD = "shop-account", "p@ss w0rd&%"
BUDGET = UrlBudget.for_credentials(BASE, LOGIN, PASSWORD)

TEXTS = [
    "Hi",
    "Скидка 10% только сегодня!",
    "Ваш код: {1234} & «подарок» 😀",
    "x" * 700,
    "Ж" * 400,  # 2400 encoded characters: never fits
]
phones = st.sampled_from(
    [str(79000000000 + i) for i in range(40)] + ["380442589632", "77011234567"]
)
rows = st.lists(
    st.tuples(phones, st.sampled_from(TEXTS), st.sampled_from(["Shop", "Магазин", "12345"])),
    min_size=1,
    max_size=80,
)


def _frame(data: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": [p for p, _, _ in data],
            "send_sms": pd.array([1] * len(data), dtype="Int64"),
            "sender_sms": [s for _, _, s in data],
            "text_sms": [t for _, t, _ in data],
        }
    )


def _url(phones: tuple[str, ...], params: dict[str, object]) -> str:
    return f"{BASE}?{encode_query(LOGIN, PASSWORD, send_params(phones, **params))}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows,
    st.integers(min_value=300, max_value=2000),
    st.integers(min_value=1, max_value=30),
    st.booleans(),
)
def test_packing_properties_hold_for_any_campaign(
    data: list[tuple[str, str, str]], limit: int, max_phones: int, skip: bool
) -> None:
    frame = _frame(data)
    options = {
        "max_url_length": limit,
        "max_phones_per_request": max_phones,
        "skip_duplicates": skip,
    }
    plan = plan_requests(frame, budget=BUDGET, **options)  # type: ignore[arg-type]

    # every row is in exactly one request, or flagged as duplicate / too long, never dropped
    planned = plan["request_id"].notna()
    flagged = (plan["duplicate"] & skip) | plan["plan_error"].notna()
    assert (planned ^ flagged).all()
    for pos in np.flatnonzero(plan["plan_error"].notna().to_numpy()):
        alone = _url(
            (frame["phone"].iat[pos],),
            {
                "send_sms": "1",
                "sender_sms": frame["sender_sms"].iat[pos],
                "text_sms": frame["text_sms"].iat[pos],
            },
        )
        assert len(alone) > limit
    seen = set()
    for request in iter_requests(frame, plan):
        members = frame.iloc[list(request.positions)]
        # never mixes texts or senders, never the same phone twice, within both limits
        assert members["text_sms"].nunique() == 1 and members["sender_sms"].nunique() == 1
        assert len(set(request.phones)) == len(request.phones) <= max_phones
        url = _url(request.phones, request.params)
        assert len(url) == request.url_length <= limit
        assert request.phones == tuple(members["phone"])
        seen.update(request.positions)
    assert seen == set(np.flatnonzero(planned.to_numpy()))
    # exact duplicates are the later copies of an earlier (phone, message) row
    key = frame[["phone", "sender_sms", "text_sms"]].apply(tuple, axis=1)
    assert plan["duplicate"].tolist() == key.duplicated().tolist()
    # the same input gives the same plan, IDs in the order of each request's first row
    again = plan_requests(frame, budget=BUDGET, **options)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(plan, again)
    firsts = plan["request_id"].dropna().drop_duplicates().tolist()
    assert firsts == sorted(firsts)


def test_three_thousand_phones_with_one_text_need_few_requests() -> None:
    frame = _frame(
        [(str(79100000000 + i), "Скидка 10% только сегодня!", "Shop") for i in range(3000)]
    )
    plan = plan_requests(frame, budget=BUDGET)
    assert plan["request_id"].nunique() <= 30
    assert int(plan["url_length"].max()) <= 2000


def test_a_too_long_row_is_flagged_not_dropped() -> None:
    frame = _frame([("79000000001", "Ж" * 400, "Shop"), ("79000000002", "Hi", "Shop")])
    plan = plan_requests(frame, budget=BUDGET)
    assert (
        pd.isna(plan.loc[0, "request_id"])
        and "over the limit of 2,000" in plan.loc[0, "plan_error"]
    )
    assert plan.loc[0, "url_length"] > 2000
    assert plan.loc[1, "request_id"] == "R000001"


def test_duplicates_can_be_kept_on_request_but_never_share_a_request() -> None:
    frame = _frame([("79000000001", "Hi", "Shop")] * 3 + [("79000000002", "Hi", "Shop")])
    plan = plan_requests(frame, budget=BUDGET, skip_duplicates=False)
    assert plan["duplicate"].tolist() == [False, True, True, False]
    assert plan.loc[0, "request_id"] == plan.loc[3, "request_id"]
    # the same phone twice in one request would be sent twice: each copy rides alone
    assert plan["request_id"].nunique() == 3


def test_the_same_phone_with_other_messages_is_marked() -> None:
    frame = _frame([("79000000001", "Hi", "Shop"), ("79000000001", "Bye", "Shop")])
    plan = plan_requests(frame, budget=BUDGET)
    assert plan["same_phone"].tolist() == [True, True]
    assert plan["request_id"].nunique() == 2


@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=30))
def test_quoted_lengths_match_urllib_for_any_text(values: list[str | None]) -> None:
    series = pd.Series(values, dtype="str")
    expected = [0 if v is None else len(quote(v, safe="")) for v in values]
    assert quoted_lengths(series).tolist() == expected
