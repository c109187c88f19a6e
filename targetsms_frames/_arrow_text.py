"""Text columns as one Arrow ``large_string`` array and its raw UTF-8 buffers.

The vectorised kernels (SMS parts, percent-encoded URL lengths, phone cleaning, the campaign
fingerprint) work on a column's bytes with numpy: the UTF-8 data back to back and one offset per
row. A pandas column can hold its text in any shape: a ``str`` column backed by several Arrow
chunks (what ``pd.concat`` and large CSV files give), ``object`` with ``None`` and ``NaN``,
categoricals, Arrow-backed dtypes. This module turns all of them into one contiguous array, so
the kernels see a single layout.

Examples
--------
>>> import pandas as pd
>>> parts = pd.concat([pd.Series(["ab", None]), pd.Series(["Жж"])], ignore_index=True)
>>> text = utf8_column(parts.astype("str"))
>>> text.offsets.tolist(), bytes(text.data).decode(), text.null.tolist()
([0, 2, 2, 6], 'abЖж', [False, True, False])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from ._cells import as_text

__all__ = ["Utf8Column", "large_strings", "utf8_column"]


def large_strings(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.LargeStringArray:
    """One contiguous ``large_string`` array holding the column as text (NA stays null).

    Text columns of any dtype are taken as they are; other columns are read as text the way
    a person writes them (``10`` for ``10.0``, see :func:`._cells.as_text`). Chunked arrays
    are combined.

    >>> large_strings(pd.Series([1.0, None])).to_pylist()
    ['1', None]
    """
    if isinstance(values, pd.Series):
        if len(values) == 0:
            return pa.array([], type=pa.large_string())
        text = values if isinstance(values.dtype, pd.StringDtype) else as_text(values)
        values = pa.array(text, type=pa.large_string(), from_pandas=True)
    if not pa.types.is_large_string(values.type):
        values = values.cast(pa.large_string())
    if isinstance(values, pa.ChunkedArray):
        if values.num_chunks == 1:
            return values.chunk(0)
        return values.combine_chunks()
    return values


@dataclass(frozen=True)
class Utf8Column:
    """A text column's bytes: row ``i`` is ``data[offsets[i]:offsets[i + 1]]``."""

    array: pa.LargeStringArray
    data: npt.NDArray[np.uint8]
    offsets: npt.NDArray[np.int64]
    null: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.array)


def utf8_column(values: pd.Series | pa.Array | pa.ChunkedArray) -> Utf8Column:
    """The column's UTF-8 bytes and per-row offsets (starting at 0), without copying them.

    >>> col = utf8_column(pd.Series(["a", "", None, "бв"], dtype="str"))
    >>> col.offsets.tolist(), col.null.tolist()
    ([0, 1, 1, 1, 5], [False, False, True, False])
    """
    array = large_strings(values)
    n = len(array)
    buffers = array.buffers()
    if n == 0 or buffers[1] is None:
        offsets = np.zeros(n + 1, dtype=np.int64)
    else:
        offsets = np.frombuffer(buffers[1], dtype=np.int64)[array.offset : array.offset + n + 1]
    data = np.zeros(0, dtype=np.uint8)
    if buffers[2] is not None:
        data = np.frombuffer(buffers[2], dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]
    if array.null_count:
        null = np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=np.bool_)
    else:
        null = np.zeros(n, dtype=np.bool_)
    return Utf8Column(array, data, offsets - offsets[0], null)
