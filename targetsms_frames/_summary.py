"""``summarize``: a campaign in numbers, shown as one readable table in a notebook.

The same :class:`Summary` serves a preview, a send result and a status frame: what would go
(requests, SMS parts, cost), what went (sent, failed, unknown, skipped), what arrived
(delivered and the other outcomes of :func:`delivery_report`, both rates) and what it cost.
Its :meth:`Summary.to_frame` is the campaign sheet of an Excel export, the figures to set
beside the provider's bill.

Examples
--------
>>> import pandas as pd, targetsms_frames as tsf
>>> sandbox = tsf.Sandbox(clock=tsf.ManualClock(), status_delay=(5, 5))
>>> client = tsf.Client.sandbox(sandbox)
>>> msgs = pd.DataFrame({"phone": ["79000000001", "79000000002", "123"], "send_sms": 1,
...                      "sender_sms": "Shop", "text_sms": "Hi"})
>>> sent = tsf.send(msgs, client, progress=False, price_sms=4.5)
>>> summary = tsf.summarize(tsf.poll_statuses(sent, client, until_final=True, progress=False))
>>> summary.sent, summary.delivered, summary.reach_rate, summary.cost
(2, 2, 0.6666666666666666, 9.0)
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from typing import Any, Final

import pandas as pd

from ._cost import FREE_STATES, channel
from ._planning import DUPLICATE_REASON
from ._report import OUTCOME_LABELS, STATUS_OUTCOMES, delivery_report
from ._time import Zone, campaign_zone, local_times, utc_times, zone_name

__all__ = ["CHANNEL_NOTE", "Summary", "summarize"]

#: What the GET API cannot tell, said wherever money is shown.
CHANNEL_NOTE: Final = (
    "every channel of every cascade; the GET API does not say which channel delivered, so "
    "the bill lies between cost and this"
)


@dataclass(frozen=True)
class Summary:
    """A campaign in numbers; every field can be used as it is (``summary.cost``).

    Counts are of rows (messages). ``sms_parts`` and ``viber_messages`` count what the
    provider bills: rows that went or may have gone (not ``failed``, not ``skipped``).
    Outcome counts and rates are ``None`` until statuses are polled; money is ``None``
    without prices; ``first_sent``/``last_sent`` are in the zone ``tz``.
    """

    title: str
    messages: int
    planned: int
    sent: int
    failed: int
    unknown: int
    skipped: int
    invalid: int
    duplicates: int
    requests: int | None
    longest_url: int | None
    sms_parts: int | None
    ucs2_rows: int | None
    viber_messages: int
    cost: float | None
    max_cost: float | None
    delivered: int | None
    not_delivered: int | None
    expired: int | None
    no_status: int | None
    not_found: int | None
    other_final: int | None
    pending: int | None
    delivery_rate: float | None
    reach_rate: float | None
    first_sent: pd.Timestamp | None
    last_sent: pd.Timestamp | None
    tz: str
    #: With a send window or ``start_at``: rows that may go at once ...
    go_now: int | None = None
    #: ... and, for the rest, each opening (``"09:00 Asia/Vladivostok"``), when it comes in
    #: UTC, and its rows, earliest first.
    opening_later: tuple[tuple[str, pd.Timestamp, int], ...] = ()

    @property
    def is_preview(self) -> bool:
        """Nothing was sent yet: every row is planned or skipped."""
        return self.title == "Campaign preview"

    def rows(self) -> list[tuple[str, Any, str]]:
        """``(item, value, note)`` rows: the campaign sheet, and what is displayed."""
        out: list[tuple[str, Any, str]] = []
        if self.first_sent is not None and self.last_sent is not None:
            period = f"{self.first_sent:%Y-%m-%d %H:%M} - {self.last_sent:%Y-%m-%d %H:%M}"
            out.append(("sent between", period, self.tz))
        out.append(("messages", self.messages, "rows of the campaign"))
        if self.is_preview:
            longest = f", longest URL {self.longest_url:,} characters" if self.longest_url else ""
            note = f"in {self.requests or 0:,} requests{longest}"
            out.append(("to send", self.planned, note))
        else:
            for item, value, note in (
                ("sent", self.sent, "the provider returned a message ID"),
                ("failed", self.failed, "refused by the provider: nothing sent"),
                ("unknown", self.unknown, "may have been sent: no answer came"),
                ("planned", self.planned, "not sent yet"),
            ):
                if value or item == "sent":
                    out.append((item, value, note))
        if self.go_now is not None:
            out.append(("go now", self.go_now, "inside their send window"))
            for label, when, rows in self.opening_later:
                out.append((f"wait for {label}", rows, f"{when:%Y-%m-%d %H:%M} UTC"))
        if self.skipped:
            parts = [f"invalid: {self.invalid:,}"] * bool(self.invalid)
            parts += [f"duplicates: {self.duplicates:,}"] * bool(self.duplicates)
            out.append(("skipped", self.skipped, ", ".join(parts)))
        for key in STATUS_OUTCOMES:
            value, label = getattr(self, key), OUTCOME_LABELS[key]
            if value is not None and (value or key == "delivered"):
                out.append((label, value, ""))
        if self.delivery_rate is not None or self.reach_rate is not None:
            out.append(("delivery rate, %", _percent(self.delivery_rate), "delivered of final"))
            out.append(("reach rate, %", _percent(self.reach_rate), "delivered of messages"))
        if self.sms_parts is not None:
            ucs2 = "" if self.ucs2_rows is None else f"; UCS-2 rows: {self.ucs2_rows:,}"
            out.append(("SMS parts", self.sms_parts, f"billed per part{ucs2}"))
        if self.viber_messages:
            out.append(("Viber messages", self.viber_messages, "rows with Viber in the cascade"))
        if self.cost is not None:
            most = self.max_cost if self.max_cost is not None else self.cost
            fallback = (
                f"; up to {most:,.2f} if every cascade falls back"
                if most > self.cost + 1e-9
                else ""
            )
            out.append(("cost", round(self.cost, 2), f"first channel of each row{fallback}"))
        if self.max_cost is not None:
            out.append(("cost at most", round(self.max_cost, 2), CHANNEL_NOTE))
        return out

    def to_frame(self) -> pd.DataFrame:
        """The summary as a table (``item``, ``value``, ``note``): a campaign sheet."""
        return pd.DataFrame(self.rows(), columns=["item", "value", "note"])

    def to_dict(self) -> dict[str, Any]:
        """Every field by name."""
        return asdict(self)

    def __str__(self) -> str:
        lines = [(item, _shown(item, value), note) for item, value, note in self.rows()]
        width = max((len(item) for item, _, _ in lines), default=0) + 2
        body = "\n".join(
            f"  {item.ljust(width)} {value}" + (f" ({note})" if note else "")
            for item, value, note in lines
        )
        return f"{self.title}\n{body}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(item)}</th>"
            f"<td style='text-align:right'>{html.escape(_shown(item, value))}</td>"
            f"<td style='text-align:left;color:#666'>{html.escape(note)}</td></tr>"
            for item, value, note in self.rows()
        )
        caption = f"<caption style='text-align:left'><b>{html.escape(self.title)}</b></caption>"
        return f"<table>{caption}{cells}</table>"


def _percent(rate: float | None) -> float | None:
    return None if rate is None or pd.isna(rate) else round(100.0 * rate, 1)


def _shown(item: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.1f}" if item.endswith("%") else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _count(state: pd.Series, value: str) -> int:
    return int((state == value).sum())


def summarize(frame: pd.DataFrame, *, tz: Zone | None = None) -> Summary:
    """Sum up what :func:`preview`, :func:`send` or :func:`poll_statuses` returned.

    Parameters
    ----------
    frame : pandas.DataFrame
        A preview, a send result or a status frame (or :func:`read_journal`'s).
    tz : str or tzinfo, optional
        Zone of the ``sent between`` times (default: the campaign's, noted on the frames of
        ``send`` and ``read_journal``, else the machine's own).

    Returns
    -------
    Summary
        Numbers as attributes (``summary.delivered``, ``summary.cost``...), a readable
        table in a notebook, ``str`` for a terminal and ``to_frame()`` for a sheet.

    Examples
    --------
    >>> import pandas as pd, targetsms_frames as tsf
    >>> msgs = pd.DataFrame({"phone": ["79000000001", "79000000002"], "send_sms": 1,
    ...                      "sender_sms": "Shop", "text_sms": "Hi"})
    >>> summary = tsf.summarize(tsf.preview(msgs, price_sms=2.0))
    >>> summary.planned, summary.sms_parts, summary.cost
    (2, 2, 4.0)
    """
    tz = campaign_zone(frame, tz)
    n = len(frame)
    state = (
        frame["send_state"].astype("str")
        if "send_state" in frame
        else pd.Series("planned", index=frame.index, dtype="str")
    )
    skipped = state == "skipped"
    live = ~state.isin(FREE_STATES)
    planned = _count(state, "planned")
    if "duplicate" in frame:
        dup = frame["duplicate"].astype("boolean").fillna(False).astype(bool)
    else:
        reason = frame.get("send_error", pd.Series(pd.NA, index=frame.index)).astype("str")
        dup = reason.str.startswith(DUPLICATE_REASON).fillna(False).astype(bool)
    duplicates = int((skipped & dup).sum())
    parts = pd.to_numeric(frame["sms_parts"], errors="coerce") if "sms_parts" in frame else None
    ucs2 = frame["sms_encoding"] == "UCS-2" if "sms_encoding" in frame else None
    requests = (
        frame.loc[state == "planned", "request_id"].nunique() if "request_id" in frame else None
    )
    # of the requests that go: a row too long to send is skipped with its length as reason
    longest = frame.loc[live & ~skipped, "url_length"].max() if "url_length" in frame else None
    sent_at = local_times(frame["sent_at"], tz) if "sent_at" in frame else None
    polled = delivery_report(frame).iloc[0] if "status" in frame else None
    go_now, later = _openings(frame, state)

    def outcome(name: str) -> int | None:
        return None if polled is None else int(polled[name])

    def money(name: str) -> float | None:
        return round(float(frame.loc[live, name].sum()), 2) if name in frame else None

    def rate(name: str) -> float | None:
        return None if polled is None or pd.isna(polled[name]) else float(polled[name])

    return Summary(
        title="Campaign preview" if planned + int(skipped.sum()) == n else "Campaign",
        messages=n,
        planned=planned,
        sent=_count(state, "sent"),
        failed=_count(state, "failed"),
        unknown=_count(state, "unknown"),
        skipped=int(skipped.sum()),
        invalid=int(skipped.sum()) - duplicates,
        duplicates=duplicates,
        requests=None if requests is None else int(requests),
        longest_url=None if longest is None or pd.isna(longest) else int(longest),
        sms_parts=None if parts is None else int(parts[live].fillna(0).sum()),
        ucs2_rows=None if parts is None or ucs2 is None else int((ucs2 & live & (parts > 0)).sum()),
        viber_messages=int((live & (channel(frame, "send_viber") > 0)).sum()),
        cost=money("cost"),
        max_cost=money("max_cost"),
        delivered=outcome("delivered"),
        not_delivered=outcome("not_delivered"),
        expired=outcome("expired"),
        no_status=outcome("no_status"),
        not_found=outcome("not_found"),
        other_final=outcome("other_final"),
        pending=outcome("pending"),
        delivery_rate=rate("delivery_rate"),
        reach_rate=rate("reach_rate"),
        first_sent=None if sent_at is None or sent_at.isna().all() else sent_at.min(),
        last_sent=None if sent_at is None or sent_at.isna().all() else sent_at.max(),
        tz=zone_name(tz),
        go_now=go_now,
        opening_later=later,
    )


def _openings(
    frame: pd.DataFrame, state: pd.Series
) -> tuple[int | None, tuple[tuple[str, pd.Timestamp, int], ...]]:
    """Rows of a scheduled campaign that go now, and the later openings with their rows."""
    if "not_before" not in frame:
        return None, ()
    planned = (state == "planned").to_numpy()
    opens = utc_times(frame["not_before"])[planned]
    if opens.isna().all():
        return None, ()
    now = pd.Timestamp(frame.attrs.get("planned_at", opens.min()))
    zones = (
        frame["send_zone"].astype("str")[planned]
        if "send_zone" in frame
        else pd.Series("UTC", index=opens.index, dtype="str")
    )
    waiting = opens > now
    counts = (
        pd.DataFrame({"when": opens[waiting], "zone": zones[waiting]})
        .groupby(["when", "zone"], sort=True)
        .size()
    )
    later = []
    for key, rows in counts.items():
        when, name = pd.Timestamp(key[0]), str(key[1])  # type: ignore[index]
        later.append((f"{when.tz_convert(name):%H:%M} {name}", when, int(rows)))
    return int((~waiting & opens.notna()).sum()), tuple(later)
