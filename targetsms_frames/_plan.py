"""Planning: which rows ride in which request, with no I/O.

Rows whose message parameters are identical except the phone are packed into one request with
a comma list of phones, each request's full URL (as the client encodes it, base URL and
credentials included) kept within ``max_url_length``. Exact duplicates (same phone, same
message) are flagged and left out; a row too long to fit alone is flagged, never dropped.
Request IDs (``R000001``...) follow the order of each request's first row, so the same
messages always give the same plan (which is what lets a journal resume a campaign).

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"phone": ["79000000001", "79000000002", "79000000001"],
...                       "send_sms": 1, "sender_sms": "Shop", "text_sms": "Sale!"})
>>> plan = plan_requests(frame, budget=UrlBudget.allowance())
>>> plan[["request_id", "duplicate"]]
  request_id  duplicate
0    R000001      False
1    R000001      False
2        NaN       True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._config import Secret
from ._facts import MAX_URL_LENGTH
from ._urllen import quoted_lengths
from ._wire import DEFAULT_BASE_URL, MESSAGE_PARAMS, encode_query, quote_value

__all__ = [
    "DEFAULT_MAX_PHONES",
    "DEFAULT_MAX_URL_LENGTH",
    "PlannedRequest",
    "UrlBudget",
    "iter_requests",
    "param_strings",
    "plan_requests",
]

DEFAULT_MAX_URL_LENGTH = MAX_URL_LENGTH
DEFAULT_MAX_PHONES = 200
PARAM_COLUMNS = MESSAGE_PARAMS[1:]
# Without credentials, room is kept for a login of 40 and a password of 80 encoded characters.
_LOGIN_ALLOWANCE = 40
_PASSWORD_ALLOWANCE = 80


@dataclass(frozen=True)
class UrlBudget:
    """What every request URL spends before its message: base URL, ``?`` and credentials."""

    base_url: str
    credentials_length: int

    @classmethod
    def for_credentials(cls, base_url: str, login: str, password: str | Secret) -> UrlBudget:
        """Exact overhead for known credentials (the password itself is not kept)."""
        secret = password if isinstance(password, Secret) else Secret(password)
        return cls(base_url, len(encode_query(login, "", [])) + secret.quoted_length())

    @classmethod
    def allowance(cls, base_url: str = DEFAULT_BASE_URL) -> UrlBudget:
        """A safe overhead when the credentials are not known yet."""
        return cls(
            base_url, len(encode_query("x" * _LOGIN_ALLOWANCE, "x" * _PASSWORD_ALLOWANCE, []))
        )

    @property
    def overhead(self) -> int:
        """Characters of the URL before ``&phone=``."""
        return len(self.base_url) + 1 + self.credentials_length


@dataclass(frozen=True)
class PlannedRequest:
    """One request of a plan: its ID, phones (in row order), parameters and row positions."""

    request_id: str
    phones: tuple[str, ...]
    params: dict[str, object]
    positions: tuple[int, ...]
    url_length: int


def param_strings(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Each message parameter column as the text sent (``1`` not ``1.0``), blanks as NA."""
    out: dict[str, pd.Series] = {}
    for name in PARAM_COLUMNS:
        if name not in frame.columns:
            continue
        col = frame[name]
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
            col = col.astype("Int64").astype("str").where(col.notna())
        elif pd.api.types.is_bool_dtype(col.dtype):
            col = col.astype("Int64").astype("str")
        else:
            col = col.astype("str").where(col.notna())
        out[name] = col.where(col != "")
    return out


def _message_lengths(strings: dict[str, pd.Series], n: int) -> np.ndarray:
    """Encoded length of ``&name=value`` for every present parameter, summed per row."""
    total = np.zeros(n, dtype=np.int64)
    for name, col in strings.items():
        present = col.notna().to_numpy()
        total += np.where(present, quoted_lengths(col) + 2 + len(quote_value(name)), 0)
    return total


def _pack(
    group: np.ndarray, phone_len: np.ndarray, capacity: np.ndarray, max_phones: int
) -> np.ndarray:
    """Greedy in-order packing; returns a request number per row (rows sorted by group)."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, n])
    local = np.zeros(n, dtype=np.int64)
    chunks = np.ones(len(starts), dtype=np.int64)
    for g in np.flatnonzero(sizes > 1).tolist():  # single-row groups need no work
        start, end = int(starts[g]), int(starts[g] + sizes[g])
        lengths = phone_len[start:end]
        cap = int(capacity[start])
        if lengths.min() == lengths.max():  # the usual case: one phone length, pure arithmetic
            per = max(1, min(max_phones, (cap + 1) // (int(lengths[0]) + 1)))
            part = np.arange(end - start) // per
        else:
            part = np.empty(end - start, dtype=np.int64)
            chunk, used, count = 0, 0, 0
            for i, length in enumerate(lengths.tolist()):
                need = length if count == 0 else length + 1
                if count and (used + need > cap or count >= max_phones):
                    chunk, used, count, need = chunk + 1, 0, 0, length
                part[i] = chunk
                used += need
                count += 1
        local[start:end] = part
        chunks[g] = int(part[-1]) + 1
    first_request = np.cumsum(chunks) - chunks
    return np.repeat(first_request, sizes) + local


def _message_groups(strings: dict[str, pd.Series], n: int) -> np.ndarray:
    """Number rows by their message (all parameters but the phone), densely from 0 in order
    of appearance.

    Each column is factorised once and the codes are combined pairwise, re-factorising as it
    goes so the combined key never overflows: cheaper than a groupby over string columns.
    """
    group = np.zeros(n, dtype=np.int64)
    for col in strings.values():
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        combined = group * (len(uniques) + 1) + (codes + 1)
        group = pd.factorize(combined)[0].astype(np.int64)
    return group


def _format_ids(numbers: np.ndarray) -> np.ndarray:
    """``R000001``-style IDs for request numbers, vectorised through Arrow."""
    text = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width=6, padding="0")
    return np.asarray(pc.binary_join_element_wise("R", text, "").to_numpy(zero_copy_only=False))


def plan_requests(
    frame: pd.DataFrame,
    *,
    budget: UrlBudget,
    max_url_length: int = DEFAULT_MAX_URL_LENGTH,
    max_phones_per_request: int = DEFAULT_MAX_PHONES,
    skip_duplicates: bool = True,
    eligible: pd.Series | None = None,
    apart: pd.Series | None = None,
) -> pd.DataFrame:
    """Assign every eligible row to a request.

    Parameters
    ----------
    frame : pandas.DataFrame
        Validated messages (normalised ``phone`` and message parameter columns).
    budget : UrlBudget
        Base URL and credentials overhead.
    max_url_length : int
        Longest URL allowed (the provider's guide: about 2,000 characters).
    max_phones_per_request : int
        Most phones in one request.
    skip_duplicates : bool
        Leave out rows repeating an earlier row's phone and message (flagged either way).
    eligible : boolean Series, optional
        Rows that may be planned (default all).
    apart : Series, optional
        A key that rows sharing a request must share too (each recipient's time zone, so a
        request goes when all its rows are inside their send window).

    Returns
    -------
    pandas.DataFrame
        Same index: ``request_id`` (NA if not planned), ``url_length`` of that request,
        ``duplicate``, ``same_phone`` (the phone is in other rows with other messages too) and
        ``plan_error`` (why an eligible row could not be planned).
    """
    n = len(frame)
    ok = np.ones(n, dtype=bool) if eligible is None else eligible.to_numpy(dtype=bool)
    phone = frame["phone"].astype("str")
    strings = param_strings(frame)
    keys = strings if apart is None else {**strings, "\x00apart": apart.astype("str")}
    group = _message_groups(keys, n)
    codes, uniques = pd.factorize(phone)
    combined = pd.Series(group.astype(np.int64) * (len(uniques) + 1) + codes)
    dup = np.zeros(n, dtype=bool)
    dup[ok] = combined[ok].duplicated(keep="first").to_numpy()
    per_phone = np.bincount(codes[ok & ~dup & (codes >= 0)], minlength=max(len(uniques), 1))
    same_phone = ok & ~dup & (codes >= 0) & (per_phone[np.maximum(codes, 0)] > 1)
    # a kept duplicate rides with the other n-th copies, never beside its own phone
    occurrence = np.zeros(n, dtype=np.int64)
    if dup.any():
        occurrence[ok] = combined[ok].groupby(combined[ok]).cumcount().to_numpy()
    pack_group = group.astype(np.int64) * (int(occurrence.max()) + 1) + occurrence

    phone_len = phone.str.len().fillna(0).to_numpy(dtype=np.int64)
    # one representative row per distinct message: lengths are computed once per message
    # (groups are numbered densely in order of appearance: a group's number is its rank)
    first_rows = (
        np.flatnonzero(np.r_[True, group[1:] > np.maximum.accumulate(group)[:-1]])
        if n
        else np.zeros(0, dtype=np.intp)
    )
    if len(first_rows) == n:  # every message its own (personalised): no representatives
        message_len = _message_lengths(strings, n)
    else:
        reps = {name: col.iloc[first_rows] for name, col in strings.items()}
        message_len = _message_lengths(reps, len(first_rows))[group]
    fixed = budget.overhead + len("&phone=") + message_len
    alone = fixed + phone_len
    too_long = ok & (alone > max_url_length)
    plan_error = pd.Series(pd.NA, index=frame.index, dtype="str")
    if too_long.any():
        plan_error.iloc[np.flatnonzero(too_long)] = [
            f"the request URL would be {v:,} characters, over the limit of {max_url_length:,}"
            for v in alone[too_long]
        ]
    take = ok & ~too_long & ~(dup & skip_duplicates)
    rows = np.flatnonzero(take)
    order = rows[np.argsort(pack_group[rows], kind="stable")]
    request_no = np.full(n, -1, dtype=np.int64)
    packed = _pack(
        pack_group[order], phone_len[order], max_url_length - fixed[order], max_phones_per_request
    )
    # renumber requests by their first row's position so IDs follow the caller's order
    first_pos = np.full(packed.max() + 1 if len(packed) else 0, n, dtype=np.int64)
    np.minimum.at(first_pos, packed, order)
    rank = np.empty_like(first_pos)
    rank[np.argsort(first_pos, kind="stable")] = np.arange(len(first_pos))
    request_no[order] = rank[packed]

    url_length = np.zeros(len(first_pos), dtype=np.int64)
    counts = np.bincount(request_no[order], minlength=len(first_pos))
    np.add.at(url_length, request_no[order], phone_len[order])
    first_fixed = np.zeros(len(first_pos), dtype=np.int64)
    first_fixed[request_no[order]] = fixed[order]
    url_length += first_fixed + np.maximum(counts - 1, 0)

    planned = request_no >= 0
    ids = pd.Series(pd.NA, index=frame.index, dtype="str")
    ids[planned] = _format_ids(request_no[planned] + 1)
    lengths = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    lengths[planned] = url_length[request_no[planned]]
    lengths[too_long] = alone[too_long]
    return pd.DataFrame(
        {
            "request_id": ids,
            "url_length": lengths,
            "duplicate": dup,
            "same_phone": same_phone,
            "plan_error": plan_error,
        },
        index=frame.index,
    )


def iter_requests(frame: pd.DataFrame, plan: pd.DataFrame) -> Iterator[PlannedRequest]:
    """Yield the planned requests in ID order (a pure generator, wrapped by ``send``).

    Examples
    --------
    >>> frame = pd.DataFrame({"phone": ["79000000001", "79000000002"], "send_sms": 1,
    ...                       "sender_sms": "Shop", "text_sms": "Sale!"})
    >>> [r.phones for r in iter_requests(frame, plan_requests(frame, budget=UrlBudget.allowance()))]
    [('79000000001', '79000000002')]
    """
    columns = {
        name: col.astype(object).where(col.notna(), None).to_numpy()
        for name, col in param_strings(frame).items()
    }
    phones = frame["phone"].astype("str").to_numpy(dtype=object)
    ids = plan["request_id"]
    planned = ids.notna().to_numpy()
    positions = np.flatnonzero(planned)
    by_request = pd.Series(positions).groupby(ids.to_numpy()[planned], sort=True).indices
    lengths = plan["url_length"].to_numpy()
    for request_id, idx in by_request.items():
        pos = positions[idx]
        first = int(pos[0])
        params: dict[str, object] = {
            name: values[first] for name, values in columns.items() if values[first] is not None
        }
        yield PlannedRequest(
            request_id=str(request_id),
            phones=tuple(phones[pos].tolist()),
            params=params,
            positions=tuple(pos.tolist()),
            url_length=int(lengths[first]),
        )
