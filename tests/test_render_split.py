"""render(errors="split") and render errors worded per template and cause, with file lines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import targetsms_frames as tsf
from targetsms_frames import RenderError

TEMPLATES = pd.DataFrame(
    {
        "template": ["promo", "news"],
        "text_sms": ["{name}, +{bonus} points", "News for {name}"],
        "sender_sms": "Shop",
        "send_sms": 1,
    }
)


def _recipients() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone": ["79001000001", "79001000002", "79001000003", "79001000004"],
            "template": ["promo", "promo", "nwes", "news"],
            "name": ["Anna", None, "Vera", "  "],
            "bonus": [10.0, 20.0, None, None],
        },
        index=["a", "b", "c", "d"],
    )


def test_split_rejects_rows_with_a_blank_value_or_unknown_template_and_renders_the_rest() -> None:
    rendered, rejected = tsf.render(_recipients(), TEMPLATES, errors="split")
    assert rendered.index.tolist() == ["a"]
    assert rendered["text_sms"].tolist() == ["Anna, +10 points"]
    assert rejected.index.tolist() == ["b", "c", "d"]
    assert rejected.columns.tolist() == [*_recipients().columns, "reject_reason"]
    reasons = rejected["reject_reason"].tolist()
    assert reasons[0] == "text_sms: placeholder {name} has no value (name is blank)"
    assert reasons[1].startswith("template: unknown template 'nwes' (did you mean 'news'?)")
    assert reasons[2] == "text_sms: placeholder {name} has no value (name is blank)"


def test_split_keeps_every_row_when_all_render() -> None:
    recipients = _recipients().iloc[[0]]
    rendered, rejected = tsf.render(recipients, TEMPLATES, errors="split")
    assert rendered.index.tolist() == ["a"] and rejected.empty
    assert "reject_reason" in rejected.columns


def test_split_still_raises_for_a_typo_in_the_template_itself() -> None:
    templates = TEMPLATES.assign(text_sms=["{nmae}, +{bonus} points", "News for {name}"])
    with pytest.raises(RenderError, match=r"unknown placeholder \{nmae\}"):
        tsf.render(_recipients(), templates, errors="split")


def test_a_typo_is_reported_once_per_template_with_a_suggestion_and_the_columns() -> None:
    recipients = _recipients().assign(template="promo", name="X")
    templates = TEMPLATES.assign(text_sms=["{nmae}, +{bonus} points", "News"])
    with pytest.raises(RenderError) as info:
        tsf.render(recipients, templates)
    message = str(info.value)
    lines = message.splitlines()
    assert lines[0] == "4 of 4 rows could not be rendered:"
    assert len(lines) == 3, message
    assert "text_sms of template 'promo': unknown placeholder {nmae}" in lines[1]
    assert "(did you mean {name}?)" in lines[1]
    assert "recipients have: phone, template, name, bonus" in lines[1]
    assert lines[1].endswith("rows 'a', 'b', 'c', 'd'")
    cases = info.value.failure_cases
    assert len(cases) == 4 and set(cases["template"]) == {"promo"}


def test_render_errors_name_the_lines_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "recipients.csv"
    path.write_text(
        "phone,template,name,bonus\n"
        "79001000001,promo,Anna,10\n"
        "\n"
        "79001000002,promo,NULL,20\n"
        "79001000003,news,,\n",
        encoding="utf-8",
    )
    recipients = tsf.read_table(path)
    with pytest.raises(RenderError) as info:
        tsf.render(recipients, TEMPLATES)
    message = str(info.value)
    assert "2 of 3 rows could not be rendered" in message
    assert (
        "text_sms of template 'promo': placeholder {name} has no value (name is blank): "
        "line 4 of recipients.csv" in message
    )
    assert "text_sms of template 'news': placeholder {name} has no value" in message
    assert "line 5 of recipients.csv" in message
    assert info.value.failure_cases["line"].tolist() == [4, 5]
    # the labels still tell the rows apart after filtering; renumbered rows have no lines
    with pytest.raises(RenderError, match=r"line 5 of recipients\.csv"):
        tsf.render(recipients.iloc[[2]], TEMPLATES)
    with pytest.raises(RenderError, match=r": row 0\n"):
        tsf.render(recipients.iloc[[2]].reset_index(drop=True), TEMPLATES)


def test_a_mixed_type_index_goes_through_send_with_a_journal(
    client: tsf.Client, sandbox: tsf.Sandbox, tmp_path: Path
) -> None:
    messages = pd.DataFrame(
        {"phone": ["79001000001", "79001000002", "79001000003"], "send_sms": 1},
        index=pd.Index([1, "a", 2.5], dtype=object),
    ).assign(sender_sms="Shop", text_sms="Hi")
    sent = tsf.send(messages, client, journal=tmp_path / "j.sqlite", progress=False)
    assert sent.index.tolist() == [1, "a", 2.5]
    assert sent["send_state"].tolist() == ["sent"] * 3
    assert len(sandbox.messages) == 3
