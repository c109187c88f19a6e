"""Every error targetsms-frames raises, under one root.

The tree::

    TargetSMSError
    ├── ConfigurationError            missing credentials, plain http to a non-loopback host...
    ├── ValidationError               bad rows; ``.failure_cases`` lists every one (also ValueError)
    │   └── RenderError               unknown placeholder, missing value, unknown template key
    ├── TableReadError                a file cannot be read as a table (also ValueError)
    │   └── TableNotFoundError        the file does not exist (also FileNotFoundError)
    ├── JournalError                  the journal cannot be used (not a journal, separated from
    │   │                             its -wal file, written by a newer version)
    │   └── JournalMismatchError      the journal holds other rows, or belongs to another
    │                                 endpoint or login
    ├── TransportError                the exchange with the provider did not give a clear answer
    │   ├── RequestNotSentError       proven that nothing left: connection refused, DNS failure
    │   └── OutcomeUnknownError       the request may have been processed: timeout after sending,
    │       │                         dropped connection, HTTP 5xx
    │       └── UnexpectedReplyError  HTTP 200 but not a readable answer (HTML, empty, ID count
    │                                 not matching the phones); ``.raw`` keeps the reply
    └── ProviderError                 the provider answered with an error text (``.text``, verbatim)
        ├── DuplicateRequestError     an identical request within the duplicate window
        ├── AccountError              account blocked, out of SMS, no funds
        ├── SenderError               sender missing, too long, unknown, not approved
        ├── PhoneError                phone missing, too long, stop-listed
        │   └── StopListedError       the phone is on the stop list
        ├── DirectionClosedError      the destination is closed for the account
        └── MessageContentError       no text, no link, text rejected by the moderator

No message of any of these ever contains the account password: URLs are redacted before they
are put into an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

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
    "TableNotFoundError",
    "TableReadError",
    "TargetSMSError",
    "TransportError",
    "UnexpectedReplyError",
    "ValidationError",
]


class TargetSMSError(Exception):
    """Root of every error raised by targetsms-frames."""


class ConfigurationError(TargetSMSError):
    """Credentials or connection settings are missing or unsafe."""


class ValidationError(TargetSMSError, ValueError):
    """One or more rows break a rule; ``failure_cases`` lists all of them.

    Parameters
    ----------
    message : str
        Human-readable summary (first failures shown).
    failure_cases : pandas.DataFrame
        One row per failure with at least the columns ``index`` (the row label in the
        caller's frame), ``column`` and ``rule`` (plain words).
    """

    def __init__(self, message: str, failure_cases: pd.DataFrame) -> None:
        super().__init__(message)
        self.failure_cases = failure_cases


class RenderError(ValidationError):
    """A template could not be filled for one or more rows."""


class TableReadError(TargetSMSError, ValueError):
    """The file cannot be read as a table (unknown extension, unreadable content)."""


class TableNotFoundError(TableReadError, FileNotFoundError):
    """The file does not exist."""


class JournalError(TargetSMSError):
    """The campaign journal cannot be opened or is inconsistent."""


class JournalMismatchError(JournalError):
    """The journal holds other rows than the messages given (the message says which), or
    belongs to another endpoint or login."""


class TransportError(TargetSMSError):
    """The exchange with the provider did not produce a clear answer.

    ``url`` is the request URL with the password redacted (or ``None``).
    """

    #: Whether the provider may have processed the request (and sent messages).
    may_have_been_sent: bool = True

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class RequestNotSentError(TransportError):
    """Proven that the request never reached the provider; safe to retry."""

    may_have_been_sent = False


class OutcomeUnknownError(TransportError):
    """The request may have reached the provider; never re-send it blindly."""


class UnexpectedReplyError(OutcomeUnknownError):
    """The provider's reply could not be understood; ``raw`` holds it (truncated)."""

    def __init__(self, message: str, *, raw: str, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.raw = raw


class ProviderError(TargetSMSError):
    """The provider answered with an error text, kept verbatim in ``text``.

    Attributes
    ----------
    text : str
        The provider's reply, exactly as received.
    may_have_been_sent : bool
        ``False`` for errors that mean the request was refused; ``True`` for the few texts
        that say the message is held and may still go out (for example "no funds: the SMS
        will be sent once you top up").
    stops_campaign : bool
        Whether every later request would fail the same way (account blocked, out of SMS).
    """

    may_have_been_sent: bool = False
    stops_campaign: bool = False

    def __init__(self, text: str, *, url: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.url = url

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.text,), {"url": self.url})


class DuplicateRequestError(ProviderError):
    """An identical request was sent less than the duplicate window ago.

    Raised by the provider (its verbatim text) or, without contacting it, by the client
    itself (``local`` is then true): ``Client.send`` refuses a repeated request by default.
    """

    #: Refused by this client without contacting the provider.
    local: bool = False


class AccountError(ProviderError):
    """The account cannot send: blocked, out of SMS or out of funds."""

    stops_campaign = True


class SenderError(ProviderError):
    """The sender name is missing, too long, unknown or not approved."""


class PhoneError(ProviderError):
    """A phone number is missing, malformed or refused."""


class StopListedError(PhoneError):
    """A phone number in the request is on the stop list."""


class DirectionClosedError(ProviderError):
    """The destination (country or operator) is closed for the account."""


class MessageContentError(ProviderError):
    """The message text or link is missing, or the text was rejected."""
