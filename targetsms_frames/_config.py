"""Connection settings: credentials from arguments or the environment, and a safe base URL.

Arguments win over ``TARGETSMS_LOGIN``, ``TARGETSMS_PASSWORD`` and ``TARGETSMS_BASE_URL``; a
``.env`` file is read only by the command line. The password lives in a :class:`Secret` whose
``repr`` and ``str`` never show it.

Examples
--------
>>> settings = Settings.resolve("shop", "s3cret", base_url=None, environ={})
>>> settings
Settings(login='shop', password=Secret('***'), base_url='https://sms.targetsms.ru/sendmessage.php')
>>> Settings.resolve("shop", "pw", base_url="http://example.com/x", environ={})
Traceback (most recent call last):
...
targetsms_frames._exceptions.ConfigurationError: plain http:// is only allowed for loopback hosts (127.0.0.1, ::1, localhost); use https:// for example.com
"""  # noqa: E501

from __future__ import annotations

import ipaddress
import os
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ._exceptions import ConfigurationError
from ._facts import DEFAULT_BASE_URL

__all__ = ["Secret", "Settings", "is_loopback", "live_secrets", "load_dotenv"]

ENV_LOGIN = "TARGETSMS_LOGIN"
ENV_PASSWORD = "TARGETSMS_PASSWORD"
ENV_BASE_URL = "TARGETSMS_BASE_URL"


_live: weakref.WeakSet[Secret] = weakref.WeakSet()


class Secret:
    """A string that does not show itself: ``repr``/``str`` print ``***``.

    It also knows how to take itself out of a text (:meth:`redact`), so no code outside it
    ever holds the plain password in a variable of its own, and every live secret is known to
    the log filter that scrubs httpx's records.

    >>> s = Secret("hunter2")
    >>> s, str(s), s.reveal()
    (Secret('***'), '***', 'hunter2')
    >>> s.redact("echo of password=hunter2"), s.quoted_length()
    ('echo of password=***', 7)
    """

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        if value:
            _live.add(self)

    def reveal(self) -> str:
        """Return the secret value (only for building the request)."""
        return self._value

    def redact(self, text: str) -> str:
        """``text`` with every form of this secret, and any ``password=`` value, as ``***``."""
        from ._wire import redact

        return redact(text, self._value)

    def quoted_length(self) -> int:
        """Length of the value percent-encoded in a URL."""
        from ._wire import quote_value

        return len(quote_value(self._value))

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def live_secrets() -> list[Secret]:
    """Every secret still in use in this process (for scrubbing log records)."""
    return list(_live)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (``localhost``, ``127.0.0.0/8``, ``::1``).

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("10.0.0.1")
    (True, True, False)
    """
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """Return ``url`` if it is https, or http to a loopback host; else raise."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigurationError(f"base_url must be an http(s) URL with a host, got {url!r}")
    if parts.query or parts.fragment:
        raise ConfigurationError("base_url must not carry a query string or fragment")
    if parts.scheme == "http" and not is_loopback(host):
        raise ConfigurationError(
            "plain http:// is only allowed for loopback hosts (127.0.0.1, ::1, localhost); "
            f"use https:// for {host}"
        )
    return url


@dataclass(frozen=True)
class Settings:
    """Resolved login, password and base URL of one account."""

    login: str
    password: Secret
    base_url: str

    @classmethod
    def resolve(
        cls,
        login: str | None,
        password: str | Secret | None,
        *,
        base_url: str | None,
        environ: Mapping[str, str] | None = None,
    ) -> Settings:
        """Take each setting from its argument, else from the environment, else fail clearly."""
        env = os.environ if environ is None else environ
        login = login if login is not None else env.get(ENV_LOGIN)
        if password is None:
            password = env.get(ENV_PASSWORD)
        secret = password if isinstance(password, Secret) else Secret(password or "")
        missing = [
            name
            for name, value in ((ENV_LOGIN, login), (ENV_PASSWORD, secret.reveal()))
            if not value
        ]
        if missing:
            raise ConfigurationError(
                "TargetSMS credentials are missing: pass login= and password= or set "
                + " and ".join(missing)
                + " (a .env file works with the command line); for a rehearsal without an "
                "account use tsf.Client.sandbox()"
            )
        assert login is not None
        url = check_base_url(base_url or env.get(ENV_BASE_URL) or DEFAULT_BASE_URL)
        return cls(login=login, password=secret, base_url=url)


def load_dotenv(path: str | Path = ".env", environ: dict[str, str] | None = None) -> list[str]:
    """Read a ``.env`` file's ``KEY=value`` lines into the environment (existing keys win).

    The file is read by python-dotenv: quotes, ``export``, comments (``# ...`` after a value
    too) and escapes as the usual ``.env`` files write them. Returns the names that were set;
    a missing file sets nothing. Use it in a notebook to keep credentials out of the notebook.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), ".env")
    >>> _ = open(path, "w").write("TARGETSMS_LOGIN=shop  # the shop's account" + chr(10)
    ...                           + "TARGETSMS_PASSWORD='s3cret # not a comment'")
    >>> env = {}
    >>> load_dotenv(path, environ=env), env["TARGETSMS_LOGIN"], env["TARGETSMS_PASSWORD"]
    (['TARGETSMS_LOGIN', 'TARGETSMS_PASSWORD'], 'shop', 's3cret # not a comment')
    """
    from dotenv import dotenv_values

    target = os.environ if environ is None else environ
    file = Path(path)
    if not file.is_file():
        return []
    loaded = []
    for key, value in dotenv_values(file, encoding="utf-8").items():
        if key and value is not None and key not in target:
            target[key] = value
            loaded.append(key)
    return loaded
