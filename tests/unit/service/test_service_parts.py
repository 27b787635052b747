"""Small parts of the service and reports: cache, schedules, spreadsheet neutralising, ids."""

from __future__ import annotations

from datetime import datetime

import pytest

from dfras.domain.errors import UserError
from dfras.reports.schedule import Schedule
from dfras.reports.xlsx import neutralise
from dfras.service.cache import MemoryCache, cache_key
from dfras.service.observe import _request_id


def test_memory_cache_is_bounded_and_least_recently_used_goes_first() -> None:
    c = MemoryCache(max_entries=2)
    c.set("a", b"1")
    c.set("b", b"2")
    assert c.get("a") == b"1"  # a is now the most recent
    c.set("c", b"3")
    assert c.get("b") is None and c.get("a") == b"1" and c.get("c") == b"3"
    c.clear()
    assert c.get("a") is None


def test_cache_keys_ignore_key_order_and_carry_the_version() -> None:
    k1 = cache_key("7.0", "overview", {"city": ["A"], "period": "past week"})
    k2 = cache_key("7.0", "overview", {"period": "past week", "city": ["A"]})
    assert k1 == k2 and k1.startswith("7.0:overview:")
    assert cache_key("7.1", "overview", {"city": ["A"]}) != cache_key(
        "7.0", "overview", {"city": ["A"]}
    )


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("=1+2", "'=1+2"),
        ("+44", "'+44"),
        ("-x", "'-x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Mumbai", "Mumbai"),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(text: str, want: str) -> None:
    assert neutralise(text) == want


def test_weekly_schedule_is_due_once_per_week() -> None:
    s = Schedule(name="w", frequency="weekly", weekday=0, hour=7)  # Mondays 07:00
    monday_8 = datetime(2025, 9, 8, 8, 0)
    assert s.last_slot(monday_8) == datetime(2025, 9, 8, 7, 0)
    assert s.is_due(monday_8)
    s.last_run_at = monday_8
    assert not s.is_due(datetime(2025, 9, 14, 23, 0))  # Sunday: not yet
    assert s.is_due(datetime(2025, 9, 15, 7, 0))  # next Monday 07:00
    assert s.last_slot(datetime(2025, 9, 8, 6, 59)) == datetime(2025, 9, 1, 7, 0)


def test_daily_schedule_and_validation() -> None:
    s = Schedule(name="d", frequency="daily", hour=6, last_run_at=datetime(2025, 9, 8, 6, 0))
    assert not s.is_due(datetime(2025, 9, 9, 5, 59)) and s.is_due(datetime(2025, 9, 9, 6, 0))
    with pytest.raises(UserError):
        Schedule(name="x", frequency="hourly").validate()
    with pytest.raises(UserError):
        Schedule(name="x", frequency="daily", format="docx").validate()


def test_request_ids_are_taken_only_when_plausible() -> None:
    assert _request_id({"headers": [(b"x-request-id", b"req-1.2:3")]}) == "req-1.2:3"
    made = _request_id({"headers": [(b"x-request-id", b"<script>")]})
    assert made != "<script>" and len(made) == 32
    assert len(_request_id({"headers": []})) == 32
