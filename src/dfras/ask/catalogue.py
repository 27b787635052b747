"""The names a question can use, read from the data: cities, clients, warehouses, partners.

A question names things the way people do ("chenai", "Saini LLC", "blue dart"); the scope an
analysis runs on needs the values as stored (``city = 'Chennai'``, ``client_id = 1``). The
catalogue holds every distinct value of each scope column (a few small DISTINCT queries) and
matches words against them: exactly (ignoring case, spaces, hyphens and ``&``/``and``), through
a few well-known aliases (Bangalore → Bengaluru), and fuzzily (rapidfuzz's normalised
Indel similarity, 0–100) for misspellings.

Example:
    >>> cat = EntityCatalogue(cities=["Chennai", "Pune"])
    >>> [(e.value, round(s)) for e, s in cat.closest("chenai", kinds=("city",))][:1]
    [('Chennai', 92)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from dfras.store.base import Store

#: kind of name → the scope filter (source column) it sets
COLUMNS: dict[str, str] = {
    "city": "city",
    "state": "state",
    "client": "client_id",
    "warehouse": "warehouse_id",
    "partner": "partner_company",
    "route": "route_code",
    "driver": "driver_id",
    "event": "event_type",
}

#: well-known other names of Indian cities, used only when the target is in the data
CITY_ALIASES: dict[str, str] = {
    "bangalore": "Bengaluru",
    "banglore": "Bengaluru",
    "bengalore": "Bengaluru",
    "bombay": "Mumbai",
    "madras": "Chennai",
    "mysore": "Mysuru",
    "calcutta": "Kolkata",
    "gurgaon": "Gurugram",
    "poona": "Pune",
    "baroda": "Vadodara",
    "trivandrum": "Thiruvananthapuram",
    "delhi ncr": "New Delhi",
}

_COMPANY_SUFFIX = re.compile(
    r"\s+(?:and\s+sons|&\s+sons|group|plc|ltd|llc|inc|pvt|private\s+limited|limited)\.?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Entity:
    """One value of a scope column, with the name a person would use for it."""

    kind: str
    value: Any
    name: str

    @property
    def column(self) -> str:
        return COLUMNS[self.kind]

    def describe(self) -> str:
        if self.kind in ("client", "warehouse") and str(self.value) not in self.name:
            return f"{self.name} ({self.kind} {self.value})"
        if self.kind == "driver":
            return f"driver {self.value}"
        return f"{self.name} ({self.kind})"


def key(text: str) -> str:
    """A name reduced to letters and digits: case, spaces, hyphens and '&' vs 'and' ignored."""
    text = _split_camel(text).lower().replace("&", " and ")
    return "".join(re.findall(r"[a-z0-9]+", text))


def _split_camel(text: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)


@dataclass
class EntityCatalogue:
    """Distinct values of the scope columns, and lookups over them."""

    cities: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    clients: dict[int, str] = field(default_factory=dict)
    warehouses: dict[int, str] = field(default_factory=dict)
    partners: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    driver_ids: list[int] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, store: Store) -> EntityCatalogue:
        """Read the catalogue from the delivery fact (and the clients/warehouses tables)."""
        fact = "delivery_fact"

        def distinct(col: str) -> list[Any]:
            rows = store.fetchall(
                f"SELECT DISTINCT {col} FROM {fact} WHERE {col} IS NOT NULL ORDER BY 1"
            )
            return [r[0] for r in rows]

        clients: dict[int, str] = {}
        if store.table_exists("clients"):
            clients.update(store.fetchall("SELECT client_id, client_name FROM clients"))
        for cid, name in store.fetchall(
            f"SELECT client_id, any_value(client_name) FROM {fact} "
            "WHERE client_id IS NOT NULL GROUP BY 1"
        ):
            clients.setdefault(int(cid), name or f"client {cid}")
        warehouses: dict[int, str] = {}
        if store.table_exists("warehouses"):
            warehouses.update(store.fetchall("SELECT warehouse_id, warehouse_name FROM warehouses"))
        for (wid,) in store.fetchall(
            f"SELECT DISTINCT warehouse_id FROM {fact} WHERE warehouse_id IS NOT NULL"
        ):
            warehouses.setdefault(int(wid), f"warehouse {wid}")
        return cls(
            cities=distinct("city"),
            states=distinct("state"),
            clients=dict(sorted(clients.items())),
            warehouses=dict(sorted(warehouses.items())),
            partners=distinct("partner_company"),
            routes=distinct("route_code"),
            driver_ids=[int(d) for d in distinct("driver_id")],
            event_types=distinct("event_type"),
        )

    # -- the names -------------------------------------------------------------------------

    @cached_property
    def entities(self) -> list[Entity]:
        out = [Entity("city", c, c) for c in self.cities]
        out += [Entity("state", s, s) for s in self.states]
        out += [Entity("client", i, n) for i, n in self.clients.items()]
        out += [Entity("warehouse", i, n) for i, n in self.warehouses.items()]
        out += [Entity("partner", p, p) for p in self.partners]
        out += [Entity("route", r, r) for r in self.routes]
        out += [Entity("event", e, e) for e in self.event_types]
        return out

    @cached_property
    def _names(self) -> dict[str, list[Entity]]:
        """Every way of writing a name (its key) → the entities it names."""
        index: dict[str, list[Entity]] = {}

        def add(text: str, entity: Entity) -> None:
            k = key(text)
            if k and entity not in index.setdefault(k, []):
                index[k].append(entity)

        for e in self.entities:
            if e.kind in ("route", "event"):
                continue  # routes are read by their own pattern, events by festival words
            add(e.name, e)
        cities = {c.lower(): c for c in self.cities}
        for alias, city in CITY_ALIASES.items():
            if city.lower() in cities:
                add(alias, Entity("city", cities[city.lower()], cities[city.lower()]))
        return index

    @cached_property
    def _cores(self) -> dict[str, list[Entity]]:
        """Client names without their company suffix ("Saini" for "Saini LLC")."""
        index: dict[str, list[Entity]] = {}
        for cid, name in self.clients.items():
            core = _COMPANY_SUFFIX.sub("", name or "")
            if core != name and len(core) >= 4:
                index.setdefault(key(core), []).append(Entity("client", cid, name))
        return index

    @cached_property
    def max_words(self) -> int:
        """The most words any name has (the longest phrase worth looking up)."""
        words = [len(re.findall(r"[a-z0-9]+", _split_camel(e.name).lower())) for e in self.entities]
        return max([*words, 2]) + 1

    def exact(self, text: str, *, kinds: Iterable[str] | None = None) -> list[Entity]:
        """Entities whose name (or an alias) is ``text``, ignoring case and separators."""
        found = self._names.get(key(text), [])
        wanted = set(kinds) if kinds else None
        return [e for e in found if wanted is None or e.kind in wanted]

    def exact_core(self, text: str) -> list[Entity]:
        """Clients whose name without the company suffix is ``text``."""
        return list(self._cores.get(key(text), []))

    def closest(
        self,
        text: str,
        *,
        kinds: Sequence[str] | None = None,
        limit: int = 3,
        cutoff: float = 0.0,
    ) -> list[tuple[Entity, float]]:
        """The ``limit`` names most like ``text`` (score 0–100, best first), one per entity."""
        choices = self._choices(tuple(sorted(kinds)) if kinds else None)
        if not choices:
            return []
        hits = process.extract(
            key(text),
            list(choices),
            scorer=fuzz.ratio,
            limit=limit * 4,
            score_cutoff=cutoff,
        )
        seen: list[Entity] = []
        out: list[tuple[Entity, float]] = []
        for choice, score, _ in hits:
            for e in choices[choice]:
                if e not in seen:
                    seen.append(e)
                    out.append((e, float(score)))
        out.sort(key=lambda pair: -pair[1])
        return out[:limit]

    def _choices(self, kinds: tuple[str, ...] | None) -> dict[str, list[Entity]]:
        cache = self.__dict__.setdefault("_choice_cache", {})
        if kinds not in cache:
            out: dict[str, list[Entity]] = {}
            for k, ents in self._names.items():
                keep = [e for e in ents if kinds is None or e.kind in kinds]
                if keep:
                    out[k] = keep
            if kinds is None or "client" in kinds:
                for k, ents in self._cores.items():
                    out.setdefault(k, []).extend(e for e in ents if e not in out.get(k, []))
            cache[kinds] = out
        result: dict[str, list[Entity]] = cache[kinds]
        return result

    def has(self, kind: str, value: Any) -> bool:
        """Whether ``value`` occurs in the data for this kind of name."""
        pool: Any = {
            "city": self.cities,
            "state": self.states,
            "client": self.clients,
            "warehouse": self.warehouses,
            "partner": self.partners,
            "route": self.routes,
            "driver": set(self.driver_ids),
            "event": self.event_types,
        }[kind]
        return value in pool

    def ids(self, kind: str) -> list[Any]:
        """All values of one kind (ids for clients, warehouses and drivers)."""
        pool: dict[str, Sequence[Any]] = {
            "city": self.cities,
            "state": self.states,
            "client": list(self.clients),
            "warehouse": list(self.warehouses),
            "partner": self.partners,
            "route": self.routes,
            "driver": self.driver_ids,
            "event": self.event_types,
        }
        return list(pool[kind])

    def name_of(self, kind: str, value: Any) -> str:
        if kind == "client":
            return self.clients.get(value, f"client {value}")
        if kind == "warehouse":
            return self.warehouses.get(value, f"warehouse {value}")
        if kind == "driver":
            return f"driver {value}"
        return str(value)

    def event_named(self, word: str) -> str | None:
        """The stored event type for a word ("festival" → "Festival"), if the data has it."""
        for e in self.event_types:
            if e.lower() == word.lower():
                return e
        return None
