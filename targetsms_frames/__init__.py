"""targetsms-frames: TargetSMS SMS and Viber campaigns from pandas DataFrames.

Render templates per recipient, validate every provider rule, preview parts, cost and
requests, send with a journal that never sends twice, poll statuses and report delivery.

>>> import targetsms_frames as tsf
>>> issubclass(tsf.ProviderError, tsf.TargetSMSError)
True
"""

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
    TargetSMSError,
    TransportError,
    UnexpectedReplyError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "AccountError",
    "ConfigurationError",
    "DirectionClosedError",
    "DuplicateRequestError",
    "JournalError",
    "JournalMismatchError",
    "MessageContentError",
    "OutcomeUnknownError",
    "PhoneError",
    "ProviderError",
    "RenderError",
    "RequestNotSentError",
    "SenderError",
    "StopListedError",
    "TargetSMSError",
    "TransportError",
    "UnexpectedReplyError",
    "ValidationError",
    "__version__",
]
