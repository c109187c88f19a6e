"""The mobile operator of a phone, from the number ranges in phonenumbers' carrier data.

Approximate by nature: the data says which operator a number range was *issued* to, and
numbers move between operators (mobile number portability), so a ported number shows its
original operator. Ranges the data does not know give a missing value. Good enough to see
whether one operator delivers worse than the others; not a billing fact.

The lookup is the longest known prefix of each distinct phone, done for whole columns at
once (a dictionary lookup per prefix length), not by parsing each number.

Examples
--------
>>> import pandas as pd
>>> operators(pd.Series(["79031234567", "79261234567", "74951234567", None])).tolist()
['Beeline', 'MegaFon', nan, nan]
"""

from __future__ import annotations

import functools
from typing import Final

import numpy as np
import pandas as pd
from phonenumbers import carrierdata

__all__ = ["operators"]

_LONGEST: Final[int] = int(carrierdata.CARRIER_LONGEST_PREFIX)


@functools.cache
def _names(language: str) -> dict[str, str]:
    """Prefix (country code and digits) to the operator's name in ``language`` (else English)."""
    table: dict[str, str] = {}
    for prefix, names in carrierdata.CARRIER_DATA.items():
        name = names.get(language) or names.get("en")
        if name:
            table[str(prefix)] = str(name)
    return table


def operators(phones: pd.Series, *, language: str = "en") -> pd.Series:
    """The operator a number range was issued to, per phone (international digits).

    Parameters
    ----------
    phones : pandas.Series
        Normalised phones such as ``79031234567`` (what ``send`` and ``validate`` return).
    language : str
        Language of the names where the data has it (``"en"``: ``MegaFon``, ``Beeline``,
        ``MTS``, ``T2``; ``"ru"``: ``МегаФон``, ``Билайн``...).

    Returns
    -------
    pandas.Series
        Same index as ``phones``; missing where the range is not in the data.
    """
    table = _names(language)
    text = phones.astype("str")
    distinct = pd.Series(pd.unique(text.dropna().to_numpy()), dtype="str")
    found = pd.Series(pd.NA, index=distinct.index, dtype="str")
    for length in range(_LONGEST, 0, -1):
        todo = found.isna().to_numpy()
        if not todo.any():
            break
        found[todo] = distinct[todo].str.slice(0, length).map(table)
    lookup = dict(zip(distinct.tolist(), found.tolist(), strict=True))
    names = [lookup.get(phone, np.nan) for phone in text.tolist()]
    return pd.Series(names, index=phones.index, dtype="str", name="operator")
