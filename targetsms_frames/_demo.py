"""The whole job on the built-in sandbox: ``run_demo`` (the ``targetsms-frames demo`` command).

Load recipients and templates, render, preview with example prices, send into a fresh journal,
poll until every status is final, sum the campaign up once (with its cost), report by template
and segment, and write an Excel workbook (campaign sheet first) and a chart. No
credentials and no network: the sandbox runs in-process, and it shares a
:class:`~targetsms_frames.FastClock` with the client, so the provider's one-minute rules pass
in well under a second of real time.

Examples
--------
>>> import tempfile
>>> produced = run_demo(tempfile.mkdtemp(), speed=2000, progress=False, echo=lambda text: None)
>>> sorted(produced)
['excel', 'journal', 'plot', 'reports', 'results', 'seconds']
>>> results = produced["results"]
>>> bool(results.loc[results["send_state"] == "sent", "is_final"].all())
True
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pandas as pd

from ._cli_output import report_table, save_plot
from ._client import Client
from ._clock import FastClock
from ._excel import write_excel
from ._io import read_table
from ._poll import poll_statuses
from ._preview import preview
from ._render import render
from ._report import delivery_report
from ._send import send
from ._summary import summarize
from .sandbox import Sandbox

__all__ = ["SAMPLE_RECIPIENTS", "SAMPLE_TEMPLATES", "builtin_sample", "run_demo"]

SAMPLE_RECIPIENTS: Final = Path("data/samples/recipients.csv")
SAMPLE_TEMPLATES: Final = Path("data/samples/templates.csv")
JOURNAL_NAME: Final = "campaign.sqlite"
_SEED: Final = 42
_STATUS_DELAY: Final = (5.0, 90.0)  # sandbox seconds until a message's final status
_POLL_TIMEOUT: Final = 3_600.0  # sandbox seconds: generous, and a minute of real time at most
#: Example prices (per SMS part, per Viber message) so the demo shows money; not a tariff.
PRICE_SMS: Final = 4.5
PRICE_VIBER: Final = 2.2

Echo = Callable[[str], None]


def builtin_sample() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small campaign (recipients, templates) for when the sample files are not at hand.

    Twelve recipients in three segments, phones written in several ways, one invalid phone
    and one duplicate row; an SMS template and a Viber-then-SMS cascade.

    >>> recipients, templates = builtin_sample()
    >>> len(recipients), sorted(templates["template"])
    (12, ['sms_promo', 'viber_cascade'])
    """
    recipients = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(1, 13)],  # C00012 repeats C00002
            "name": [
                "Анна",
                "Борис",
                "Вера",
                "Глеб",
                "Дина",
                "Егор",
                "Жанна",
                "Зоя",
                "Иван",
                "Кира",
                "Лев",
                "Борис",
            ],
            "phone": [
                "+7 (900) 000-00-01",
                "8 900 000 00 02",
                "79000000003",
                "9000000004",
                "+7 900 000-00-05",
                "12345",
                "8-900-000-00-07",
                "+7 (900) 000-00-08",
                "79000000009",
                "8 900 000 00 10",
                "+7 900 000 00 11",
                "8 900 000 00 02",
            ],
            "segment": ["new", "loyal", "vip", "new", "loyal", "vip"] * 2,
            "template": ["sms_promo", "viber_cascade"] * 6,
            "bonus": [300, 450, 600, 150, 500, 700, 250, 350, 900, 400, 800, 450],
            "promo_code": [f"CODE-{i:03d}" for i in (*range(1, 12), 2)],
        }
    )
    templates = pd.DataFrame(
        {
            "template": ["sms_promo", "viber_cascade"],
            "send_viber": [pd.NA, 1],
            "send_sms": [1, 2],
            "sender_viber": [pd.NA, "ShopDemo"],
            "text_viber": [pd.NA, "{name}, скидка 15% по промокоду {promo_code}!"],
            "button_text": [pd.NA, "Открыть"],
            "button_url": [pd.NA, "https://shop.example/promo?code={promo_code}"],
            "sender_sms": ["ShopDemo", "ShopDemo"],
            "text_sms": [
                "{name}, вам начислено {bonus} бонусов!",
                "{name}, скидка 15% по промокоду {promo_code}: shop.example",
            ],
        }
    )
    return recipients, templates


def _load(
    recipients: str | os.PathLike[str] | None,
    templates: str | os.PathLike[str] | None,
    echo: Echo,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if recipients is None and templates is None:
        if SAMPLE_RECIPIENTS.is_file() and SAMPLE_TEMPLATES.is_file():
            recipients, templates = SAMPLE_RECIPIENTS, SAMPLE_TEMPLATES
        else:
            echo(f"({SAMPLE_RECIPIENTS} not found here: using the built-in sample)")
            return builtin_sample()
    if recipients is None or templates is None:
        raise TypeError("pass both recipients and templates, or neither")
    echo(f"recipients: {recipients}\ntemplates:  {templates}")
    return read_table(recipients), read_table(templates)


def _remove_journal(path: Path) -> None:
    """Delete a journal and its SQLite side files, so each run starts a fresh campaign."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def run_demo(
    out_dir: str | os.PathLike[str] = "out",
    recipients: str | os.PathLike[str] | None = None,
    templates: str | os.PathLike[str] | None = None,
    speed: float = 120.0,
    progress: bool = True,
    *,
    echo: Echo = print,
) -> dict[str, Any]:
    """Run a whole campaign against the in-process sandbox and write its results.

    Parameters
    ----------
    out_dir : path
        Folder for ``campaign.sqlite`` (the journal, replaced on each run), ``results.xlsx``
        (sheets ``campaign``, ``results``, ``by template``, ``by segment``) and
        ``delivery.png``.
    recipients, templates : path, optional
        Tables to use. Omit both for ``data/samples/*.csv`` when present, else a small
        built-in sample.
    speed : float
        How many times faster than real time the sandbox's and client's shared clock runs
        (120: the one-minute duplicate window passes in half a second).
    progress : bool
        Show progress bars while sending and polling.
    echo : callable
        Where the narration goes (``print`` by default).

    Returns
    -------
    dict
        ``journal``, ``excel`` and ``plot`` (paths written), ``results`` (the final status
        frame), ``reports`` (``{"template": ..., "segment": ...}`` delivery reports) and
        ``seconds`` (real time taken).
    """
    started = time.monotonic()
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    people, template_frame = _load(recipients, templates, echo)
    messages = render(people, template_frame)

    clock = FastClock(speed)
    sandbox = Sandbox(seed=_SEED, clock=clock, status_delay=_STATUS_DELAY)
    client = Client.sandbox(sandbox)
    echo("")
    plan = preview(messages, client, price_sms=PRICE_SMS, price_viber=PRICE_VIBER)
    echo(str(summarize(plan)))
    echo(f"  (example prices: {PRICE_SMS} per SMS part, {PRICE_VIBER} per Viber message)")

    journal = folder / JOURNAL_NAME
    _remove_journal(journal)
    echo("")
    sent = send(
        messages,
        client,
        journal=journal,
        progress=progress,
        price_sms=PRICE_SMS,
        price_viber=PRICE_VIBER,
    )
    statuses = poll_statuses(
        sent, client, journal=journal, until_final=True, timeout=_POLL_TIMEOUT, progress=progress
    )
    summary = summarize(statuses)
    echo(str(summary))

    reports: dict[str, pd.DataFrame] = {}
    for column in ("template", "segment"):
        if column in statuses.columns:
            reports[column] = delivery_report(statuses, by=column)
            echo(f"\ndelivery by {column}:\n{report_table(reports[column])}")
    if not reports:
        reports["campaign"] = delivery_report(statuses)

    sheets = {
        "campaign": summary.to_frame(),
        "results": statuses,
        **{f"by {key}": frame for key, frame in reports.items()},
    }
    excel = write_excel(sheets, folder / "results.xlsx")
    plot_by = "segment" if "segment" in reports else next(iter(reports))
    plot = save_plot(
        reports[plot_by], None if plot_by == "campaign" else [plot_by], folder / "delivery.png"
    )
    seconds = time.monotonic() - started
    echo(f"\njournal: {journal}\nresults: {excel}\nchart:   {plot}\n({seconds:.1f} s)")
    return {
        "journal": journal,
        "excel": excel,
        "plot": plot,
        "results": statuses,
        "reports": reports,
        "seconds": seconds,
    }
