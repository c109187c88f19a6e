"""Transport choice: ``httpx.AsyncClient`` + asyncio versus a thread pool over one ``httpx.Client``.

Status requests (each for a different message ID, so the duplicate rule never applies) go to
the sandbox server, which runs in its own process on 127.0.0.1, with 0 ms and 20 ms of
latency per request. Reported: requests per second, the median of several runs, the
configurations interleaved run by run so that machine noise hits them alike.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from ._util import LOGIN, PASSWORD, Result, median, run_alone, sandbox_server, timed

_IDS = itertools.count(5_000_000_000)


def _urls(base: str, n: int) -> list[str]:
    from targetsms_frames._wire import encode_query, status_params

    return [f"{base}?{encode_query(LOGIN, PASSWORD, status_params(next(_IDS)))}" for _ in range(n)]


def _async_run(urls: list[str], concurrency: int) -> None:
    async def main() -> None:
        limit = asyncio.Semaphore(concurrency)
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits, trust_env=False) as client:

            async def one(url: str) -> None:
                async with limit:
                    (await client.get(url)).raise_for_status()

            await asyncio.gather(*(one(u) for u in urls))

    asyncio.run(main())


def _threads_run(urls: list[str], threads: int) -> None:
    limits = httpx.Limits(max_connections=threads, max_keepalive_connections=threads)
    with (
        httpx.Client(limits=limits, trust_env=False) as client,
        ThreadPoolExecutor(max_workers=threads) as pool,
    ):
        for response in pool.map(client.get, urls):
            response.raise_for_status()


CONFIGS: list[tuple[str, Callable[[list[str], int], None], int]] = [
    ("async c=4", _async_run, 4),
    ("async c=16", _async_run, 16),
    ("async c=32", _async_run, 32),
    ("threads t=4", _threads_run, 4),
    ("threads t=16", _threads_run, 16),
]


def run(quick: bool = False) -> Result:
    """Requests per second of each configuration at 0 ms and 20 ms latency."""
    result = Result("transport")
    runs = 2 if quick else 3
    plan = [(0.0, 300 if quick else 1000), (0.02, 160 if quick else 320)]
    for latency, n in plan:
        label = f"{latency * 1000:.0f} ms"
        rates: dict[str, list[float]] = {name: [] for name, _, _ in CONFIGS}
        with sandbox_server(latency=latency, duplicate_window=60.0) as server:
            _threads_run(_urls(server.url, 32), 4)  # warm the server
            for _ in range(runs):
                for name, func, width in CONFIGS:
                    urls = _urls(server.url, n)
                    seconds, _ = timed(lambda f=func, u=urls, w=width: f(u, w))
                    rates[name].append(n / seconds)
        best_async = max(median(rates[name]) for name, _, _ in CONFIGS if name.startswith("a"))
        for name, _, width in CONFIGS:
            rate = median(rates[name])
            ideal = f", ideal {width / latency:,.0f}" if latency else ""
            result.add(
                f"{label}, {name}",
                f"{rate:,.0f} req/s",
                f"{n} status requests, {runs} runs, {min(rates[name]):,.0f}..."
                f"{max(rates[name]):,.0f}{ideal}",
            )
        threads16 = median(rates["threads t=16"])
        result.add(
            f"{label}, threads t=16 / best async",
            f"{threads16 / best_async:.2f}x",
            "ratio of medians, same server, interleaved",
        )
    result.notes.append(
        "Status requests with distinct message IDs against the sandbox server in its own "
        "process; one shared client per configuration (keep-alive pool sized to the "
        "concurrency)."
    )
    return result


def main() -> None:
    run_alone(run, __doc__)


if __name__ == "__main__":
    main()
