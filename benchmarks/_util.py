"""Timing, medians, machine facts and the sandbox server in a child process.

The sandbox server runs in its own interpreter (``python -m benchmarks._util serve CONFIG``),
so its request handling does not share the GIL with the client being measured. The child
prints its URL, serves until a line arrives on its stdin (or stdin closes), then writes the
sandbox's request log as JSON when asked to.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOGIN = "bench"
PASSWORD = "bench-secret"


# -- timing ----------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    """Median of a non-empty list."""
    return float(statistics.median(values))


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by ``func()`` and what it returned."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def repeat(func: Callable[[], Any], runs: int) -> list[float]:
    """Seconds of ``runs`` calls of ``func``."""
    return [timed(func)[0] for _ in range(runs)]


@dataclass
class Row:
    """One line of the results table."""

    bench: str
    case: str
    value: str
    note: str = ""


@dataclass
class Result:
    """What one benchmark reports: table rows and free-form notes for RESULTS.md."""

    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, case: str, value: str, note: str = "") -> None:
        self.rows.append(Row(self.name, case, value, note))


def run_alone(
    run: Callable[[bool], Result], doc: str | None, argv: list[str] | None = None
) -> None:
    """Run one benchmark from its own module (``python -m benchmarks.NAME [--quick]``) and
    print its rows and notes; ``python -m benchmarks NAME`` also writes Markdown."""
    import argparse

    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--quick", action="store_true", help="fewer rows and runs")
    result = run(parser.parse_args(argv).quick)
    width = max((len(row.case) for row in result.rows), default=0)
    for row in result.rows:
        print(f"{row.case:<{width}}  {row.value:>12}  {row.note}")
    for note in result.notes:
        print(f"* {note}")


def fmt_s(seconds: float) -> str:
    """Seconds with three significant decimals."""
    return f"{seconds:.3f} s"


def fmt_rate(count: float, seconds: float, unit: str = "msg/s") -> str:
    """A rate such as ``1,234 msg/s``."""
    return f"{count / seconds:,.0f} {unit}" if seconds > 0 else "inf"


def spread(values: list[float]) -> str:
    """``min..max`` of a list of seconds, for the notes column."""
    return f"runs {len(values)}, {min(values):.3f}..{max(values):.3f} s"


# -- machine ---------------------------------------------------------------------------------


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo (or the platform's guess)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    """Cores, CPU, OS, Python and the versions of the packages that matter here."""
    out = {
        "cores": str(os.cpu_count()),
        "cpu": cpu_model(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
    }
    for name in (
        "targetsms-frames",
        "pandas",
        "numpy",
        "pyarrow",
        "pandera",
        "httpx",
        "httpcore",
        "uvicorn",
        "starlette",
        "phonenumbers",
        "pyinstrument",
    ):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out


# -- message frames --------------------------------------------------------------------------


def phones(n: int, start: int = 1) -> list[str]:
    """``n`` distinct valid Russian mobile numbers in international digits."""
    return [f"7901{i:07d}" for i in range(start, start + n)]


def personalised_frame(n: int, tag: str, start: int = 1) -> pd.DataFrame:
    """``n`` SMS rows, each with its own text (so each is its own request).

    ``tag`` goes into every text, so two frames with different tags never repeat a request.
    """
    names = ["Anna", "Ivan", "Olga", "Petr", "Kate", "John"]
    return pd.DataFrame(
        {
            "phone": phones(n, start),
            "customer": [f"C{i:06d}" for i in range(n)],
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": [
                f"{names[i % len(names)]}, your order {tag}-{i} is ready for pickup until Friday."
                for i in range(n)
            ],
        }
    )


def identical_frame(n: int, tag: str, start: int = 1) -> pd.DataFrame:
    """``n`` SMS rows with one text for everyone (packed into few requests)."""
    return pd.DataFrame(
        {
            "phone": phones(n, start),
            "send_sms": 1,
            "sender_sms": "Shop",
            "text_sms": f"Weekend sale {tag}: 20% off everything until Sunday. shop.example.ru",
        }
    )


# -- the sandbox server in a child process ---------------------------------------------------


@dataclass
class Server:
    """A running sandbox server child: its URL and, after it stops, its request log."""

    url: str
    process: subprocess.Popen[str]
    log_path: Path | None
    log: list[dict[str, Any]] = field(default_factory=list)


def _wait_accepting(url: str, timeout: float = 15.0) -> None:
    parts = urlsplit(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=1.0):
                return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox server at {url} refuses connections") from exc
            time.sleep(0.02)


@contextmanager
def sandbox_server(
    *,
    latency: float = 0.0,
    duplicate_window: float = 60.0,
    status_delay: tuple[float, float] = (2.0, 30.0),
    seed: int = 0,
    keep_log: bool = False,
    mode: str = "run_server",
) -> Iterator[Server]:
    """Run ``Sandbox`` behind uvicorn on 127.0.0.1 in a separate Python process.

    ``mode="run_server"`` serves with ``sandbox._server.run_server`` (uvicorn binds the port
    itself, as the ``targetsms-frames sandbox`` command does); ``mode="serve"`` uses the
    ``serve()`` context manager (a socket bound by the package) in a thread of the child.
    With ``keep_log`` the child writes every request it handled (kind, params without
    credentials, reply, time) to a JSON file on shutdown; it is in ``server.log`` after the
    ``with`` block ends.
    """
    log_path = None
    if keep_log:
        handle, name = tempfile.mkstemp(prefix="tsf-bench-log-", suffix=".json")
        os.close(handle)
        log_path = Path(name)
    config = {
        "latency": latency,
        "duplicate_window": duplicate_window,
        "status_delay": list(status_delay),
        "seed": seed,
        "mode": mode,
        "log": str(log_path) if log_path else None,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._util", "serve", json.dumps(config)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    server: Server | None = None
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the sandbox server child did not start (said {line!r})")
        _wait_accepting(line)
        server = Server(line, process, log_path)
        yield server
    finally:
        if mode == "run_server" and process.poll() is None:
            process.send_signal(signal.SIGINT)
        if process.stdin is not None:
            try:
                process.stdin.write("stop\n")
                process.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log_path is not None:
            if server is not None and log_path.stat().st_size:
                server.log = json.loads(log_path.read_text())
            log_path.unlink(missing_ok=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_child(config: dict[str, Any]) -> None:
    from targetsms_frames.sandbox import Faults, Sandbox
    from targetsms_frames.sandbox._server import run_server, serve

    sandbox = Sandbox(
        seed=int(config["seed"]),
        status_delay=tuple(config["status_delay"]),
        duplicate_window=float(config["duplicate_window"]),
        faults=Faults(latency=float(config["latency"])),
    )
    if config.get("mode", "run_server") == "run_server":
        port = _free_port()
        print(f"http://127.0.0.1:{port}/sendmessage.php", flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the SIGINT it got
            run_server(sandbox, host="127.0.0.1", port=port)
    else:
        with serve(sandbox, host="127.0.0.1", port=0) as url:
            print(url, flush=True)
            sys.stdin.readline()
    if config.get("log"):
        records = [
            {
                "no": r.request_no,
                "kind": r.kind,
                "params": [list(p) for p in r.params],
                "reply": r.reply,
                "processed": r.processed,
                "time": r.time,
            }
            for r in sandbox.requests
        ]
        Path(config["log"]).write_text(json.dumps(records))


def url_length_of(record: dict[str, Any], base_url: str) -> int:
    """Length of the URL a logged request was sent with, credentials included."""
    from targetsms_frames._wire import encode_query

    params = [(str(k), str(v)) for k, v in record["params"]]
    return len(base_url) + 1 + len(encode_query(LOGIN, PASSWORD, params))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        _serve_child(json.loads(sys.argv[2]))
    else:
        raise SystemExit("usage: python -m benchmarks._util serve CONFIG_JSON")


def stage_times(root: Any, stages: list[tuple[str, str, str]]) -> dict[str, float]:
    """Seconds per stage in a pyinstrument tree: the outermost frame of each stage's function.

    ``stages`` lists ``(label, function name, file path suffix)``.
    """
    found: dict[str, float] = {}

    def walk(frame: Any, inside: frozenset[str]) -> None:
        key = None
        for label, function, suffix in stages:
            if frame.function == function and str(frame.file_path or "").endswith(suffix):
                key = label
        if key is not None and key not in inside:
            found[key] = found.get(key, 0.0) + float(frame.time)
            inside = inside | {key}
        for child in frame.children:
            walk(child, inside)

    walk(root, frozenset())
    return found
