"""What one status check's answer means for its row: the decision ``poll_statuses`` applies.

Polling always ends, because every answer is one of four verdicts and none of them can keep a
row open for ever:

=============  ==========================================================  ======================
verdict        answer                                                      the row
=============  ==========================================================  ======================
``status``     a status word: ``send``, ``deliver``, ``read``, a new word   ``send`` stays open;
                                                                           any other word is final
``refused``    the check is refused for this message (``Сообщение не       final: ``status`` is the
               найдено.``, ``Неверный ID сообщения.``, any refusal that is  provider's text, never
               not about the account)                                      asked again
``account``    a refusal for the whole account (wrong login or password,    polling stops with the
               blocked, out of funds)                                      ``ProviderError``
``no_answer``  no clear answer: timeout, dropped connection, HTTP 5xx, an   asked again a minute
               unreadable reply, the duplicate-request text                later, at most
                                                                           ``max_errors_in_a_row``
                                                                           times in a row
=============  ==========================================================  ======================

One safety net keeps an unrecognised account-wide text from closing a whole campaign: a
refusal that names neither the message nor the account (``refusal_scope`` is ``other``) is
final for its message, unless the same text answers :data:`SAME_TEXT_STOP` checks in a row.
Then it is taken to be about the account: those rows stay open and polling stops.

Examples
--------
>>> from targetsms_frames._wire import classify_error
>>> judge("deliver")
Verdict(kind='status', text='deliver', recognised=True)
>>> judge(classify_error("Сообщение не найдено."))
Verdict(kind='refused', text='Сообщение не найдено.', recognised=True)
>>> judge(classify_error("Неверный логин или пароль.")).kind
'account'
>>> judge(TimeoutError("read timed out")).kind
'no_answer'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from ._exceptions import AccountError, DuplicateRequestError, ProviderError
from ._facts import ACCOUNT_WORDS, CREDENTIAL_WORDS, MESSAGE_WORDS

__all__ = ["SAME_TEXT_STOP", "Streak", "Verdict", "judge", "refusal_scope"]

#: Checks in a row answered with one unrecognised refusal text that stop polling.
SAME_TEXT_STOP: Final = 5

Kind = Literal["status", "refused", "account", "no_answer"]


def refusal_scope(error: ProviderError) -> Literal["account", "message", "other"]:
    """What a refused status check is about: the whole account, the message, or not said.

    ``account``: an ``AccountError`` text (blocked, out of SMS or funds) or wording about
    the login, password or authorisation; every other check would be refused the same way.
    ``message``: wording about the message or its ID (``Сообщение не найдено.``, ``Неверный
    ID сообщения.``): the provider does not know this ID. ``other``: a refusal that names
    neither. Credentials are looked for first, then the message, then the account.

    >>> from targetsms_frames._wire import classify_error
    >>> refusal_scope(classify_error("Неверный логин или пароль."))
    'account'
    >>> refusal_scope(classify_error("Сообщение не найдено."))
    'message'
    >>> refusal_scope(classify_error("Аккаунт заблокирован."))
    'account'
    >>> refusal_scope(classify_error("Ошибка 17."))
    'other'
    """
    text = error.text
    if isinstance(error, AccountError) or CREDENTIAL_WORDS.search(text):
        return "account"
    if MESSAGE_WORDS.search(text):
        return "message"
    return "account" if ACCOUNT_WORDS.search(text) else "other"


@dataclass(frozen=True)
class Verdict:
    """The meaning of one answer. ``text``: the status word, refusal text or error.

    ``recognised`` is false only for a refusal whose wording names neither the message nor
    the account (see :class:`Streak`).
    """

    kind: Kind
    text: str
    recognised: bool = True


def judge(result: str | BaseException) -> Verdict:
    """The verdict for what ``client.status`` returned or raised."""
    if isinstance(result, str):
        return Verdict("status", result)
    if isinstance(result, ProviderError) and not isinstance(result, DuplicateRequestError):
        scope = refusal_scope(result)
        if scope == "account":
            return Verdict("account", result.text)
        return Verdict("refused", result.text, recognised=scope == "message")
    return Verdict("no_answer", f"{type(result).__name__}: {result}".rstrip(": "))


@dataclass
class Streak:
    """Rows answered in a row with one unrecognised refusal text.

    ``add`` returns true once the streak reaches :data:`SAME_TEXT_STOP`: the text is then
    taken to concern the account, and ``positions`` are the rows to leave open. Any other
    clear answer ends the streak; an unclear one (``no_answer``) says nothing and is passed
    over.

    >>> streak = Streak()
    >>> [streak.add(pos, Verdict("refused", "Ошибка 17.", recognised=False)) for pos in range(5)]
    [False, False, False, False, True]
    >>> streak.add(5, Verdict("status", "send")), streak.positions
    (False, [])
    """

    text: str | None = None
    positions: list[int] = field(default_factory=list)

    def add(self, pos: int, verdict: Verdict) -> bool:
        """Count one answer; true when the streak is long enough to stop polling."""
        if verdict.kind == "no_answer":
            return False
        if verdict.kind != "refused" or verdict.recognised:
            self.text, self.positions = None, []
            return False
        if verdict.text != self.text:
            self.text, self.positions = verdict.text, []
        self.positions.append(pos)
        return len(self.positions) >= SAME_TEXT_STOP
