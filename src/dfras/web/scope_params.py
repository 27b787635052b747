"""The scope of a page, read from its query string, and links that narrow or widen it.

The query string uses the CLI's option names (``city``, ``warehouse``, ``partner``, ``client``,
``driver``, ``route``, ``state``, each repeatable; ``period`` words or ``start``/``end`` dates),
so a dashboard URL and a ``dfras explain`` command line read alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from dfras.analysis.scope import Scope, make_scope

#: URL parameter → scope filter (fact column).
PARAMS: dict[str, str] = {
    "city": "city",
    "state": "state",
    "warehouse": "warehouse_id",
    "partner": "partner_company",
    "client": "client_id",
    "driver": "driver_id",
    "route": "route_code",
}
#: scope filter → URL parameter
BY_COLUMN = {v: k for k, v in PARAMS.items()}
#: Human labels of the filters.
LABELS: dict[str, str] = {
    "city": "City",
    "state": "State",
    "warehouse_id": "Warehouse",
    "partner_company": "Partner",
    "client_id": "Client",
    "driver_id": "Driver",
    "route_code": "Route",
}
PERIODS = (
    ("", "All time"),
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("past week", "Past week"),
    ("past 30 days", "Past 30 days"),
    ("this month", "This month"),
    ("last month", "Last month"),
)
OUTCOMES = (
    ("failure", "Failure"),
    ("late", "Late"),
    ("return", "Return"),
    ("delay", "Delay hours"),
)


@dataclass
class ScopeParams:
    """The scope parameters of one request, kept as text for forms and links."""

    filters: dict[str, list[str]] = field(default_factory=dict)
    period: str = ""
    start: str = ""
    end: str = ""
    prefix: str = ""

    @classmethod
    def read(cls, query: QueryParams, prefix: str = "") -> ScopeParams:
        filters = {
            col: [v.strip() for v in query.getlist(prefix + name) if v.strip()]
            for name, col in PARAMS.items()
        }
        return cls(
            filters={k: v for k, v in filters.items() if v},
            period=(query.get(prefix + "period") or "").strip(),
            start=(query.get(prefix + "start") or "").strip(),
            end=(query.get(prefix + "end") or "").strip(),
            prefix=prefix,
        )

    def scope(self, as_of: date | None) -> Scope:
        """The core Scope (raises UserError on a bad period, date or id)."""
        from dfras.service.scopes import within_user_scopes

        filters: dict[str, Any] = dict(self.filters)
        return within_user_scopes(
            make_scope(
                period=self.period or None,
                start=self.start or None,
                end=self.end or None,
                as_of=as_of,
                **filters,
            )
        )

    def pairs(self) -> list[tuple[str, str]]:
        """The parameters as (name, value) pairs, prefixed, for a query string."""
        out = [(self.prefix + BY_COLUMN[c], v) for c, vs in self.filters.items() for v in vs]
        for name in ("period", "start", "end"):
            value = getattr(self, name)
            if value:
                out.append((self.prefix + name, value))
        return out

    def query(self, **extra: Any) -> str:
        pairs = self.pairs() + [(k, str(v)) for k, v in extra.items() if v not in (None, "")]
        return urlencode(pairs)

    def with_filter(self, column: str, value: Any) -> ScopeParams:
        """This scope narrowed to ``column = value`` (drilling down)."""
        filters = {k: list(v) for k, v in self.filters.items()}
        filters[column] = [str(value)]
        return ScopeParams(filters, self.period, self.start, self.end, self.prefix)

    def without(self, column: str) -> ScopeParams:
        """This scope with one filter (or the period, ``column="period"``) removed."""
        if column == "period":
            return ScopeParams(dict(self.filters), "", "", "", self.prefix)
        filters = {k: list(v) for k, v in self.filters.items() if k != column}
        return ScopeParams(filters, self.period, self.start, self.end, self.prefix)

    def chips(self) -> list[dict[str, str]]:
        """The active filters as removable chips: label, value, and the scope without it."""
        chips = [
            {"label": LABELS[c], "value": ", ".join(v), "column": c}
            for c, v in sorted(self.filters.items())
        ]
        if self.period or self.start or self.end:
            value = self.period or f"{self.start or '…'} to {self.end or '…'}"
            chips.append({"label": "Period", "value": value, "column": "period"})
        return chips

    def first(self, column: str) -> str:
        values = self.filters.get(column) or [""]
        return values[0]
