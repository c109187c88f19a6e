"""What each reply means for a request's rows: the at-most-once decision, as a pure function.

:func:`decide` turns what came back for one request (its message IDs, or the error) into a
:class:`Decision`; the campaign engine applies decisions to the journal. Nothing here does I/O,
so the whole argument below is tested as a table.

At most once, and why it holds
------------------------------
* A request is claimed ``inflight`` in the journal (committed) before it can leave; a request
  found ``inflight`` without a live sender is ``unknown`` (the process died while it may have
  been on the wire). Nothing ``sent``, ``failed`` or ``unknown`` is ever sent again.
* A request handed to a worker that had not started it when sending was interrupted is
  ``release``\\ d: provably never left, so back to ``planned``.
* Only failures that prove nothing left (connection refused, DNS) go back to ``planned``
  (``replan``). A timeout after sending, a dropped connection, HTTP 5xx or an unreadable reply
  are ``unknown``.
* A provider error text means the request was refused: its rows are ``failed``, except
  - a refusal that concerns the whole account (blocked, out of SMS, wrong login or password):
    nothing was sent and nothing will be until it is fixed, so the rows go back to ``planned``
    and the campaign stops (:mod:`._policy`);
  - "no funds: the SMS will be sent once you top up": the message is held, so ``unknown``;
  - the provider's duplicate-request text: an identical request reached the provider less
    than a minute ago, so these messages may already be out: ``unknown``. We never *probe*
    with the duplicate rule (re-sending to see whether the provider calls it a duplicate): a
    probe that lands after the window, or on a provider that did not record the first
    attempt, sends twice.
* The client's own duplicate guard refusing a request (an identical one went less than a
  minute ago) means nothing left now and the message already went: ``skip``.
* A per-phone refusal of a multi-phone request (stop list, phone, closed direction) sent
  nothing: the request is ``split`` in halves, journaled as new requests and sent, until the
  refused phone stands alone and is ``failed`` with the provider's text.

Examples
--------
>>> from targetsms_frames.journal import JournalRequest
>>> from targetsms_frames._exceptions import StopListedError
>>> request = JournalRequest("R000001", {}, ("79000000001", "79000000002", "79000000003"),
...                          (0, 1, 2), None)
>>> decide(request, ["11", "12", "13"]).action
'sent'
>>> d = decide(request, StopListedError("Номер телефона присутствует в стоп-листе."))
>>> d.action, [part.phones for part in d.parts]
('split', [('79000000001',), ('79000000002', '79000000003')])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from ._exceptions import (
    AccountError,
    DirectionClosedError,
    DuplicateRequestError,
    OutcomeUnknownError,
    PhoneError,
    ProviderError,
    RequestNotSentError,
)
from .journal import JournalRequest

__all__ = ["CANCELLED", "Action", "Decision", "decide", "halves"]

Action = Literal["sent", "failed", "unknown", "replan", "release", "split", "skip"]


class _Cancelled:
    """What a worker returns for a request it never started (sending was interrupted)."""

    def __repr__(self) -> str:
        return "CANCELLED"


#: The result of a request that a worker did not start: it provably never left.
CANCELLED: Final = _Cancelled()


@dataclass(frozen=True)
class Decision:
    """What to record for one request (applied to the journal by the engine)."""

    action: Action
    request: JournalRequest
    text: str = ""
    kind: str = ""
    message_ids: tuple[str, ...] = ()
    parts: tuple[JournalRequest, ...] = ()
    #: The refusal concerns the whole account (every later request would get it too).
    account_wide: bool = False


def halves(request: JournalRequest) -> tuple[JournalRequest, JournalRequest]:
    """Split a request's phones (and rows) in two, same parameters."""
    mid = len(request.phones) // 2
    first, second = (
        JournalRequest(
            request_id=f"{request.request_id}.{i}",
            params=request.params,
            phones=request.phones[lo:hi],
            positions=request.positions[lo:hi],
            url_length=None,
            not_before=request.not_before,
        )
        for i, (lo, hi) in enumerate(((0, mid), (mid, len(request.phones))), start=1)
    )
    return first, second


def decide(request: JournalRequest, result: list[str] | BaseException | object) -> Decision:
    """The decision for one request, from its message IDs or the error it ended with.

    Parameters
    ----------
    request : JournalRequest
        The request as claimed from the journal.
    result : list of str, exception, or CANCELLED
        What ``Client.send`` returned or raised, or :data:`CANCELLED`.

    Returns
    -------
    Decision
    """
    if isinstance(result, list):
        return Decision("sent", request, message_ids=tuple(result))
    if result is CANCELLED:
        return Decision("release", request)
    if isinstance(result, RequestNotSentError):
        return Decision("replan", request, str(result), type(result).__name__)
    if isinstance(result, DuplicateRequestError):
        if result.local:
            return Decision(
                "skip",
                request,
                "duplicate of an identical request (same phone and message) this client sent "
                "less than a minute ago; not sent again",
                "duplicate",
            )
        return Decision(
            "unknown",
            request,
            f"{result.text} (an identical request reached the provider less than a minute "
            "ago, so these messages may already be out)",
            "duplicate",
        )
    if isinstance(result, ProviderError):
        kind = type(result).__name__
        if result.may_have_been_sent:  # held until the account is topped up
            return Decision("unknown", request, result.text, kind, account_wide=True)
        if isinstance(result, AccountError):
            return Decision("replan", request, result.text, kind, account_wide=True)
        if isinstance(result, PhoneError | DirectionClosedError) and len(request.phones) > 1:
            return Decision("split", request, result.text, kind, parts=halves(request))
        return Decision("failed", request, result.text, kind)
    if isinstance(result, OutcomeUnknownError):
        return Decision("unknown", request, str(result), type(result).__name__)
    text = f"unexpected {type(result).__name__} while sending: {result}"
    return Decision("unknown", request, text, type(result).__name__)
