"""Send options: one object for what ``send``, ``preview`` and planning take besides the
frame, the client and the journal, checked once, before anything happens.

Examples
--------
>>> options = SendOptions.build(window=("09:00", "21:00"), tz="Europe/Moscow", rate="300/min")
>>> options.window, options.rate, options.scheduled
(Window(start=datetime.time(9, 0), end=datetime.time(21, 0)), 5.0, True)
>>> SendOptions.build(windows=("09:00", "21:00"))
Traceback (most recent call last):
...
TypeError: unknown option 'windows'; the options are: concurrency, durable, max_phones_per_request, max_unknown_in_a_row, max_url_length, price_sms, price_viber, progress, rate, region, skip_duplicates, start_at, tz, wait, window
"""  # noqa: E501

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Final, Literal

from ._plan import DEFAULT_MAX_PHONES, DEFAULT_MAX_URL_LENGTH
from ._policy import parse_rate
from ._time import Zone, zone, zone_key
from ._windows import Window, parse_start_at
from .journal import KeptSchedule

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_RATE", "SendOptions"]

DEFAULT_CONCURRENCY: Final = 16  # requests in flight at once
DEFAULT_RATE: Final = 500.0  # requests per second at most
_SCHEDULE: Final = ("window", "tz", "start_at")


@dataclass(frozen=True)
class SendOptions:
    """Planning, schedule, pacing and pricing of a campaign (see :func:`send`)."""

    region: str = "RU"
    max_url_length: int = DEFAULT_MAX_URL_LENGTH
    max_phones_per_request: int = DEFAULT_MAX_PHONES
    skip_duplicates: bool = True
    window: Window | None = None
    #: The campaign's zone: for rows with no zone of their own, and for ``start_at``.
    tz: tzinfo = field(default_factory=lambda: zone(None))
    #: UTC; nothing goes before it.
    start_at: datetime | None = None
    wait: bool = True
    concurrency: int = DEFAULT_CONCURRENCY
    #: Requests per second (``None``: no limit).
    rate: float | None = DEFAULT_RATE
    max_unknown_in_a_row: int = 5
    durable: bool = True
    price_sms: float | None = None
    price_viber: float | None = None
    progress: bool = True
    #: The schedule options the caller named (of ``window``, ``tz``, ``start_at``); a resume
    #: takes the others from its journal (:meth:`resumed`).
    given: frozenset[str] = field(default=frozenset(), repr=False)

    @classmethod
    def build(
        cls,
        *,
        window: Window | str | tuple[str, str] | Literal[False] | None = None,
        tz: Zone | None = None,
        start_at: datetime | str | None = None,
        rate: float | str | None = DEFAULT_RATE,
        **others: Any,
    ) -> SendOptions:
        """Check every option; a bad one raises before anything is planned or sent.

        ``window``, ``tz`` and ``start_at`` raise ``ValidationError``; ``rate`` and numbers
        out of range ``ValueError``; a name that is not an option ``TypeError``.
        ``window=False`` is no window, not even the one a resumed campaign was sent with.
        """
        names = {f.name for f in dataclasses.fields(cls)} - {"given"}
        unknown = sorted(set(others) - names)
        if unknown:
            raise TypeError(
                f"unknown option {unknown[0]!r}; the options are: {', '.join(sorted(names))}"
            )
        campaign_zone = zone(tz)
        named = {"window": window, "tz": tz, "start_at": start_at}
        options = cls(
            window=None if window is None or window is False else Window.parse(window),
            tz=campaign_zone,
            start_at=parse_start_at(start_at, campaign_zone),
            rate=parse_rate(rate),
            given=frozenset(name for name, value in named.items() if value is not None),
            **others,
        )
        if options.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if options.max_unknown_in_a_row < 1:
            raise ValueError("max_unknown_in_a_row must be at least 1")
        return options

    def for_send(self) -> dict[str, Any]:
        """These options as keyword arguments of :func:`send` (already checked); the schedule
        options the caller did not name stay unnamed, for a resume to take from its journal."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        del out["given"]
        for name in _SCHEDULE:
            if name not in self.given:
                out[name] = None
        if "window" in self.given and self.window is None:
            out["window"] = False
        return out

    def resumed(self, kept: KeptSchedule | None) -> SendOptions:
        """These options, with the schedule a journal keeps wherever the caller named none.

        >>> kept = KeptSchedule("09:00-21:00", "Asia/Omsk", None)
        >>> again = SendOptions.build().resumed(kept)
        >>> str(again.window), again.tz
        ('09:00-21:00', zoneinfo.ZoneInfo(key='Asia/Omsk'))
        >>> SendOptions.build(window=False).resumed(kept).window is None
        True
        """
        if kept is None:
            return self
        changes: dict[str, Any] = {}
        if "window" not in self.given and kept.window:
            changes["window"] = Window.parse(kept.window)
        if "start_at" not in self.given and kept.start_at is not None:
            changes["start_at"] = datetime.fromtimestamp(kept.start_at, UTC)
        if "tz" not in self.given:
            changes["tz"] = zone(kept.tz)
        return dataclasses.replace(self, **changes)

    def kept(self) -> KeptSchedule:
        """This schedule as a journal keeps it for the next resume."""
        return KeptSchedule(
            None if self.window is None else str(self.window),
            zone_key(self.tz),
            None if self.start_at is None else self.start_at.timestamp(),
        )

    @property
    def scheduled(self) -> bool:
        """Whether rows wait for a window or ``start_at``."""
        return self.window is not None or self.start_at is not None

    @property
    def prices(self) -> dict[str, float | None]:
        """The prices, as ``estimate_cost`` takes them."""
        return {"price_sms": self.price_sms, "price_viber": self.price_viber}

    @property
    def priced(self) -> bool:
        """Whether any price was given."""
        return self.price_sms is not None or self.price_viber is not None
