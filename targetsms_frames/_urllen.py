"""Exact percent-encoded lengths of whole columns, without encoding a single value.

``quote(value, safe="")`` turns every UTF-8 byte into ``%XX`` except the unreserved ASCII
characters ``A-Z a-z 0-9 _ . - ~``. So the encoded length of a string is a sum over its UTF-8
bytes of a per-byte cost (1 or 3): one table lookup and one cumulative sum over the column's
Arrow byte buffer, a few milliseconds for a million texts.

Examples
--------
>>> import pandas as pd
>>> from urllib.parse import quote
>>> s = pd.Series(["Привет, Анна!", "abc", None, ""])
>>> quoted_lengths(s).tolist()
[69, 3, 0, 0]
>>> len(quote("Привет, Анна!", safe=""))
69
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._arrow_text import utf8_column

__all__ = ["quoted_lengths"]

_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_BLOCK = 65536
_ESCAPED = np.ones(256, dtype=np.uint8)
_ESCAPED[np.frombuffer(_UNRESERVED, dtype=np.uint8)] = 0


def quoted_lengths(values: pd.Series) -> np.ndarray:
    """Length of ``urllib.parse.quote(text, safe="")`` for every value; NA counts 0.

    Parameters
    ----------
    values : pandas.Series
        Text of any string dtype, or any column (read as text the way a person writes it).

    Returns
    -------
    numpy.ndarray of int64, one length per value, in order.
    """
    column = utf8_column(values)
    n = len(column)
    offsets, data = column.offsets, column.data
    nbytes = np.diff(offsets)
    if not nbytes.any():
        return np.zeros(n, dtype=np.int64)
    # escaped bytes cost 3 instead of 1; counted a block of strings at a time so that the
    # byte mask stays in cache (about twice as fast as one pass over the whole buffer)
    counts = np.empty(n, dtype=np.int64)
    for start in range(0, n, _BLOCK):
        bounds = offsets[start : start + _BLOCK + 1]
        # one padding byte keeps reduceat in bounds when the last strings are empty
        escaped = np.append(_ESCAPED[data[bounds[0] : bounds[-1]]], np.uint8(0))
        counts[start : start + _BLOCK] = np.add.reduceat(
            escaped, bounds[:-1] - bounds[0], dtype=np.int64
        )
    lengths = np.where(nbytes > 0, nbytes + 2 * counts, 0)
    lengths[column.null] = 0
    return lengths
