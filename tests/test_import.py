"""``import targetsms_frames`` stays light; heavy libraries load when first needed."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = [
    "pandas",
    "pandera",
    "httpx",
    "matplotlib",
    "openpyxl",
    "typer",
    "starlette",
    "uvicorn",
    "psycopg",
    "IPython",
]


def _loaded_after(code: str) -> list[str]:
    script = f"import sys\n{code}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    modules = set(json.loads(out.strip().splitlines()[-1]))
    return [name for name in HEAVY if name in modules]


def test_the_import_loads_none_of_the_heavy_libraries() -> None:
    assert _loaded_after("import targetsms_frames as tsf; tsf.TargetSMSError; tsf.FastClock") == []


def test_a_whole_campaign_loads_neither_plots_nor_excel_nor_the_command_line() -> None:
    code = (
        "import pandas as pd, targetsms_frames as tsf\n"
        "msgs = pd.DataFrame({'phone': ['79000000001'], 'send_sms': 1, 'sender_sms': 'Shop',"
        " 'text_sms': 'Hi'})\n"
        "sent = tsf.send(msgs, tsf.Client.sandbox(), journal=False, progress=False)\n"
        "tsf.delivery_report(tsf.poll_statuses(sent, tsf.Client.sandbox(), progress=False))"
    )
    loaded = _loaded_after(code)
    assert {"pandas", "pandera", "httpx"} <= set(loaded)
    assert not {"matplotlib", "openpyxl", "typer", "starlette", "uvicorn", "psycopg"} & set(loaded)


def test_every_public_name_is_there_on_first_use() -> None:
    import targetsms_frames as tsf

    assert set(dir(tsf)) >= set(tsf.__all__)
    assert callable(tsf.plot_delivery) and callable(tsf.write_excel)
