"""Festival and holiday days: public holidays, a user-editable calendar file, the data's own days.

Three sources, merged: India's public holidays from the ``holidays`` package (the data's
country: its cities are Indian), a YAML file the user keeps (``--calendar FILE``), and the
days the data itself tags as Festival far more than usual (found when the model is fitted).

The YAML file::

    events:
      - name: Big Billion Days
        start: 2025-10-01
        end: 2025-10-07        # optional, default = start
        kind: festival         # festival (default) or holiday
        uplift: 1.8            # optional: volume multiplier on these days

Example:
    >>> cal = Calendar.load(None, years=[2025])
    >>> cal.find("diwali", after=date(2025, 1, 1)).start.isoformat()
    '2025-10-20'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dfras.domain.errors import UserError

#: public holidays that are festivals (others, e.g. Republic Day, are not shopping peaks)
_FESTIVAL_WORDS = (
    "diwali", "deepavali", "holi", "dussehra", "vijaya", "navratri", "durga", "ganesh",
    "janmashtami", "raksha", "onam", "pongal", "eid", "id-ul", "id ul", "muharram", "christmas",
    "guru nanak", "mahavir", "buddha", "ram navami", "ramzan", "bakrid",
)  # fmt: skip


@dataclass(frozen=True)
class Event:
    name: str
    start: date
    end: date
    kind: str = "festival"
    source: str = "holidays"
    uplift: float | None = None

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "kind": self.kind,
            "source": self.source,
            "uplift": self.uplift,
        }


@dataclass
class Calendar:
    events: list[Event] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None, *, years: list[int]) -> Calendar:
        events = _public_holidays(years)
        if path is not None:
            events += _read_file(path)
        events.sort(key=lambda e: (e.start, e.name))
        return cls(events)

    def festival_days(self) -> list[date]:
        return sorted({d for e in self.events if e.kind == "festival" for d in e.days()})

    def find(self, name: str | None, *, after: date) -> Event:
        """The first festival starting after ``after`` whose name contains ``name`` (any
        festival when ``name`` is None)."""
        want = (name or "").strip().lower()
        for e in self.events:
            if e.start > after and e.kind == "festival" and want in e.name.lower():
                return e
        names = sorted({e.name for e in self.events if e.kind == "festival"})
        raise UserError(
            f"no festival {name!r} after {after} in the calendar",
            hint="known: " + ", ".join(names[:20]) + "; or give --start/--end, or --calendar FILE",
        )


def _public_holidays(years: list[int]) -> list[Event]:
    import holidays

    out = []
    for day, name in sorted(holidays.country_holidays("IN", years=years).items()):
        low = name.lower()
        kind = "festival" if any(w in low for w in _FESTIVAL_WORDS) else "holiday"
        out.append(Event(name=name, start=day, end=day, kind=kind, source="holidays (India)"))
    return out


def _read_file(path: Path) -> list[Event]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read the calendar file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc})") from exc
    except ValueError as exc:  # a date-shaped value that is no date (2025-13-01)
        raise UserError(f"{path}: not a valid date ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise UserError(f"{path}: expected a mapping with a list under 'events'")
    out = []
    for i, item in enumerate(data["events"], start=1):
        where = f"{path}: events[{i}]"
        if not isinstance(item, dict) or "name" not in item or "start" not in item:
            raise UserError(f"{where}: each event needs 'name' and 'start'")
        start = _day(item["start"], f"{where}.start")
        end = _day(item.get("end", start), f"{where}.end")
        if end < start:
            raise UserError(f"{where}: end {end} is before start {start}")
        kind = str(item.get("kind", "festival")).lower()
        if kind not in ("festival", "holiday"):
            raise UserError(f"{where}.kind: {kind!r} is not festival or holiday")
        uplift = item.get("uplift")
        if uplift is not None and (not isinstance(uplift, int | float) or uplift <= 0):
            raise UserError(f"{where}.uplift: {uplift!r} is not a positive number")
        out.append(Event(str(item["name"]), start, end, kind, str(path), uplift))
    return out


def _day(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise UserError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc
