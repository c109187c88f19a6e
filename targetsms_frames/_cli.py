"""The ``targetsms-frames`` command: preview, send, status, report, sandbox and demo.

Each command is a thin shell over the Python functions, so one journal serves the shell and a
notebook alike: ``send`` is ``send(render(read_table(RECIPIENTS), read_table(TEMPLATES)),
client, journal=...)``, ``status`` is ``poll_statuses(journal=...)`` and ``report`` is
``delivery_report(read_journal(...), by)``. What the commands take in (credentials, ``-d``
values, the confirmation before a real send) is in :mod:`._cli_inputs`.

User mistakes (a missing file, an unknown extension, missing credentials, rows that cannot be
rendered, a journal of another campaign, plain http to a remote host) print one line starting
with ``error:`` (a validation error adds its first failing rows) and exit with code 2; no
traceback. A ``send`` that could send nothing exits with code 1. The password is never printed.

Examples
--------
>>> from typer.testing import CliRunner
>>> result = CliRunner().invoke(app, ["report", "--journal", "no-such-campaign.sqlite"])
>>> result.exit_code, result.output.strip()
(2, "error: no campaign journal at 'no-such-campaign.sqlite'")
"""

from __future__ import annotations

import contextlib
import logging
import socket
from pathlib import Path
from typing import Annotated, Final

import pandas as pd
import typer

from ._cli_inputs import (
    NOTHING_DONE,
    DefaultOption,
    PriceSmsOption,
    PriceViberOption,
    TemplatesOption,
    TzOption,
    confirm_send,
    journal_states,
    make_client,
    read_messages,
    rehearsal_client,
)
from ._cli_output import (
    OUT_SUFFIXES,
    UserError,
    check_suffix,
    count_lines,
    report_table,
    save_plot,
    say,
    status_problems,
    user_errors,
    write_frame,
)
from ._config import is_loopback
from ._cost import estimate_cost
from ._options import DEFAULT_CONCURRENCY, DEFAULT_RATE, SendOptions
from ._poll import poll_statuses
from ._preview import preview
from ._report import delivery_report
from ._send import send
from ._statuses import read_journal
from ._summary import summarize
from .journal import exists as journal_exists

__all__ = ["app", "main"]

_PLOT_SUFFIXES: Final = (".png", ".svg", ".pdf", ".jpg", ".jpeg")

app = typer.Typer(
    name="targetsms-frames",
    help="TargetSMS SMS and Viber campaigns from CSV, Excel or Parquet tables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# -- commands ----------------------------------------------------------------------------

JournalOption = Annotated[
    str,
    typer.Option(
        "--journal",
        "-j",
        help="The campaign's journal: an SQLite file, or a postgresql:// URL shared by a team.",
    ),
]
WindowOption = Annotated[
    str | None,
    typer.Option(
        "--window",
        help="Send only inside each recipient's local daytime, e.g. 09:00-21:00 (the "
        "'timezone' column, else the phone's zone, else --tz).",
    ),
]
StartAtOption = Annotated[
    str | None,
    typer.Option("--start-at", help="Send nothing before this moment, e.g. '2026-12-04 10:00'."),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="Provider endpoint (overrides TARGETSMS_BASE_URL); http only for loopback hosts.",
    ),
]
PhoneColumnOption = Annotated[
    str | None,
    typer.Option("--phone-column", help="The recipients' column holding phones, e.g. 'Телефон'."),
]
SheetOption = Annotated[
    str | None, typer.Option("--sheet", help="The Excel sheet to read [default: the first].")
]


SandboxFlag = Annotated[
    bool, typer.Option("--sandbox", help="Use a built-in in-process sandbox: no credentials.")
]


@app.command("preview")
def preview_command(
    recipients: Annotated[Path, typer.Argument(help="Recipients table (.csv, .xlsx, .parquet).")],
    templates: TemplatesOption = None,
    price_sms: PriceSmsOption = None,
    price_viber: PriceViberOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the plan (.csv, .xlsx, .parquet).")
    ] = None,
    default: DefaultOption = None,
    window: WindowOption = None,
    tz: TzOption = None,
    start_at: StartAtOption = None,
    phone_column: PhoneColumnOption = None,
    sheet: SheetOption = None,
) -> None:
    """Show what send would do (phones, SMS parts, requests, cost, when each may go) without
    sending anything."""
    with user_errors():
        check_suffix(out, OUT_SUFFIXES, "the plan")
        messages = read_messages(recipients, templates, default, phone=phone_column, sheet=sheet)
        plan = preview(
            messages,
            price_sms=price_sms,
            price_viber=price_viber,
            window=window,
            tz=tz,
            start_at=start_at,
        )
        summary = summarize(plan, tz=tz)
        say(str(summary))
        reasons = plan.loc[plan["send_state"] == "skipped", "send_error"]
        if len(reasons):
            say("why rows would be skipped:")
            say("\n".join(line[:160] for line in count_lines(reasons)[:5]))
        if out is not None:
            written = write_frame(plan, out, "plan", tz=tz, campaign=summary.to_frame())
            say(f"plan: {written}")


@app.command("send")
def send_command(
    recipients: Annotated[Path, typer.Argument(help="Recipients table (.csv, .xlsx, .parquet).")],
    journal: JournalOption,
    templates: TemplatesOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write results (.csv, .xlsx, .parquet).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan only; send nothing.")] = False,
    sandbox: SandboxFlag = False,
    base_url: BaseUrlOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Send without asking first (for scripts).")
    ] = False,
    price_sms: PriceSmsOption = None,
    price_viber: PriceViberOption = None,
    rate: Annotated[
        str,
        typer.Option(
            help="Requests at most: per second (500), or '300/min', '10000/h'; 0: no limit."
        ),
    ] = f"{DEFAULT_RATE:g}",
    concurrency: Annotated[int, typer.Option(help="Requests at once.", min=1)] = (
        DEFAULT_CONCURRENCY
    ),
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    default: DefaultOption = None,
    phone_column: PhoneColumnOption = None,
    sheet: SheetOption = None,
    extend: Annotated[
        bool,
        typer.Option(
            "--extend",
            help="Add the rows new to the journal's campaign (a late recipient) and send them; "
            "phones the campaign already messaged are skipped.",
        ),
    ] = False,
    window: WindowOption = None,
    no_window: Annotated[
        bool,
        typer.Option(
            "--no-window",
            help="Send without a send window, not even the one the journal keeps from an "
            "earlier run of this campaign.",
        ),
    ] = False,
    tz: TzOption = None,
    start_at: StartAtOption = None,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait",
            help="With --window or --start-at: keep sending as windows open, or send what may "
            "go now and stop (run again later with the same journal).",
        ),
    ] = True,
) -> None:
    """Render and send a campaign, journaled so that running it again resumes it.

    A real send (not --sandbox, not --dry-run) first shows the messages, requests and cost
    and asks; --yes skips the question.
    """
    with user_errors():
        check_suffix(out, OUT_SUFFIXES, "results")
        client = make_client(sandbox=sandbox, base_url=base_url, required=not dry_run)
        if sandbox and journal_exists(journal):
            # the built-in sandbox of the earlier runs, with the messages they sent: its
            # message IDs go on from theirs, as the provider's would
            client = rehearsal_client(journal)
        messages = read_messages(recipients, templates, default, phone=phone_column, sheet=sheet)
        if no_window and window is not None:
            raise UserError("--window and --no-window exclude each other; pick one")
        before = journal_states(journal)
        options = SendOptions.build(
            window=False if no_window else window,
            tz=tz,
            start_at=start_at,
            wait=wait,
            price_sms=price_sms,
            price_viber=price_viber,
            progress=progress,
            concurrency=concurrency,
            rate=_rate(rate),
        )
        # --start-at as written: without a zone it is read in the campaign's (--tz, else the
        # one the journal keeps), which only send knows
        chosen = {**options.for_send(), "start_at": start_at}
        if not dry_run and not sandbox and not yes and client is not None:
            plan = send(messages, client, journal=journal, dry_run=True, extend=extend, **chosen)
            confirm_send(plan, client)
        result = send(messages, client, journal=journal, dry_run=dry_run, extend=extend, **chosen)
        states = result["send_state"]
        say(f"{len(result):,} rows" + (" (dry run: nothing sent)" if dry_run else ""))
        say("\n".join(count_lines(states)))
        if "cost" in result:
            summary = summarize(result, tz=tz)
            say(f"cost {summary.cost or 0:,.2f} (up to {summary.max_cost or 0:,.2f})")
        if not dry_run and before is not None and len(before) == len(states):
            newly = int((states == "sent").sum()) - int((before == "sent").sum())
            if newly:
                say(f"sent in this run: {newly:,}; the journal already held the other outcomes")
            elif (states == "planned").any():
                say("nothing sent in this run")
            else:
                say("nothing more to send: the journal already holds every outcome")
        planned = int((states == "planned").sum())
        waiting = _waiting_for_window(result)
        if waiting and not dry_run:
            say(
                f"{waiting:,} rows wait for their send window: run the same command again "
                "later (or without --no-wait) to send them as windows open"
            )
        elif planned and not dry_run:
            say(f"{planned:,} rows not sent yet: run the same command again to resume")
        reasons = result.loc[states.isin(["skipped", "failed"]), "send_error"]
        if len(reasons):
            say("why rows were skipped or failed:")
            say("\n".join(line[:160] for line in count_lines(reasons)[:5]))
        kept = "" if journal_exists(journal) else " (not created: a dry run with no journal yet)"
        say(f"journal: {journal}{kept}")
        if out is not None:
            campaign = summarize(result, tz=tz).to_frame()
            say(f"results: {write_frame(result, out, 'results', tz=tz, campaign=campaign)}")
        done = states.isin(["planned"] if dry_run else ["sent"]).any() or waiting > 0
        if not done:
            say("error: nothing could be sent", err=True)
            raise typer.Exit(NOTHING_DONE)


def _rate(text: str) -> str | None:
    """``--rate``: zero, however written, is no limit; anything else is for ``send``.

    >>> _rate("0.0"), _rate("300/min")
    (None, '300/min')
    """
    try:
        return None if float(text) == 0 else text
    except ValueError:
        return text


def _waiting_for_window(result: pd.DataFrame) -> int:
    """Rows left ``planned`` only because their send window (or ``start_at``) is ahead."""
    if "not_before" not in result:
        return 0
    planned = result["send_state"] == "planned"
    ahead = result["not_before"] > pd.Timestamp.now(tz="UTC")
    return int((planned & ahead.fillna(False)).sum())


@app.command("status")
def status_command(
    journal: JournalOption,
    until_final: Annotated[
        bool, typer.Option("--until-final", help="Keep polling until every status is final.")
    ] = False,
    timeout: Annotated[
        float | None, typer.Option(help="Give up --until-final after this many seconds.", min=0)
    ] = None,
    sandbox: SandboxFlag = False,
    base_url: BaseUrlOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write statuses (.csv, .xlsx, .parquet).")
    ] = None,
    tz: TzOption = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
) -> None:
    """Check the delivery status of a journaled campaign's sent messages.

    After `send --sandbox`, `status --sandbox` asks the same built-in sandbox (rebuilt from
    the journal). Against a local sandbox server (targetsms-frames sandbox), pass its URL with
    --base-url to both send and status: no credentials are needed.
    """
    with user_errors():
        check_suffix(out, OUT_SUFFIXES, "statuses")
        if not journal_exists(journal):
            raise UserError(f"no campaign journal at {journal!r}")
        if sandbox and base_url:
            raise UserError("--sandbox and --base-url exclude each other; pick one")
        client = (
            rehearsal_client(journal) if sandbox else make_client(sandbox=False, base_url=base_url)
        )
        assert client is not None
        waiting = read_journal(journal)
        open_ = int(((waiting["send_state"] == "sent") & ~waiting["is_final"]).sum())
        if until_final and open_:
            say(
                f"waiting for {open_:,} final status(es): the provider allows one check per "
                "message a minute, so each is asked again a minute after its last check "
                "(Ctrl-C stops; run again later to resume)"
            )
        frame = poll_statuses(
            client=client,
            journal=journal,
            until_final=until_final,
            timeout=timeout,
            progress=progress,
        )
        sent = frame["send_state"] == "sent"
        say(f"{len(frame):,} rows, {int(sent.sum()):,} sent")
        if sent.any():
            say("statuses:")
            say("\n".join(count_lines(frame.loc[sent, "status"])))
        if (~sent).any():
            say("not sent:")
            say("\n".join(count_lines(frame.loc[~sent, "send_state"])))
        problems = status_problems(frame)
        if problems:
            say("\n".join(problems))
        pending = int((sent & ~frame["is_final"]).sum())
        if pending:
            say(f"{pending:,} not final yet: run again later, or with --until-final")
        if out is not None:
            campaign = summarize(frame, tz=tz).to_frame()
            written = write_frame(frame, out, "statuses", tz=tz, campaign=campaign)
            say(f"statuses: {written}")


@app.command("report")
def report_command(
    journal: JournalOption,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            "-b",
            help="Group by this column (repeat to group by several); also send_date, "
            "send_hour, operator.",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the report (.csv, .xlsx, .parquet).")
    ] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="Save a chart (.png).")] = None,
    tz: TzOption = None,
    price_sms: PriceSmsOption = None,
    price_viber: PriceViberOption = None,
) -> None:
    """Print the delivery report of a journaled campaign (statuses as last polled)."""
    with user_errors():
        check_suffix(out, OUT_SUFFIXES, "the report")
        check_suffix(plot, _PLOT_SUFFIXES, "the chart")
        columns = list(by) if by else None
        statuses = read_journal(journal)
        if price_sms is not None or price_viber is not None:
            statuses = estimate_cost(statuses, price_sms=price_sms, price_viber=price_viber)
        report = delivery_report(statuses, columns, tz=tz)
        say(report_table(report))
        if out is not None:
            campaign = summarize(statuses, tz=tz).to_frame()
            say(f"report: {write_frame(report, out, 'report', tz=tz, campaign=campaign)}")
        if plot is not None:
            say(f"chart: {save_plot(report, columns, plot)}")


def check_port_free(host: str, port: int) -> None:
    """Fail with a clear message when ``host:port`` cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UserError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); try another --port"
            ) from None


@app.command("sandbox")
def sandbox_command(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8055,
    seed: Annotated[int, typer.Option(help="Fixes message IDs and outcomes.")] = 0,
    status_delay: Annotated[
        tuple[float, float],
        typer.Option(help="Seconds MIN MAX after which a message gets its final status."),
    ] = (2.0, 30.0),
) -> None:
    """Run the provider emulator on a real socket until Ctrl-C."""
    from .sandbox._server import endpoint_url, run_server

    with user_errors():
        low, high = status_delay
        if not 0 <= low <= high:
            raise UserError("--status-delay needs 0 <= MIN <= MAX")
        check_port_free(host, port)
        url = endpoint_url(host, port)
        say(f"TargetSMS sandbox at {url}")
        say(f"  use it with --base-url {url}  (or TARGETSMS_BASE_URL={url})")
        say("  no credentials needed (any login and password are accepted); Ctrl-C stops it")
        if not is_loopback(host):
            say(
                f"  note: clients refuse plain http:// to {host}; it is meant for this machine",
                err=True,
            )
        with contextlib.suppress(KeyboardInterrupt):
            from .sandbox import Sandbox

            run_server(Sandbox(seed=seed, status_delay=(low, high)), host=host, port=port)
        say("sandbox stopped")


@app.command("demo")
def demo_command(
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where results go.")] = Path("out"),
    recipients: Annotated[
        Path | None,
        typer.Option(help="Recipients table [default: data/samples/recipients.csv]."),
    ] = None,
    templates: Annotated[
        Path | None, typer.Option(help="Templates table [default: data/samples/templates.csv].")
    ] = None,
    speed: Annotated[
        float, typer.Option(help="How many times faster the sandbox's clock runs.", min=1)
    ] = 120.0,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
) -> None:
    """The whole job on the built-in sandbox: render, preview, send, poll, report, chart.

    Needs no account and no network. Without --recipients/--templates it uses the sample
    files in data/samples/ when run from the project folder, else a small built-in sample.
    """
    from ._demo import SAMPLE_RECIPIENTS, SAMPLE_TEMPLATES, run_demo

    with user_errors():
        if (recipients is None) != (templates is None):
            recipients = recipients or SAMPLE_RECIPIENTS
            templates = templates or SAMPLE_TEMPLATES
        run_demo(out_dir, recipients, templates, speed, progress=progress, echo=say)


def main() -> None:
    """Entry point of the ``targetsms-frames`` console script."""
    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.WARNING)
    app(prog_name="targetsms-frames")
