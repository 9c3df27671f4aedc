"""Every accepted date form, relative to a fixed today, and the error for the rest."""

from __future__ import annotations

import datetime as dt

import pytest

from circletrack.model.dates import DateError, add_months, parse_date

TODAY = dt.date(2026, 1, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011-12-31", dt.date(2011, 12, 31)),
        ("2011/12/31", dt.date(2011, 12, 31)),
        ("Dec 31 2011", dt.date(2011, 12, 31)),
        ("31 December 2011", dt.date(2011, 12, 31)),
        ("2011年12月31日", dt.date(2011, 12, 31)),
        ("2011年2月8号", dt.date(2011, 2, 8)),
        ("2011年12月", dt.date(2011, 12, 31)),
        ("2012年2月", dt.date(2012, 2, 29)),
        ("2011年", dt.date(2011, 12, 31)),
        ("Feb 2011", dt.date(2011, 2, 28)),
        ("today", TODAY),
        ("TODAY", TODAY),
        ("今天", TODAY),
        ("yesterday", dt.date(2026, 1, 30)),
        ("tomorrow", dt.date(2026, 2, 1)),
        ("+30d", dt.date(2026, 3, 2)),
        ("-2w", dt.date(2026, 1, 17)),
        ("+3m", dt.date(2026, 4, 30)),
        ("+1m", dt.date(2026, 2, 28)),
        ("-1y", dt.date(2025, 1, 31)),
        ("eom", dt.date(2026, 1, 31)),
        ("eoy", dt.date(2026, 12, 31)),
        ("  2020-06-30  ", dt.date(2020, 6, 30)),
    ],
)
def test_accepted_forms(text: str, expected: dt.date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "soon", "31", "12/31", "2011-13-01", "2011-02-30",
                                  "2011年13月", "+3x", "next week", "2011年2月30日"])
def test_unreadable_dates_name_the_field_and_the_forms(text: str) -> None:
    with pytest.raises(DateError) as info:
        parse_date(text, TODAY, "due")
    message = str(info.value)
    assert info.value.field == "due" and message.startswith("cannot read")
    assert "YYYY-MM-DD" in message and "+30d" in message and "2011年12月" in message
    assert "\n" not in message


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 3, 15), -15) == dt.date(2022, 12, 15)


def test_the_command_line_names_the_option_of_an_unreadable_date(tmp_path: "object") -> None:
    from typer.testing import CliRunner

    from circletrack.cli import app

    result = CliRunner().invoke(app, ["list", "--due-before", "soon"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --due-before: cannot read 'soon' as a date")
    result = CliRunner().invoke(app, ["timeline", "--from", "soon"])
    assert result.stderr.startswith("Error: --from: cannot read 'soon' as a date")
