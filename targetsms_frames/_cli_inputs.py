"""What the command line takes in before it acts: the client, ``-d`` values, the user's go.

Rules kept here:

- **Credentials**: from the environment or ``./.env``; a loopback endpoint (``--base-url
  http://127.0.0.1:8055/sendmessage.php``, a ``targetsms-frames sandbox``) needs none: the
  sandbox's demo login is used when none is set.
- **``-d KEY=VALUE``** fills blank cells only (``render``'s defaults). A table that already holds
  another value in that column is an error naming the table, the rows and the values: a
  campaign-wide value never silently loses to a cell, nor silently overrides one.
- **A real send asks first**: it shows messages, requests and cost, then asks; ``--yes`` skips
  the question, and with no terminal to ask on, the send is refused unless ``--yes``.

Examples
--------
>>> parse_defaults(["sender_sms=Shop", "send_sms=1"])
{'sender_sms': 'Shop', 'send_sms': '1'}
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Final
from urllib.parse import urlsplit

import pandas as pd
import typer

from ._cli_output import UserError, say
from ._client import Client
from ._config import ENV_BASE_URL, ENV_LOGIN, ENV_PASSWORD, check_base_url, is_loopback, load_dotenv
from ._exceptions import ConfigurationError, TargetSMSError
from ._io import read_table
from ._render import render
from ._schema import MESSAGE_COLUMNS
from ._statuses import read_journal
from ._summary import summarize
from .journal import exists as journal_exists
from .sandbox import Sandbox

__all__ = [
    "NOTHING_DONE",
    "DefaultOption",
    "PriceSmsOption",
    "PriceViberOption",
    "TemplatesOption",
    "TzOption",
    "check_defaults",
    "confirm_send",
    "interactive",
    "journal_states",
    "make_client",
    "parse_defaults",
    "read_messages",
]

NOTHING_DONE: Final = 1
#: The demo login a sandbox accepts (any non-empty pair works on one without credentials).
_SANDBOX_LOGIN: Final = "sandbox"


TemplatesOption = Annotated[Path | None, typer.Option("--templates", "-t", help="Templates table.")]
DefaultOption = Annotated[
    list[str] | None,
    typer.Option(
        "--default",
        "-d",
        help="Campaign-wide KEY=VALUE for blank cells, e.g. -d sender_sms=Shop (repeat); a "
        "table holding another value there is an error.",
    ),
]
PriceSmsOption = Annotated[
    float | None, typer.Option("--price-sms", help="Price of one SMS part.", min=0)
]
PriceViberOption = Annotated[
    float | None, typer.Option("--price-viber", help="Price of one Viber message.", min=0)
]
TzOption = Annotated[
    str | None,
    typer.Option(
        "--tz",
        help="Zone, e.g. Europe/Moscow, for times shown and, with --window or --start-at, for "
        "recipients without a zone of their own [default: this machine's].",
    ),
]


#: The name of the in-process sandbox of ``--sandbox``: the same in every command.
CLI_SANDBOX = "cli"


def read_messages(
    recipients: Path,
    templates: Path | None,
    default: list[str] | None,
    *,
    phone: str | None = None,
    sheet: str | None = None,
) -> pd.DataFrame:
    """``render(read_table(RECIPIENTS), read_table(TEMPLATES), **defaults)``, ``-d`` checked.

    ``phone`` names the recipients' phone column and ``sheet`` their Excel sheet.
    """
    defaults = parse_defaults(default)
    frame = read_table(recipients, phone=phone, **({} if sheet is None else {"sheet_name": sheet}))
    template_frame = read_table(templates) if templates is not None else None
    check_defaults(defaults, {"recipients": frame, "templates": template_frame})
    return render(frame, template_frame, errors="raise", **defaults)


def make_client(*, sandbox: bool, base_url: str | None, required: bool = True) -> Client | None:
    """A sandbox client, or one from the environment (after reading ``./.env``).

    A loopback endpoint without credentials gets the sandbox's demo login. With
    ``required=False`` missing credentials give ``None`` (a dry run plans with a safe
    allowance for them instead).
    """
    if sandbox:
        if base_url:
            raise UserError("--sandbox and --base-url exclude each other; pick one")
        # one name for every --sandbox run, so a rehearsal resumes with the next one
        return Client.sandbox(Sandbox(name=CLI_SANDBOX))
    load_dotenv(Path.cwd() / ".env")
    url = base_url or os.environ.get(ENV_BASE_URL)
    if url:
        check_base_url(url)
    missing = [name for name in (ENV_LOGIN, ENV_PASSWORD) if not os.environ.get(name)]
    if not missing:
        return Client(base_url=base_url)
    if url and is_loopback(urlsplit(url).hostname or ""):
        return Client(_SANDBOX_LOGIN, _SANDBOX_LOGIN, base_url=url)
    if not required:
        return None
    raise ConfigurationError(
        "TargetSMS credentials are missing: set "
        + " and ".join(missing)
        + " (in the environment or a .env file in this folder), or use --sandbox for a "
        "rehearsal without an account"
    )


def rehearsal_client(journal: str) -> Client:
    """A client of the in-process sandbox ``send --sandbox`` used, rebuilt from the journal.

    That sandbox ended with its command; this one remembers the messages the journal holds
    (same name, same seed), so their statuses come as they would have.
    """
    import json

    from ._time import epoch_seconds, utc_times
    from .journal import open_journal

    store = open_journal(journal)
    try:
        rows, requests = store.rows(), store.requests()
    finally:
        store.close()
    ids, texts = requests["request_id"], requests["params"]
    params = {r: json.loads(p) for r, p in zip(ids, texts, strict=True)}
    sent = rows[rows["message_id"].notna() & rows["sent_at"].notna()]
    created = epoch_seconds(utc_times(sent["sent_at"]))
    sandbox = Sandbox(name=CLI_SANDBOX)
    sandbox.restore(
        (str(m), str(phone), params.get(str(r), {}), float(at))
        for m, phone, r, at in zip(
            sent["message_id"], sent["phone"], sent["request_id"], created, strict=True
        )
    )
    return Client.sandbox(sandbox)


def parse_defaults(items: list[str] | None) -> dict[str, str]:
    """``["sender_sms=Shop", "send_sms=1"]`` as keyword arguments for ``render``."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"--default expects KEY=VALUE, got {item!r}")
        if key not in MESSAGE_COLUMNS:
            raise UserError(
                f"--default {key}: not a message column; use one of {', '.join(MESSAGE_COLUMNS)}"
            )
        out[key] = value
    return out


def _same(cell: object, value: str) -> bool:
    text = str(cell).strip()
    try:
        return float(text) == float(value)
    except ValueError:
        return text == value.strip()


def check_defaults(defaults: dict[str, str], tables: dict[str, pd.DataFrame | None]) -> None:
    """Refuse a ``-d`` value that a table's cells contradict (``-d`` only fills blanks).

    >>> check_defaults({"sender_sms": "Shop2"},
    ...                {"templates": pd.DataFrame({"sender_sms": ["Shop", None]})})
    Traceback (most recent call last):
    ...
    targetsms_frames._cli_output.UserError: -d sender_sms=Shop2 conflicts with the templates table, whose sender_sms column already holds 'Shop' (row 0); -d only fills blank cells: change the table, or leave out -d sender_sms
    """  # noqa: E501
    for key, value in defaults.items():
        if not value.strip():
            continue
        for name, table in tables.items():
            if table is None or key not in table.columns:
                continue
            cells = table[key]
            given = cells.notna() & (cells.astype("str").str.strip() != "")
            clash = given & ~cells.map(lambda cell, value=value: _same(cell, value))
            if clash.any():
                rows = ", ".join(str(label) for label in table.index[clash][:5])
                more = f" and {int(clash.sum()) - 5} more" if clash.sum() > 5 else ""
                shown = ", ".join(repr(str(v)) for v in pd.unique(cells[clash])[:3])
                raise UserError(
                    f"-d {key}={value} conflicts with the {name} table, whose {key} column "
                    f"already holds {shown} (row {rows}{more}); -d only fills blank cells: "
                    f"change the table, or leave out -d {key}"
                )


def journal_states(journal: str) -> pd.Series | None:
    """The ``send_state`` column an existing journal holds, or ``None``."""
    if not journal_exists(journal):
        return None
    try:
        return read_journal(journal)["send_state"]
    except (TargetSMSError, FileNotFoundError):
        return None


def interactive() -> bool:
    """Whether a person can answer a question (standard input is a terminal)."""
    return sys.stdin is not None and sys.stdin.isatty()


def confirm_send(plan: pd.DataFrame, client: Client) -> None:
    """Show what a real send is about to do and ask; raise ``typer.Exit`` unless the user agrees.

    ``plan`` is ``send(..., dry_run=True)`` for the same messages and journal: its
    ``planned`` rows are what would go now.
    """
    to_send = plan[plan["send_state"] == "planned"]
    if to_send.empty:
        return
    summary = summarize(to_send)
    if summary.go_now is not None:
        waits = "; ".join(f"{rows:,} at {label}" for label, _, rows in summary.opening_later)
        say(
            f"  inside their send window now: {summary.go_now:,}"
            + (f"; later: {waits}" if waits else "")
        )
    say(
        f"about to send {len(to_send):,} message(s) in {summary.requests or 0:,} request(s) to "
        f"{client.base_url} as {client.login!r}"
    )
    billed = f"  SMS parts {summary.sms_parts or 0:,}"
    if summary.viber_messages:
        billed += f", Viber messages {summary.viber_messages:,}"
    say(billed)
    if summary.cost is not None:
        most = summary.max_cost if summary.max_cost is not None else summary.cost
        tail = f" (up to {most:,.2f} if every cascade falls back)" if most > summary.cost else ""
        say(f"  cost {summary.cost:,.2f}{tail}")
    if not interactive():
        raise UserError(
            "a real send asks before sending and there is no terminal to ask on: add --yes "
            "to send without asking (or --dry-run to see the plan)"
        )
    if not typer.confirm("Send now?", default=False):
        say("nothing sent")
        raise typer.Exit(NOTHING_DONE)
