"""The festival calendar: public holidays and the user's YAML file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dfras.domain.errors import UserError
from dfras.simulate.calendar import Calendar


def test_public_festivals_and_user_events(tmp_path: Path) -> None:
    f = tmp_path / "cal.yaml"
    f.write_text(
        "events:\n  - name: Big Sale\n    start: 2025-10-01\n    end: 2025-10-03\n    uplift: 1.8\n"
    )
    cal = Calendar.load(f, years=[2025])
    diwali = cal.find("diwali", after=date(2025, 1, 1))
    assert diwali.start == date(2025, 10, 20)
    sale = cal.find("big sale", after=date(2025, 9, 1))
    assert (sale.start, sale.end, sale.uplift) == (date(2025, 10, 1), date(2025, 10, 3), 1.8)
    days = cal.festival_days()
    assert date(2025, 10, 2) in days and date(2025, 10, 20) in days
    assert date(2025, 1, 26) not in days  # Republic Day: a holiday, not a festival


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("events: 3", "list under 'events'"),
        ("events:\n  - name: X\n", "needs 'name' and 'start'"),
        (
            "events:\n  - name: X\n    start: 2025-13-01\n",
            "not a valid date.*month must be in 1..12",
        ),
        ("events:\n  - name: X\n    start: 1st October\n", r"events\[1\].start: '1st October'"),
        ("events:\n  - {name: X, start: 2025-10-05, end: 2025-10-01}\n", "before start"),
        ("events:\n  - {name: X, start: 2025-10-05, uplift: -1}\n", "not a positive number"),
        ("events:\n  - {name: X, start: 2025-10-05, kind: sale}\n", "not festival or holiday"),
        ("events: [", "not valid YAML"),
    ],
)
def test_bad_calendar_files_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "cal.yaml"
    f.write_text(text)
    with pytest.raises(UserError, match=message):
        Calendar.load(f, years=[2025])


def test_unknown_festival_lists_known_ones() -> None:
    with pytest.raises(UserError, match="no festival 'Oktoberfest'"):
        Calendar.load(None, years=[2025]).find("Oktoberfest", after=date(2025, 1, 1))
