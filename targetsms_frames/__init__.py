"""targetsms-frames: TargetSMS SMS and Viber campaigns from pandas DataFrames.

Render templates per recipient, validate every provider rule, preview parts, cost and
requests, send with a journal that never sends twice, poll statuses and report delivery.

>>> import targetsms_frames as tsf
>>> issubclass(tsf.ProviderError, tsf.TargetSMSError)
True
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._clock import FastClock, ManualClock
from ._config import load_dotenv
from ._exceptions import (
    AccountError,
    ConfigurationError,
    DirectionClosedError,
    DuplicateRequestError,
    JournalError,
    JournalMismatchError,
    MessageContentError,
    OutcomeUnknownError,
    PhoneError,
    ProviderError,
    RenderError,
    RequestNotSentError,
    SenderError,
    StopListedError,
    TableNotFoundError,
    TableReadError,
    TargetSMSError,
    TransportError,
    UnexpectedReplyError,
    ValidationError,
)

if TYPE_CHECKING:
    from ._client import AsyncClient, Client
    from ._cost import estimate_cost
    from ._excel import write_excel
    from ._io import read_table
    from ._plot import plot_delivery
    from ._poll import poll_statuses
    from ._preview import preview
    from ._render import render
    from ._report import delivery_report
    from ._send import send
    from ._statuses import read_journal
    from ._summary import Summary, summarize
    from ._validate import validate
    from .sandbox import Faults, Sandbox

# What each name is loaded from, on first use: ``import targetsms_frames`` stays light (no
# pandas, pandera, httpx, matplotlib or openpyxl until a function that needs them is called).
_LAZY = {
    "AsyncClient": "._client",
    "Client": "._client",
    "Faults": ".sandbox",
    "Sandbox": ".sandbox",
    "Summary": "._summary",
    "delivery_report": "._report",
    "estimate_cost": "._cost",
    "plot_delivery": "._plot",
    "poll_statuses": "._poll",
    "preview": "._preview",
    "read_journal": "._statuses",
    "read_table": "._io",
    "render": "._render",
    "send": "._send",
    "summarize": "._summary",
    "validate": "._validate",
    "write_excel": "._excel",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # loaded once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__version__ = "0.1.0"

__all__ = [
    "AccountError",
    "AsyncClient",
    "Client",
    "ConfigurationError",
    "DirectionClosedError",
    "DuplicateRequestError",
    "FastClock",
    "Faults",
    "JournalError",
    "JournalMismatchError",
    "ManualClock",
    "MessageContentError",
    "OutcomeUnknownError",
    "PhoneError",
    "ProviderError",
    "RenderError",
    "RequestNotSentError",
    "Sandbox",
    "SenderError",
    "StopListedError",
    "Summary",
    "TableNotFoundError",
    "TableReadError",
    "TargetSMSError",
    "TransportError",
    "UnexpectedReplyError",
    "ValidationError",
    "__version__",
    "delivery_report",
    "estimate_cost",
    "load_dotenv",
    "plot_delivery",
    "poll_statuses",
    "preview",
    "read_journal",
    "read_table",
    "render",
    "send",
    "summarize",
    "validate",
    "write_excel",
]
