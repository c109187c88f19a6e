"""Time phone normalisation and SMS part counting on a million rows.

Run with ``.venv/bin/python benchmarks/phones.py [N]``. Phone normalisation is compared with
the obvious alternative, ``phonenumbers.parse`` + ``format_number`` row by row, timed on a
20,000-row sample and extrapolated to ``N`` rows.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import phonenumbers

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from targetsms_frames._phones import normalize_phones
from targetsms_frames._sms import sms_info

_SAMPLE = 20_000


def mixed_phones(n: int, seed: int = 0) -> pd.Series:
    """``n`` phones in the formats analysts export, mostly Russian, some foreign and bad."""
    rng = np.random.default_rng(seed)
    subscriber = rng.integers(0, 10_000_000, n)
    operator = rng.choice(np.array([900, 903, 915, 926, 977, 985, 999, 495, 812]), n)
    kind = rng.integers(0, 10, n)
    out = np.empty(n, dtype=object)
    for i in range(n):
        op, sub = int(operator[i]), int(subscriber[i])
        s7 = f"{sub:07d}"
        k = int(kind[i])
        if k == 0:
            out[i] = f"+7 ({op}) {s7[:3]}-{s7[3:5]}-{s7[5:]}"
        elif k == 1:
            out[i] = f"8 {op} {s7[:3]} {s7[3:5]} {s7[5:]}"
        elif k == 2:
            out[i] = f"8({op}){s7}"
        elif k == 3:
            out[i] = f"{op}{s7}"
        elif k == 4:
            out[i] = f"7{op}{s7}"
        elif k == 5:
            out[i] = f"+380 44 {s7[:3]} {s7[3:]}"
        elif k == 6:
            out[i] = f"0044 20 7946 {s7[3:]}"
        elif k == 7:
            out[i] = f"+7\u00a0{op}\u00a0{s7}"
        elif k == 8:
            out[i] = f"+7 {op} {s7[:4]}"  # too short
        else:
            out[i] = f"8-{op}-{s7[:3]}-{s7[3:]}"
    return pd.Series(out, dtype="str")


def personalised_texts(n: int, seed: int = 0) -> pd.Series:
    """``n`` ~100-character texts, personalised so most rows differ."""
    rng = np.random.default_rng(seed)
    names = np.array(["Anna", "Ivan", "Olga", "Petr", "Мария", "Сергей", "John", "Kate"])
    templates = [
        "Dear {name}, your order #{num} is ready for pickup at our store until Friday. Thanks!",
        "{name}, скидка {num}% на всё до воскресенья! Подробности на сайте shop.example.ru",
        "Hi {name}! Your code is {num}. Use it at checkout: 10% off {{all}} items, today only.",
    ]
    name = rng.choice(names, n)
    num = rng.integers(0, 1_000_000, n)
    which = rng.integers(0, len(templates), n)
    texts = [
        templates[int(w)].format(name=a, num=int(b))
        for w, a, b in zip(which, name, num, strict=True)
    ]
    return pd.Series(texts, dtype="str")


def _per_row(values: list[str], region: str = "RU") -> list[str | None]:
    out: list[str | None] = []
    for v in values:
        try:
            number = phonenumbers.parse(v, region)
        except phonenumbers.NumberParseException:
            out.append(None)
            continue
        if phonenumbers.is_valid_number(number):
            out.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:])
        else:
            out.append(None)
    return out


def _time(func: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def run(n: int = 1_000_000) -> dict[str, float]:
    """Time ``normalize_phones`` and ``sms_info`` on ``n`` rows.

    Parameters
    ----------
    n : int, default 1_000_000
        Number of rows.

    Returns
    -------
    dict of str to float
        ``phones_seconds``, ``phones_per_row_seconds`` (extrapolated), ``phones_speedup``,
        ``sms_seconds``.
    """
    phones = mixed_phones(n)
    texts = personalised_texts(n)
    normalize_phones(phones.head(1000))  # build the per-country rules once
    phones_seconds = _time(normalize_phones, phones)
    sample = phones.head(min(n, _SAMPLE)).tolist()
    per_row = _time(_per_row, sample) * n / len(sample)
    sms_seconds = _time(sms_info, texts)
    return {
        "phones_seconds": phones_seconds,
        "phones_per_row_seconds": per_row,
        "phones_speedup": per_row / phones_seconds,
        "sms_seconds": sms_seconds,
    }


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    for key, value in run(rows).items():
        print(f"{key:>24}: {value:8.3f}")
