"""Regenerate the sample campaign: recipients.csv, recipients.xlsx and templates.csv.

The recipients are made up but look like a real CRM export: phones written every way people
write them (``+7 (916) 123-45-67``, ``8 916 123 45 67``, ``89161234567``, ``9161234567``),
a few Kazakh and one Ukrainian number, a handful of unusable phones, one stop-listed phone and
one row exported twice. Customers live from Kaliningrad to Kamchatka; each row's ``timezone``
(an IANA name, blank for a few, as exports have it) says where, for send windows. In the
Excel file, phones made only of digits are number cells, as spreadsheet exports have them.

Run from anywhere; the output is the same every time::

    python data/samples/make_samples.py
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
SEED = 20240501
N_UNIQUE = 299  # plus one exact duplicate row = 300

RECIPIENT_COLUMNS = [
    "customer_id",
    "name",
    "phone",
    "segment",
    "city",
    "timezone",
    "template",
    "bonus",
    "promo_code",
]

#: Phones no provider accepts; validation rejects exactly these rows.
INVALID_PHONES = ["12345", "+7 900 12", "нет", "8 (916) abc-45-67"]
#: The sandbox's stop list holds this number: it validates, and sending it fails.
STOP_LISTED_PHONE = "+7 900 000-00-00"

# fmt: off
NAMES = [
    "Анна", "Дмитрий", "Айгуль", "Giorgi", "Олег", "Мария", "Сергей", "Екатерина",
    "Алексей", "Ольга", "Иван", "Наталья", "Андрей", "Татьяна", "Михаил", "Елена",
    "Нурлан", "Динара", "Рустам", "Алия", "Тимур", "Гульнара", "Ильдар", "Зарина",
    "Nino", "Levan", "Ахмед", "Светлана", "Павел", "Юлия", "Владимир", "Ксения",
    "Артём", "Дарья", "Николай", "Софья", "Марат", "Лейла", "Борис", "Вера",
]
CITIES_RU = [
    "Москва", "Москва", "Москва", "Санкт-Петербург", "Санкт-Петербург", "Казань",
    "Новосибирск", "Екатеринбург", "Нижний Новгород", "Краснодар", "Самара", "Уфа",
]
KZ_MOBILE_CODES = ["701", "702", "705", "707", "747", "771", "777"]
RU_MOBILE_CODES = [
    "903", "905", "909", "915", "916", "917", "920", "925", "926", "950", "960", "977", "985",
    "999",
]
# fmt: on

#: Cities east and west of Moscow, given to some Russian customers (drawn apart from the rest,
#: so the other columns stay as they were).
FAR_CITIES = [
    "Калининград", "Екатеринбург", "Новосибирск", "Красноярск", "Иркутск", "Владивосток",
    "Хабаровск", "Петропавловск-Камчатский",
]  # fmt: skip
CITY_ZONES = {
    "Москва": "Europe/Moscow",
    "Санкт-Петербург": "Europe/Moscow",
    "Казань": "Europe/Moscow",
    "Нижний Новгород": "Europe/Moscow",
    "Краснодар": "Europe/Moscow",
    "Самара": "Europe/Samara",
    "Уфа": "Asia/Yekaterinburg",
    "Екатеринбург": "Asia/Yekaterinburg",
    "Калининград": "Europe/Kaliningrad",
    "Новосибирск": "Asia/Novosibirsk",
    "Красноярск": "Asia/Krasnoyarsk",
    "Иркутск": "Asia/Irkutsk",
    "Владивосток": "Asia/Vladivostok",
    "Хабаровск": "Asia/Vladivostok",
    "Петропавловск-Камчатский": "Asia/Kamchatka",
    "Алматы": "Asia/Almaty",
    "Астана": "Asia/Almaty",
    "Шымкент": "Asia/Almaty",
    "Харьков": "Europe/Kyiv",
}

SEGMENTS = ["new", "loyal", "vip", "lapsed"]
SEGMENT_WEIGHTS = [30, 35, 15, 20]
TEMPLATE_BY_SEGMENT = {
    "new": (["sms_promo", "viber_cascade"], [80, 20]),
    "loyal": (["viber_cascade", "sms_promo"], [70, 30]),
    "vip": (["viber_cascade"], [100]),
    "lapsed": (["reminder_gsm", "sms_promo"], [80, 20]),
}

TEMPLATES = [
    {
        "template": "sms_promo",
        "send_viber": "",
        "send_sms": "1",
        "sender_viber": "",
        "text_viber": "",
        "button_text": "",
        "button_url": "",
        "image_url": "",
        "validity_period_viber": "",
        "sender_sms": "ShopDemo",
        "text_sms": "{name}, вам начислено {bonus} бонусов! Потратьте их до конца месяца.",
    },
    {
        "template": "viber_cascade",
        "send_viber": "1",
        "send_sms": "2",
        "sender_viber": "ShopDemo",
        "text_viber": (
            "{name}, для вас персональная скидка 15% по промокоду {promo_code}. "
            "Нажмите на кнопку, чтобы открыть подборку товаров."
        ),
        "button_text": "Открыть подборку",
        "button_url": "https://shop.example/promo?code={promo_code}",
        "image_url": "https://shop.example/img/sale-15.png",
        "validity_period_viber": "120",
        "sender_sms": "ShopDemo",
        "text_sms": "{name}, скидка 15% по промокоду {promo_code}: shop.example",
    },
    {
        "template": "reminder_gsm",
        "send_viber": "",
        "send_sms": "1",
        "sender_viber": "",
        "text_viber": "",
        "button_text": "",
        "button_url": "",
        "image_url": "",
        "validity_period_viber": "",
        "sender_sms": "ShopDemo",
        "text_sms": (
            "We miss you! Your code {promo_code} gives 10% off until the end of the month "
            "at shop.example"
        ),
    },
]
TEMPLATE_COLUMNS = list(TEMPLATES[0])


def _ru_digits(rng: random.Random, used: set[str]) -> str:
    while True:
        number = "7" + rng.choice(RU_MOBILE_CODES) + f"{rng.randrange(10**7):07d}"
        if number not in used:
            used.add(number)
            return number


def _kz_digits(rng: random.Random, used: set[str]) -> str:
    while True:
        number = "7" + rng.choice(KZ_MOBILE_CODES) + f"{rng.randrange(10**7):07d}"
        if number not in used:
            used.add(number)
            return number


def _messy(rng: random.Random, digits: str) -> str:
    """Write an international Russian/Kazakh number (7XXXXXXXXXX) the way people do."""
    code, a, b, c = digits[1:4], digits[4:7], digits[7:9], digits[9:11]
    styles = [
        f"+7 ({code}) {a}-{b}-{c}",
        f"8 {code} {a} {b} {c}",
        f"8{code}{a}{b}{c}",
        f"{code}{a}{b}{c}",
        f"+7{code}{a}{b}{c}",
        f"7{code}{a}{b}{c}",
        f"8-{code}-{a}-{b}-{c}",
        f"+7 {code} {a} {b} {c}",
        f" 8 ({code}) {a}-{b}{c} ",
    ]
    return rng.choices(styles, weights=[22, 16, 16, 10, 10, 10, 6, 6, 4])[0]


def _promo_code(rng: random.Random, segment: str, used: set[str]) -> str:
    prefix = {"new": "HELLO", "loyal": "THANKS", "vip": "VIP", "lapsed": "BACK"}[segment]
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    while True:
        code = prefix + "-" + "".join(rng.choice(alphabet) for _ in range(4))
        if code not in used:
            used.add(code)
            return code


def make_recipients(seed: int = SEED) -> list[dict[str, object]]:
    """The recipient rows: ``bonus`` is an int or None, every other value a string."""
    rng = random.Random(seed)
    used_phones: set[str] = {"79000000000"}
    used_codes: set[str] = set()
    ids = sorted(rng.sample(range(1, 1000), N_UNIQUE))
    special = rng.sample(range(N_UNIQUE), 4 + 1 + 5 + 1)
    invalid_at = dict(zip(special[:4], INVALID_PHONES, strict=True))
    stop_at = special[4]
    kz_at = set(special[5:10])
    ua_at = special[10]
    rows: list[dict[str, object]] = []
    for i, number in enumerate(ids):
        segment = rng.choices(SEGMENTS, weights=SEGMENT_WEIGHTS)[0]
        choices, weights = TEMPLATE_BY_SEGMENT[segment]
        template = rng.choices(choices, weights=weights)[0]
        city = rng.choice(CITIES_RU)
        if i in invalid_at:
            phone = invalid_at[i]
        elif i == stop_at:
            phone = STOP_LISTED_PHONE
        elif i in kz_at:
            phone = _messy(rng, _kz_digits(rng, used_phones))
            city = rng.choice(["Алматы", "Астана", "Шымкент"])
        elif i == ua_at:
            phone = "380" + rng.choice(["50", "67", "93"]) + f"{rng.randrange(10**7):07d}"
            city = "Харьков"
        else:
            phone = _messy(rng, _ru_digits(rng, used_phones))
        # sms_promo needs {bonus}; other templates leave it blank now and then
        if template == "sms_promo" or rng.random() < 0.6:
            bonus: int | None = rng.randrange(100, 1001, 50)
        else:
            bonus = None
        rows.append(
            {
                "customer_id": f"C{number:05d}",
                "name": rng.choice(NAMES),
                "phone": phone,
                "segment": segment,
                "city": city,
                "template": template,
                "bonus": bonus,
                "promo_code": _promo_code(rng, segment, used_codes),
            }
        )
    _place(rows, special)
    # the same customer exported twice, right after the original row
    twice = rng.randrange(N_UNIQUE)
    while twice in invalid_at or twice == stop_at:
        twice = rng.randrange(N_UNIQUE)
    rows.insert(twice + 1, dict(rows[twice]))
    return rows


def _place(rows: list[dict[str, object]], special: list[int]) -> None:
    """Move a quarter of the Russian customers east or west, and give every row its zone."""
    rng = random.Random(SEED + 1)  # a stream of its own: the other columns do not change
    kept = set(special[5:11])  # Kazakh and Ukrainian customers stay where they are
    for i, row in enumerate(rows):
        if i not in kept and rng.random() < 0.25:
            row["city"] = rng.choice(FAR_CITIES)
        # a few exports leave the zone blank: the phone, else the campaign's tz, decides
        row["timezone"] = None if rng.random() < 0.08 else CITY_ZONES[str(row["city"])]


def write_csv(rows: list[dict[str, object]], columns: list[str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row[k] is None else row[k] for k in columns})


def write_xlsx(rows: list[dict[str, object]], columns: list[str], path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "recipients"
    sheet.append(columns)
    for row in rows:
        values = []
        for column in columns:
            value = row[column]
            # a phone made only of digits is a number cell, as exports have it
            if column == "phone" and isinstance(value, str) and value.isdigit():
                value = int(value)
            values.append(value)
        sheet.append(values)
    for letter, width in zip("ABCDEFGHI", [12, 12, 22, 9, 18, 18, 15, 8, 13], strict=True):
        sheet.column_dimensions[letter].width = width
    fixed = dt.datetime(2024, 5, 1, 9, 0, 0)
    book.properties.created = fixed
    book.properties.modified = fixed
    book.properties.creator = "shop.example CRM export"
    book.save(path)


def main() -> None:
    rows = make_recipients()
    write_csv(rows, RECIPIENT_COLUMNS, HERE / "recipients.csv")
    write_xlsx(rows, RECIPIENT_COLUMNS, HERE / "recipients.xlsx")
    write_csv(TEMPLATES, TEMPLATE_COLUMNS, HERE / "templates.csv")  # type: ignore[arg-type]
    print(f"wrote {len(rows)} recipients and {len(TEMPLATES)} templates to {HERE}")


if __name__ == "__main__":
    main()
