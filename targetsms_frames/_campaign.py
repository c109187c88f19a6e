"""A frame and a journal: a new campaign, a resumed one, or an extended one.

:func:`attach` writes a new campaign into an empty journal, or recognises the campaign a
journal already holds. A journal belongs to one endpoint and one login, and to the frames it
was given (its *versions*): the same frame again (or the same rows in another order, or with
other columns of your own) resumes it. Any other frame is refused with what changed (rows
added, removed, edited), unless ``extend=True``: then rows already in the journal keep their
state, a row whose phone already has a message ``sent`` or ``unknown`` (or still to go) in this
campaign is ``skipped`` naming that request, and the other new rows are planned and sent.

Rows are matched by their *message key*: a digest of the normalised phone and every message
parameter, so editing a text changes it and renaming a column of your own does not.

Examples
--------
>>> import pandas as pd
>>> keys = message_keys(pd.DataFrame({"phone": ["79000000001", "79000000001"],
...                                   "text_sms": ["Hi", "Hello"]}))
>>> len(keys), keys[0] != keys[1]
(2, True)
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from ._exceptions import JournalMismatchError
from ._plan import param_strings
from ._prepare import Prepared, prepare
from .journal import Binding, CampaignRecord, JournalRequest, JournalStore

__all__ = ["Attached", "attach", "check_binding", "message_keys", "summarize_change"]

_SHOWN = 3  # phones named in a message, per kind of change
#: Plans the rows a mask selects, numbering requests from the given number.
Replan = Callable[[pd.Series, int], tuple[pd.DataFrame, list[JournalRequest]]]


def message_keys(messages: pd.DataFrame) -> list[str]:
    """One key per row: a digest of its phone and message parameters."""
    columns = [messages["phone"].astype("str"), *param_strings(messages).values()]
    as_lists = [col.astype(object).where(col.notna(), None).tolist() for col in columns]
    keys = []
    for values in zip(*as_lists, strict=True):
        text = "\x1f".join("\x00" if v is None else str(v) for v in values)
        data = text.encode("utf-8", "surrogatepass")
        keys.append(hashlib.blake2b(data, digest_size=10).hexdigest())
    return keys


def _keys(prepared: Prepared) -> list[str]:
    return message_keys(prepared.messages.assign(phone=prepared.display["phone"]))


@dataclass(frozen=True)
class Attached:
    """How the caller's rows sit in the journal."""

    #: Journal position of each of the caller's rows, in the caller's order.
    positions: np.ndarray
    #: What happened: ``new``, ``resumed`` or ``extended``.
    how: str


def is_sandbox_endpoint(url: str) -> bool:
    """Whether ``url`` is an in-process sandbox's (``https://<name>.sandbox.invalid/...``).

    >>> is_sandbox_endpoint("https://cli.sandbox.invalid/sendmessage.php")
    True
    >>> is_sandbox_endpoint("https://sms.targetsms.ru/sendmessage.php")
    False
    """
    from .sandbox._emulator import SANDBOX_DOMAIN

    return (urlsplit(url).hostname or "").endswith(f".{SANDBOX_DOMAIN}")


def refuse_sandbox_for_real(store: JournalStore, endpoint: str) -> None:
    """Refuse to poll a campaign sent to a real endpoint through a sandbox at ``endpoint``:
    its answers (made up, or "not found") would become the messages' final statuses.

    Polling elsewhere is allowed otherwise: an ID another provider or account never issued
    gets that provider's refusal as its final status."""
    bound = store.binding()
    if bound is None or bound.endpoint == endpoint:
        return
    if is_sandbox_endpoint(endpoint) and not is_sandbox_endpoint(bound.endpoint):
        raise JournalMismatchError(
            f"the journal {store.location!r} belongs to a campaign sent to {bound.endpoint}: "
            "its statuses are asked of that provider, never of a sandbox (whose answers would "
            "be kept as the messages' final statuses)"
        )


def check_binding(store: JournalStore, endpoint: str, login: str) -> None:
    """Refuse a journal of another endpoint or login; bind one written before bindings."""
    bound = store.binding()
    if bound is None:
        store.bind(Binding.new(endpoint, login))
        return
    if bound.matches(endpoint, login):
        return
    if bound.endpoint != endpoint:
        raise JournalMismatchError(
            f"the journal {store.location!r} belongs to a campaign sent to {bound.endpoint}, "
            f"and this client sends to {endpoint}: a campaign is only ever resumed where it was "
            "sent (a rehearsal on a sandbox never counts as sent to the real provider; send the "
            "real campaign with a journal of its own)"
        )
    raise JournalMismatchError(
        f"the journal {store.location!r} belongs to a campaign sent with another login to "
        f"{endpoint}: resume it with the client (login) that sent it"
    )


def _occurrence_keys(keys: Sequence[str]) -> pd.Series:
    """``key#n`` for the n-th row with that key (duplicate rows match one for one)."""
    frame = pd.Series(list(keys), dtype=object)
    n = frame.groupby(frame).cumcount().astype(str)
    return frame + "#" + n


def _matching(old_keys: pd.Series, new_keys: pd.Series) -> np.ndarray:
    """Journal position for each new row with a matching old row, else -1."""
    lookup = pd.Series(old_keys.index.to_numpy(), index=old_keys.to_numpy())
    found = lookup.reindex(new_keys.to_numpy())
    return found.fillna(-1).to_numpy(dtype=np.int64)


def summarize_change(
    old_phones: pd.Series, new_phones: pd.Series, matched_old: np.ndarray, matched_new: np.ndarray
) -> str:
    """What differs between two frames, by phone.

    >>> import numpy as np
    >>> old, new = pd.Series(["7901", "7902"]), pd.Series(["7901", "7902", "7903"])
    >>> summarize_change(old, new, np.array([True, False]), np.array([True, False, False]))
    '1 phone added: 7903; 1 phone edited (their message changed): 7902; 0 phones removed'
    """
    lost = set(old_phones[~matched_old].dropna())
    gained = set(new_phones[~matched_new].dropna())
    edited = lost & gained
    parts = []
    for label, phones in (
        ("added", sorted(gained - edited)),
        ("edited (their message changed)", sorted(edited)),
        ("removed", sorted(lost - edited)),
    ):
        shown = ", ".join(phones[:_SHOWN]) + (", ..." if len(phones) > _SHOWN else "")
        noun = "phone" if len(phones) == 1 else "phones"
        parts.append(f"{len(phones)} {noun} {label}" + (f": {shown}" if phones else ""))
    return "; ".join(parts)


def attach(
    store: JournalStore,
    prepared: Prepared,
    plan: pd.DataFrame,
    requests: Sequence[JournalRequest],
    *,
    sent_by: tuple[str, str] | None,
    extend: bool,
    replan: Replan,
) -> Attached:
    """Put the caller's campaign into ``store``, or find it there.

    ``requests`` are the plan's requests (positions are the caller's); ``sent_by`` is the
    client's endpoint and login (``None``: an unbound journal, e.g. in memory); ``replan``
    is called with an eligibility mask and the first request number to plan rows new to the
    journal.
    """
    n = len(prepared.display)
    binding = None if sent_by is None else Binding.new(*sent_by)
    if store.fingerprint() is None:
        keys = _keys(prepared)
        rows = pd.DataFrame(
            {
                "request_id": plan["request_id"],
                "phone": prepared.display["phone"],
                "msg_key": pd.Series(keys, dtype=object),
                "send_state": plan["send_state"],
                "send_error": plan["send_error"],
            }
        )
        record = CampaignRecord(
            prepared.fingerprint,
            binding,
            prepared.display.set_axis(prepared.original_index),
            rows,
            requests,
        )
        if store.create(record):
            return Attached(np.arange(n, dtype=np.int64), "new")
        # else another sender wrote the campaign a moment ago: join it
    if sent_by is not None:
        check_binding(store, *sent_by)
    known = store.version(prepared.fingerprint)
    if store.rows()["msg_key"].isna().all() and n:  # written before keys were kept
        stored = _keys(prepare(store.load_input().reset_index(drop=True)))
        store.fill_keys(stored)
        if known is None and stored == _keys(prepared):
            # the same rows; an earlier version fingerprinted messy columns differently
            known = np.arange(n, dtype=np.int64)
            store.add_version(prepared.fingerprint, known)
    if known is not None and len(known) == n:
        return Attached(known, "resumed")
    return _reconcile(store, prepared, extend=extend, replan=replan)


def _reconcile(
    store: JournalStore, prepared: Prepared, *, extend: bool, replan: Replan
) -> Attached:
    journal_rows = store.rows()
    new_keys = _keys(prepared)
    new_phones = prepared.display["phone"].astype(object).reset_index(drop=True)
    old = _occurrence_keys(journal_rows["msg_key"].fillna("").tolist())
    old.index = journal_rows.index
    new = _occurrence_keys(new_keys)
    found = _matching(old, new)
    matched_new = found >= 0
    matched_old = journal_rows.index.isin(found[matched_new])
    if matched_new.all() and matched_old.all():  # the same rows, other order or own columns
        store.add_version(prepared.fingerprint, found)
        return Attached(found, "resumed")
    if not extend:
        change = summarize_change(
            journal_rows["phone"].astype(object), new_phones, matched_old, matched_new
        )
        raise JournalMismatchError(
            f"the journal {store.location!r} holds this campaign with other rows ({change}). "
            "To add the new rows to the campaign, call send(..., extend=True) (on the command "
            "line: send --extend): rows of phones "
            "this campaign already messaged are skipped, the others are sent"
        )
    return _extend(store, prepared, journal_rows, found, new_keys, replan)


def _extend(
    store: JournalStore,
    prepared: Prepared,
    journal_rows: pd.DataFrame,
    found: np.ndarray,
    new_keys: list[str],
    replan: Replan,
) -> Attached:
    fresh = found < 0
    phones = prepared.display["phone"].astype(object).reset_index(drop=True)
    live = journal_rows[journal_rows["send_state"].isin(["sent", "unknown", "planned"])]
    earlier = live.groupby("phone")[["request_id", "send_state"]].first()
    taken = fresh & phones.isin(earlier.index).to_numpy()
    eligible = fresh & ~taken & prepared.valid
    first_number = store.next_request_number()
    plan, requests = replan(pd.Series(eligible), first_number)
    start = int(journal_rows.index.max()) + 1 if len(journal_rows) else 0
    positions = found.copy()
    positions[fresh] = np.arange(start, start + int(fresh.sum()))
    remap = dict(zip(np.flatnonzero(fresh).tolist(), positions[fresh].tolist(), strict=True))
    # the same requests (zone and all), their rows numbered as the journal numbers them
    requests = [
        dataclasses.replace(r, positions=tuple(remap[p] for p in r.positions)) for r in requests
    ]
    state = plan["send_state"].astype(object).where(fresh)
    error = plan["send_error"].astype(object).where(fresh)
    for i in np.flatnonzero(taken).tolist():
        request_id, was = earlier.loc[phones[i], ["request_id", "send_state"]]
        state[i] = "skipped"
        error[i] = (
            f"this phone already has a message {was} in this campaign (request {request_id}); "
            "not sent again"
        )
    rows = pd.DataFrame(
        {
            "request_id": plan["request_id"],
            "phone": phones,
            "msg_key": pd.Series(new_keys, dtype=object),
            "send_state": state,
            "send_error": error,
        }
    )[fresh]
    input_frame = pd.concat(
        [store.load_input(), prepared.display.set_axis(prepared.original_index)[fresh]]
    )
    with store.transaction():
        store.extend(input_frame, rows, requests)
        store.add_version(prepared.fingerprint, positions)
    return Attached(positions, "extended")
