"""Progress bars, only at the top layer: ``tqdm.auto`` (a widget in JupyterLab) or nothing.

Examples
--------
>>> with progress_bar(total=3, enabled=False, desc="sending") as bar:
...     bar.update(3)
...     bar.set_postfix(sent=3)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Protocol

__all__ = ["Bar", "progress_bar", "silent_bar"]


class Bar(Protocol):
    """What the sending and polling loops need of a bar."""

    def update(self, n: float = 1) -> Any: ...
    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> Any: ...
    def set_description(self, desc: str | None = None, refresh: bool = True) -> Any: ...


class _Silent:
    def update(self, n: float = 1) -> None:
        return None

    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> None:
        return None

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        return None


def silent_bar() -> Bar:
    """A bar that shows nothing."""
    return _Silent()


@contextlib.contextmanager
def progress_bar(*, total: int, enabled: bool, desc: str, unit: str = "msg") -> Iterator[Bar]:
    """A ``tqdm.auto`` bar when ``enabled``, else a silent stand-in."""
    if not enabled:
        yield _Silent()
        return
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit=unit, dynamic_ncols=True, leave=True)
    try:
        yield bar
    finally:
        bar.close()
