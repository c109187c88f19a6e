"""What each reply means for a request's rows: the at-most-once decision, in one place.

At most once, and why it holds
------------------------------
* A request is committed ``inflight`` in the journal before it leaves; a journal reopened with a
  request still ``inflight`` turns it into ``unknown`` (the process died while the request may
  have been on the wire). Nothing ``sent``, ``failed`` or ``unknown`` is ever sent again.
* The client retries only failures that prove nothing left (connection refused, DNS). A timeout
  after sending, a dropped connection, HTTP 5xx or an unreadable reply are ``unknown``.
* A provider error text means the request was refused, so its rows are ``failed``, except:
  the "no funds: the SMS will be sent once you top up" text (the message is held: ``unknown``),
  and the duplicate-request text. That one says an identical request reached the provider less
  than a minute ago. Our own client never repeats a request inside the window, so the earlier
  one is either another program's or an attempt of ours whose outcome we did not learn; either
  way these messages may already be out, so the rows are ``unknown``. We never *probe* with the
  duplicate rule (re-sending to see whether the provider calls it a duplicate): a probe that
  lands after the window, or on a provider that did not record the first attempt, sends twice.
* A per-phone refusal of a multi-phone request (stop list, phone, closed direction) sent
  nothing: the request is split in halves that are journaled as new requests and sent, until
  the refused phone stands alone and is marked ``failed`` with the provider's text.

Examples
--------
>>> from targetsms_frames._journal import JournalRequest
>>> request = JournalRequest("R000001", {}, ("79000000001", "79000000002", "79000000003"),
...                          (0, 1, 2), None)
>>> [part.phones for part in halves(request)]
[('79000000001',), ('79000000002', '79000000003')]
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ._exceptions import (
    DirectionClosedError,
    DuplicateRequestError,
    OutcomeUnknownError,
    PhoneError,
    ProviderError,
    RequestNotSentError,
)
from ._journal import Journal, JournalRequest

__all__ = ["Tally", "halves", "record"]

_NOT_SENT_STOP = 3  # requests in a row proven not to have left: the provider is unreachable


@dataclass
class Tally:
    """Running counts of a sending run, and why it stopped early (if it did)."""

    sent: int = 0
    failed: int = 0
    unknown: int = 0
    unknown_in_a_row: int = 0
    not_sent_in_a_row: int = 0
    stopped: str | None = None

    def postfix(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed, "unknown": self.unknown}


def halves(request: JournalRequest) -> list[JournalRequest]:
    mid = len(request.phones) // 2
    parts = []
    for i, (lo, hi) in enumerate(((0, mid), (mid, len(request.phones))), start=1):
        parts.append(
            JournalRequest(
                request_id=f"{request.request_id}.{i}",
                params=request.params,
                phones=request.phones[lo:hi],
                positions=request.positions[lo:hi],
                url_length=None,
            )
        )
    return parts


def record(
    journal: Journal,
    request: JournalRequest,
    result: list[str] | BaseException,
    tally: Tally,
    queue: deque[JournalRequest],
    max_unknown_in_a_row: int,
) -> None:
    n = len(request.phones)
    if isinstance(result, list):
        journal.record_sent(request.request_id, request.positions, result)
        tally.sent += n
        tally.unknown_in_a_row = tally.not_sent_in_a_row = 0
        return
    if isinstance(result, RequestNotSentError):
        journal.return_to_planned(request.request_id, str(result))
        tally.not_sent_in_a_row += 1
        if tally.not_sent_in_a_row >= _NOT_SENT_STOP:
            tally.stopped = f"the provider could not be reached ({result})"
        return
    tally.not_sent_in_a_row = 0
    if isinstance(result, ProviderError) and not result.may_have_been_sent:
        if isinstance(result, DuplicateRequestError):
            journal.record_outcome(
                request.request_id,
                "unknown",
                f"{result.text} (an identical request reached the provider less than a minute "
                "ago, so these messages may already be out)",
                "duplicate",
            )
            tally.unknown += n
            return
        if isinstance(result, PhoneError | DirectionClosedError) and n > 1:
            parts = halves(request)
            journal.split(request.request_id, parts, result.text)
            queue.extendleft(reversed(parts))
            return
        journal.record_outcome(request.request_id, "failed", result.text, type(result).__name__)
        tally.failed += n
        tally.unknown_in_a_row = 0
        if result.stops_campaign:
            tally.stopped = result.text
        return
    # ambiguous: may have been processed
    text = result.text if isinstance(result, ProviderError) else str(result)
    if not isinstance(result, OutcomeUnknownError | ProviderError):
        text = f"unexpected {type(result).__name__} while sending: {result}"
    journal.record_outcome(request.request_id, "unknown", text, type(result).__name__)
    tally.unknown += n
    tally.unknown_in_a_row += 1
    if tally.unknown_in_a_row >= max_unknown_in_a_row:
        tally.stopped = f"{tally.unknown_in_a_row} requests in a row had no clear answer ({text})"
