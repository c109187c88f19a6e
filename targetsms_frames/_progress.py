"""Progress bars, only at the top layer: ``tqdm.auto`` (a widget in JupyterLab), switched off
with tqdm's own ``disable=``.

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
    """What the sending and polling loops need of a bar (a ``tqdm``)."""

    def update(self, n: float = 1) -> Any: ...
    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> Any: ...
    def set_description(self, desc: str | None = None, refresh: bool = True) -> Any: ...


def silent_bar() -> Bar:
    """A bar that shows nothing."""
    from tqdm.auto import tqdm

    bar: Bar = tqdm(disable=True)
    return bar


@contextlib.contextmanager
def progress_bar(*, total: int, enabled: bool, desc: str, unit: str = "msg") -> Iterator[Bar]:
    """A ``tqdm.auto`` bar, shown when ``enabled``."""
    from tqdm.auto import tqdm

    bar = tqdm(
        total=total, desc=desc, unit=unit, dynamic_ncols=True, leave=True, disable=not enabled
    )
    try:
        yield bar
    finally:
        bar.close()
