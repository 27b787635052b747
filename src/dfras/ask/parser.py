"""Reading a plain-English question: intent, outcome, the names it mentions, and its period.

Deterministic and offline: keyword tables and regular expressions decide the intent
(``explain``, ``compare``, ``festival``, ``simulate``) and the outcome (failure, late, return,
delay hours); periods are read by the glossary's rules through :func:`resolve_period`; names
are matched against the data's own values (:class:`EntityCatalogue`): exactly first, then
fuzzily. A name the data does not have, or one that fits several values equally well, is an
error listing the closest matches, never a silent guess. Everything the parser assumed
(a misspelling it corrected, a letter read as a number) is said in ``notes``.

Example:
    >>> from datetime import date
    >>> cat = EntityCatalogue(cities=["Chennai", "Pune"])
    >>> u = parse_question("Why were deliveries delayed in chenai yesterday?",
    ...                    as_of=date(2025, 9, 12), catalogue=cat)
    >>> u.intent, u.outcome, u.scope.conditions(), str(u.scope.period.start)
    ('explain', 'late', {'city': 'Chennai'}, '2025-09-11')
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dfras.analysis.scope import DateField, Period, Scope, resolve_period
from dfras.ask.catalogue import COLUMNS, Entity, EntityCatalogue, key
from dfras.domain.errors import UserError

INTENTS = ("explain", "compare", "festival", "simulate")

#: words that are never names (question words, the glossary, connectors)
_VOCAB_WORDS = """
    a an the and or but if of in on at to for from by with without between among amongst vs
    versus v than then as is are was were be been being do does did done doing have has had
    having will would should could can may might must shall we our ours us you your i me my
    they their them it its this that these those there here what whats which who whom whose
    why how when where whether please tell show give list find see explain explained explains
    explanation reason reasons cause causes caused causing root factor factors driving behind
    delivery deliveries delivered deliver undelivered order orders ordered shipment shipments
    parcel parcels package packages consignment consignments item items fail fails failed
    failing failure failures late later lateness delay delays delayed delaying slow slower
    time ontime return returns returned returning rto origin unsuccessful successful success
    rate rates percent percentage share number count many much more most less least top main
    biggest major key primary likely probable possible potential common frequent so too very
    really just only also all any some each every other others rest else overall total average
    mean median hours hour days day weeks week months month year years period periods
    yesterday today tomorrow past last previous this next recent recently current currently
    since during over within throughout until till through before after ago compare compared
    comparing comparison difference differences differ differs different linked related
    associated due because about regarding concerning analyse analyze analysis breakdown
    break down happen happened happening going go went get got make made expect expected
    expecting prepare preparing preparation ready mitigate mitigation mitigating avoid prevent
    reduce improve fix risk risks new extra additional monthly weekly daily per onboard
    onboarding onboarded festival festivals festive holiday holidays season seasonal event
    events strike strikes customers customer shipper shippers merchant merchants seller sellers
    brand brands city cities state states client clients warehouse warehouses wh hub hubs dc
    partner partners courier couriers carrier carriers company companies logistics driver
    drivers route routes area areas region regions zone zones pincode pincodes location
    locations place places not no nor yes ok okay thanks thank up out off via per cent were
    like such same versus against relative cod prepaid gps sla eta tat trend trends pattern
    patterns issue issues problem problems bad worse worst high higher highest low lower lowest
    increase increased rise spike drop dropped week's month's detail details general example
    instance case cases term terms whole entire data dataset sample named called
    monday tuesday wednesday thursday friday saturday sunday weekend weekends morning evening
    night noon afternoon plan planning volume volumes expected growth load peak peaks demand
    transit progress particular short brief summary often frequently usually again still
    quarter quarters doubles double triples triple grows adds sends brings increases its
"""
VOCAB = frozenset(_VOCAB_WORDS.split())

_CONNECTORS = {"and", "&"}
_CUES: dict[str, str] = {
    "client": "client",
    "clients": "client",
    "shipper": "client",
    "merchant": "client",
    "seller": "client",
    "brand": "client",
    "warehouse": "warehouse",
    "warehouses": "warehouse",
    "hub": "warehouse",
    "city": "city",
    "state": "state",
    "partner": "partner",
    "partners": "partner",
    "courier": "partner",
    "carrier": "partner",
    "company": "partner",
    "driver": "driver",
    "route": "route",
}
#: kinds a name without a cue may be (clients only when capitalised: see _fuzzy_kinds)
_PLAIN_KINDS = ("city", "state", "partner", "warehouse")
_NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve"
_NUMBERS = {w: i for i, w in enumerate(_NUMBER_WORDS.split())}
_NUM = r"(\d+|" + "|".join(_NUMBERS) + r")"
_ISO = r"(\d{4}-\d{2}-\d{2})"
_MONTH = (
    r"(january|jan|february|feb|march|mar|april|apr|may|june|jun|july|jul|august|aug|"
    r"september|sept|sep|october|oct|november|nov|december|dec)"
)
_FESTIVAL_WORDS = (
    r"festival|festivals|festive|diwali|deepavali|holi|navratri|navaratri|dussehra|dasara|"
    r"durga\s+puja|eid|christmas|pongal|onam|ganesh\s+chaturthi|raksha\s+bandhan|"
    r"big\s+billion\s+days?|sale\s+season"
)
_HOLIDAY_WORDS = r"holiday|holidays|long\s+weekend"
_STRIKE_WORDS = r"strike|strikes|bandh|bandhs|hartal"


@dataclass(frozen=True)
class Match:
    """A span of the question and the stored value it was read as."""

    text: str
    entity: Entity
    score: float
    start: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "column": self.entity.column,
            "value": self.entity.value,
            "name": self.entity.name,
            "score": round(self.score, 1),
        }


@dataclass
class Understood:
    """How a question was read: what to run, on which orders, and what was assumed."""

    question: str
    intent: str
    outcome: str
    scope: Scope
    #: compare only: the second scope and a short label of each side
    compare_with: Scope | None = None
    labels: tuple[str, str] | None = None
    matches: list[Match] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: simulate only: what the what-if question asked
    simulation: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "intent": self.intent,
            "outcome": self.outcome,
            "scope": self.scope.conditions(),
            "period": _period_dict(self.scope.period),
            "notes": list(self.notes),
            "matches": [m.to_dict() for m in self.matches],
        }
        if self.compare_with is not None:
            labels = self.labels or ("A", "B")
            out["compare"] = [
                {"label": labels[0], "scope": self.scope.conditions(),
                 "period": _period_dict(self.scope.period)},
                {"label": labels[1], "scope": self.compare_with.conditions(),
                 "period": _period_dict(self.compare_with.period)},
            ]  # fmt: skip
        if self.simulation is not None:
            out["simulation"] = dict(self.simulation)
        return out

    def describe(self) -> str:
        """One line: intent, outcome, scope and period with dates."""
        if self.intent == "compare" and self.compare_with is not None and self.labels:
            where = f"A = {self.labels[0]}  vs  B = {self.labels[1]}"
        elif self.simulation is not None:
            sim = self.simulation
            who = sim.get("client") or "a new client"
            where = f"more orders from {who}" if sim.get("client_id") else f"onboarding {who}"
            if sim.get("extra_orders"):
                where += f" with +{sim['extra_orders']:,} orders per {sim.get('per') or 'month'}"
        else:
            where = _describe(self.scope)
        return f"{self.intent} · {self.outcome} · {where}"


def parse_question(text: str, *, as_of: date, catalogue: EntityCatalogue) -> Understood:
    """Read ``text`` into an :class:`Understood`; raises UserError on an unknown or ambiguous name."""
    q = _Question(text)
    notes: list[str] = []
    intent = _intent(q.low)
    outcome = _outcome(q.low)
    date_field, why = _date_field(q.low)
    periods = _periods(q, as_of=as_of, date_field=date_field)
    events = _events(q, catalogue, notes)
    if intent == "explain" and any(e in ("Festival", "Holiday") for e in events):
        intent = "festival"
    simulation = _simulation(q, catalogue) if intent == "simulate" else None
    matches = _ids(q, catalogue, notes)
    matches += _names(q, catalogue, notes, strict=intent != "simulate")
    matches.sort(key=lambda m: m.start)
    by_column: dict[str, list[Any]] = {}
    for m in matches:
        values = by_column.setdefault(m.entity.column, [])
        if m.entity.value not in values:
            values.append(m.entity.value)
    if events:
        by_column["event_type"] = events
    if intent == "explain" and re.search(r"\bbetween\b", q.low) and _split_column(by_column):
        intent = "compare"
    if periods and date_field != "order_date":
        notes.append(f"the period applies to {date_field} ({why})")
    u = Understood(question=text, intent=intent, outcome=outcome, scope=Scope(),
                   matches=matches, notes=notes, simulation=simulation)  # fmt: skip
    if intent == "compare":
        _compare_scopes(u, by_column, periods, catalogue, as_of=as_of)
    else:
        u.scope = Scope(filters=by_column, period=_one_period(periods, notes))
        if u.scope.period is None and intent != "simulate":
            notes.append("no period named: every order in the data")
    if simulation is not None and simulation["client"] is None:
        known = [m.entity for m in matches if m.entity.kind == "client"]
        if known:
            simulation["client"], simulation["client_id"] = known[0].name, known[0].value
    if simulation is not None and simulation.get("client_id") is not None:
        u.scope = Scope(filters={"client_id": [simulation["client_id"]]}, period=u.scope.period)
    return u


# -- the question as tokens ------------------------------------------------------------------


@dataclass
class _Token:
    text: str
    low: str
    start: int
    end: int
    cap: bool
    used: bool = False


class _Question:
    """The text, its lower-case form, and its words; spans are consumed as they are read."""

    def __init__(self, text: str) -> None:
        self.text = text.replace("’", "'").replace("‘", "'")
        self.low = self.text.lower()
        self.tokens: list[_Token] = []
        for m in re.finditer(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|&", self.text):
            word = m.group()
            low = re.sub(r"'s$", "", word.lower()).replace("'", "")
            self.tokens.append(_Token(word, low, m.start(), m.end(), word[0].isupper()))

    def consume(self, start: int, end: int) -> None:
        for t in self.tokens:
            if t.start < end and t.end > start:
                t.used = True

    def free(self, start: int, end: int) -> bool:
        return not any(t.used for t in self.tokens if t.start < end and t.end > start)

    def finditer(self, pattern: str) -> list[re.Match[str]]:
        """Matches over the lower-case text that touch no consumed word; consumes them."""
        found = []
        for m in re.finditer(pattern, self.low):
            if self.free(m.start(), m.end()):
                self.consume(m.start(), m.end())
                found.append(m)
        return found


# -- intent, outcome, date field ----------------------------------------------------------


def _intent(low: str) -> str:
    if re.search(
        r"\b(what\s+if|if\s+we|suppose|supposing|simulat\w*|what\s+would\s+happen|"
        r"on-?board\w*|take\s+on|sign\s+(?:up|on)|"
        r"if\s+(?:\S+\s+){1,4}(?:doubles?|triples?|grows?|adds?|sends?|brings?|increases?))\b",
        low,
    ):
        return "simulate"
    if re.search(
        r"\b(compare[ds]?|comparing|comparison|versus|vs|v/s|differ\w*|relative\s+to|"
        r"against)\b",
        low,
    ):
        return "compare"
    return "explain"


def _outcome(low: str) -> str:
    if re.search(
        r"\b(how\s+late|how\s+long|how\s+many\s+hours|hours?\s+(?:of\s+)?(?:delay|late)|"
        r"delay\s+hours?|(?:average|mean|median)\s+delay|how\s+much\s+delay|by\s+how\s+much)\b",
        low,
    ):
        return "delay"
    table = {
        "return": r"\b(returns?|returned|returning|rto|return[\s-]to[\s-]origin)\b",
        "late": r"\b(late|lateness|delay|delays|delayed|on[\s-]time|behind\s+schedule)\b",
        "failure": r"\b(fail|fails|failed|failing|failures?|undelivered|not\s+delivered|"
        r"unsuccessful|non[\s-]delivery)\b",
    }
    first: tuple[int, str] | None = None
    for name, pattern in table.items():
        m = re.search(pattern, low)
        if m and (first is None or m.start() < first[0]):
            first = (m.start(), name)
    return first[1] if first else "failure"


def _date_field(low: str) -> tuple[DateField, str]:
    if re.search(r"(?<!not )(?<!never )(?<!n't been )(?<!un)\bdelivered\b|\bdelivery\s+date\b",
                 low):  # fmt: skip
        return "actual_delivery_date", "the question says 'delivered'"
    if re.search(r"\bpromised\b|\bdue\b(?!\s+to\b)", low):
        return "promised_delivery_date", "the question names the promised date"
    return "order_date", ""


# -- periods --------------------------------------------------------------------------------


def _periods(q: _Question, *, as_of: date, date_field: DateField) -> list[tuple[int, Period]]:
    """Every period the question names, with where it starts in the text."""
    found: list[tuple[int, Period]] = []
    d = as_of

    def add(m: re.Match[str], period: Period) -> None:
        found.append((m.start(), period))

    def iso(s: str) -> date:
        try:
            return date.fromisoformat(s)
        except ValueError as exc:
            raise UserError(f"bad date {s!r}", hint="write dates as YYYY-MM-DD") from exc

    def span(m: re.Match[str], a: date, b: date, label: str) -> None:
        if b < a:
            raise UserError(f"the period {m.group().strip()!r} ends before it starts")
        add(m, Period(a, b, label, date_field))

    range_words = r"(?:and|to|until|till|through|thru)"
    for m in q.finditer(rf"\b(?:between|from)\s+{_ISO}\s+{range_words}\s+{_ISO}\b"):
        span(m, iso(m.group(1)), iso(m.group(2)), f"{m.group(1)} to {m.group(2)}")
    for m in q.finditer(rf"\b{_ISO}\s*(?:{range_words}|–|—|\.\.)\s*{_ISO}\b"):
        span(m, iso(m.group(1)), iso(m.group(2)), f"{m.group(1)} to {m.group(2)}")
    for m in q.finditer(rf"\bsince\s+{_ISO}\b"):
        span(m, iso(m.group(1)), d, f"since {m.group(1)}")
    for m in q.finditer(rf"\b(?:on\s+)?{_ISO}\b"):
        day = iso(m.group(1))
        add(m, Period(day, day, m.group(1), date_field))
    for m in q.finditer(r"\b(?:in\s+)?(\d{4})-(\d{2})\b"):
        add(m, resolve_period(f"{m.group(1)}-{m.group(2)}", as_of=d, date_field=date_field))
    for m in q.finditer(r"\b(?:the\s+)?day\s+before\s+yesterday\b"):
        day = d - timedelta(days=2)
        add(m, Period(day, day, "day before yesterday", date_field))
    for m in q.finditer(r"\b(yesterday|today)\b"):
        add(m, resolve_period(m.group(1), as_of=d, date_field=date_field))
    lead = r"\b(?:(?:in|over|during|for|within)\s+)?(?:the\s+)?"
    for m in q.finditer(rf"{lead}(?:past|last|previous|recent)\s+{_NUM}\s+(day|week|month)s?\b"):
        g = m.group(1)
        n = _NUMBERS[g] if g in _NUMBERS else int(g)
        add(m, _rolling(d, n, m.group(2), date_field))
    for m in q.finditer(
        rf"{lead}(past|last|previous|this|current)\s+(week|month|quarter|year|fortnight)\b"
    ):
        add(m, _named_period(m.group(1), m.group(2), d, date_field))
    for m in q.finditer(r"\b(?:(?:in|during|for)\s+)?q([1-4])(?:\s+(\d{4}))?\b"):
        quarter = int(m.group(1))
        if m.group(2):
            q_year = int(m.group(2))
        else:  # the latest such quarter that has begun by the as-of day
            q_year = d.year if 3 * quarter - 2 <= d.month else d.year - 1
        add(m, _quarter(q_year, quarter, f"Q{quarter} {q_year}", date_field))
    for m in q.finditer(r"\b(month|year)[\s-]to[\s-]date\b|\b(mtd|ytd)\b"):
        unit = "month" if (m.group(1) or m.group(2)) in ("month", "mtd") else "year"
        add(m, _named_period("this", unit, d, date_field))
    preps = r"in|during|for|of|since|over|throughout|through|from|between|and|to|until|vs|versus"
    for m in q.finditer(
        rf"\b(?:({preps})\s+)?(?:(?:the\s+)?month\s+of\s+)?{_MONTH}\b(?:,?\s+(\d{{4}}))?"
    ):
        prep, word, year = m.group(1), m.group(2), m.group(3)
        if word in ("may", "mar", "march") and not (prep or year):
            continue  # "may" and "march" are words too; a month needs "in May" or "May 2025"
        word = word[:3]  # resolve_period knows "sep", not "sept"
        p = resolve_period(f"{word} {year}" if year else word, as_of=d, date_field=date_field)
        if prep == "since":
            p = Period(p.start, d, f"since {p.label}", date_field)
        add(m, p)
    found.sort(key=lambda x: x[0])
    return found


def _rolling(d: date, n: int, unit: str, date_field: DateField) -> Period:
    if n < 1:
        raise UserError("a period needs at least one day")
    if unit == "day":
        start = d - timedelta(days=n - 1)
    elif unit == "week":
        start = d - timedelta(days=7 * n - 1)
    else:
        start = _months_back(d, n) + timedelta(days=1)
    return Period(start, d, f"past {n} {unit}{'s' if n > 1 else ''}", date_field)


def _months_back(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _quarter(year: int, quarter: int, label: str, date_field: DateField) -> Period:
    first = 3 * quarter - 2
    last = date(year, first + 2, calendar.monthrange(year, first + 2)[1])
    return Period(date(year, first, 1), last, label, date_field)


def _named_period(which: str, unit: str, d: date, date_field: DateField) -> Period:
    if unit == "quarter":
        current = (d.month - 1) // 3 + 1
        if which == "past":
            return Period(_months_back(d, 3) + timedelta(days=1), d, "past quarter", date_field)
        if which in ("last", "previous"):
            y, qn = (d.year, current - 1) if current > 1 else (d.year - 1, 4)
            return _quarter(y, qn, "last quarter", date_field)
        start = date(d.year, 3 * current - 2, 1)
        return Period(start, d, "this quarter", date_field)
    if unit == "fortnight":
        return Period(d - timedelta(days=13), d, "past fortnight", date_field)
    if unit == "year":
        if which in ("last", "previous"):
            return Period(date(d.year - 1, 1, 1), date(d.year - 1, 12, 31), "last year", date_field)
        if which == "past":
            return Period(_months_back(d, 12) + timedelta(days=1), d, "past year", date_field)
        return Period(date(d.year, 1, 1), d, "this year", date_field)
    words = f"{ {'current': 'this', 'previous': 'last'}.get(which, which) } {unit}"
    return resolve_period(words, as_of=d, date_field=date_field)


def _one_period(periods: list[tuple[int, Period]], notes: list[str]) -> Period | None:
    if not periods:
        return None
    if len(periods) == 1:
        return periods[0][1]
    start = min(p.start for _, p in periods)
    end = max(p.end for _, p in periods)
    labels = " and ".join(p.label for _, p in periods)
    notes.append(f"several periods named ({labels}): read as one range {start} to {end}")
    return Period(start, end, f"{start} to {end}", periods[0][1].date_field)


# -- events (festival days) -----------------------------------------------------------------


def _events(q: _Question, catalogue: EntityCatalogue, notes: list[str]) -> list[str]:
    out: list[str] = []
    groups = [
        (_FESTIVAL_WORDS, "Festival", "Festival"),
        (_HOLIDAY_WORDS, "Holiday", "Festival"),
        (_STRIKE_WORDS, "Strike", None),
    ]
    for pattern, wanted, fallback in groups:
        hits = q.finditer(rf"\b(?:the\s+)?({pattern})(?:\s+(?:period|season|days?|week))?\b")
        if not hits:
            continue
        stored = catalogue.event_named(wanted) or fallback
        if stored is None:
            continue
        if stored not in out:
            out.append(stored)
        word = hits[0].group(1)
        if word not in (wanted.lower(), wanted.lower() + "s", "festive"):
            notes.append(
                f"read {word!r} as orders whose event_type is {stored} (the data records the "
                "kind of event on a day, not which festival)"
            )
        else:
            notes.append(f"scoped to orders whose event_type is {stored}")
    for e in catalogue.event_types:
        if e in out:
            continue
        for _ in q.finditer(rf"\b{re.escape(e.lower())}s?\b"):
            out.append(e)
            notes.append(f"scoped to orders whose event_type is {e}")
            break
    return out


# -- simulation -----------------------------------------------------------------------------


def _simulation(q: _Question, catalogue: EntityCatalogue) -> dict[str, Any]:
    """What a what-if question asks: which client, how many extra orders, per what."""
    sim: dict[str, Any] = {"client": None, "client_id": None, "extra_orders": None, "per": None}
    units = {"k": 1e3, "thousand": 1e3, "lakh": 1e5, "lakhs": 1e5, "lac": 1e5, "lacs": 1e5,
             "million": 1e6, "mn": 1e6, "m": 1e6}  # fmt: skip
    vol = (
        r"(?:~|≈|about|around|approx(?:imately|\.)?|roughly|some|nearly|almost)?\s*"
        r"(\d[\d,]*(?:\.\d+)?)\s*(k|thousand|lakhs?|lacs?|million|mn|m)?\s+"
        r"(?:(?:extra|additional|more|new|incremental)\s+)?(?:(monthly|weekly|daily)\s+)?"
        r"(?:orders|deliveries|shipments|parcels|packages)"
        r"(?:\s+(?:per|a|each|every)\s+(month|week|day))?"
    )
    for m in q.finditer(vol):
        n = float(m.group(1).replace(",", "")) * units.get(m.group(2) or "", 1.0)
        sim["extra_orders"] = round(n)
        per = m.group(3) or m.group(4)
        sim["per"] = {"monthly": "month", "weekly": "week", "daily": "day"}.get(per or "", per)
        break
    if sim["extra_orders"] is not None and sim["per"] is None:
        per_m = re.search(r"\b(?:per|a|each|every)\s+(month|week|day)\b|\b(monthly|weekly|daily)\b",
                          q.low)  # fmt: skip
        word = (per_m.group(1) or per_m.group(2)) if per_m else "month"
        sim["per"] = {"monthly": "month", "weekly": "week", "daily": "day"}.get(word, word)
    stop = r"(?:with|who|that|bringing|and|at|from|in|for|to|which|adding|of)\b"
    name_re = (
        r"\b(?:onboard(?:ing)?|on-board(?:ing)?|take\s+on|sign(?:ing)?\s+(?:up|on)|add(?:ing)?)"
        r"\s+(?:(?:a|the)\s+)?(?:new\s+)?(?:client|shipper|merchant|customer|brand)?\s*"
        rf"((?!{stop})[A-Za-z0-9][\w&.\-]*(?:\s+(?!{stop})[A-Za-z0-9&][\w&.\-]*){{0,4}})"
    )
    named = next(
        (
            n
            for n in re.finditer(name_re, q.text, flags=re.IGNORECASE)
            if q.free(n.start(1), n.end(1))
        ),
        None,
    )
    if named:
        label = named.group(1).strip(" ,.?")
        q.consume(named.start(1), named.end(1))
        found = catalogue.exact(label, kinds=("client",))
        if label.isdigit() and catalogue.has("client", int(label)):
            found = [Entity("client", int(label), catalogue.name_of("client", int(label)))]
        if len(found) == 1:
            sim["client_id"] = found[0].value
            sim["client"] = found[0].name
        else:
            sim["client"] = label if re.match(r"(?i)client\b", label) else f"client {label}"
    return sim


# -- names: ids, exact names, fuzzy names ----------------------------------------------------


def _ids(q: _Question, catalogue: EntityCatalogue, notes: list[str]) -> list[Match]:
    """Names given by id or code: client 42, warehouse 7 / WH-7 / warehouse B, driver 9, R17."""
    out: list[Match] = []
    num = r"\s*(?:_?id\s*[:=]?\s*)?(?:#|no\.?\s*|number\s*)?\s*(\d+)\b"
    specs: list[tuple[str, str, Callable[[str], Any]]] = [
        ("client", rf"\b(?:client|shipper|merchant)s?{num}", int),
        ("warehouse", rf"\b(?:warehouse|wh)s?[\s-]*{num}", int),
        ("driver", rf"\bdrivers?{num}", int),
        ("route", r"\broutes?\s*(?:_?code\s*[:=]?\s*)?#?\s*r?(\d+)\b", lambda s: f"R{int(s)}"),
        ("route", r"\b(r\d{1,4})\b", lambda s: s.upper()),
    ]
    for kind, pattern, convert in specs:
        for m in q.finditer(pattern):
            value = convert(m.group(1))
            if not catalogue.has(kind, value):
                raise _unknown_id(kind, value, catalogue)
            entity = Entity(kind, value, catalogue.name_of(kind, value))
            out.append(Match(q.text[m.start() : m.end()], entity, 100.0, m.start()))
    # a letter needs a separator: "warehouse B", "WH-B" (never the "y" of "why")
    letter = r"\b(?:warehouse|wh)[\s#-]+([a-z])\b(?!['\w])(?!\s+(?:lot|few|bit|little|couple)\b)"
    for m in q.finditer(letter):
        ch = m.group(1)
        index = ord(ch) - ord("a") + 1
        if not catalogue.has("warehouse", index):
            raise UserError(
                f"read 'warehouse {ch.upper()}' as warehouse {index}, which the data does not have",
                hint=f"warehouse ids run {_id_range(catalogue, 'warehouse')}; name one by id",
            )
        entity = Entity("warehouse", index, catalogue.name_of("warehouse", index))
        out.append(Match(q.text[m.start() : m.end()], entity, 100.0, m.start()))
        notes.append(
            f"read 'warehouse {ch.upper()}' as warehouse {index} ({entity.name}): "
            f"{ch.upper()} is letter {index} of the alphabet, and the data names warehouses "
            "by number"
        )
    return out


def _names(
    q: _Question, catalogue: EntityCatalogue, notes: list[str], *, strict: bool
) -> list[Match]:
    out: list[Match] = []
    toks = q.tokens
    longest = catalogue.max_words
    # exact names first, longest phrase first
    i = 0
    while i < len(toks):
        hit = None
        for n in range(min(longest, len(toks) - i), 0, -1):
            window = toks[i : i + n]
            if any(t.used for t in window) or window[-1].low in _CONNECTORS:
                continue
            if n == 1 and (window[0].low in VOCAB or window[0].low.isdigit()):
                continue
            phrase = " ".join(t.low for t in window)
            cue = _cue(toks, i, i + n)
            found = catalogue.exact(phrase)
            if not found and (cue == "client" or (window[0].cap and i > 0)):
                found = catalogue.exact_core(phrase)
            if found:
                hit = (n, _pick(found, cue, _span_text(q, window), score=100.0))
                break
        if hit is None:
            i += 1
            continue
        n, entity = hit
        window = toks[i : i + n]
        out.append(Match(_span_text(q, window), entity, 100.0, window[0].start))
        for t in window:
            t.used = True
        i += n
    # then what is left, fuzzily, run by run of words that are not vocabulary
    for run in _runs(toks):
        out += _fuzzy_run(q, run, catalogue, notes, strict=strict)
    return out


def _runs(toks: list[_Token]) -> list[list[int]]:
    runs: list[list[int]] = []
    cur: list[int] = []
    for idx, t in enumerate(toks):
        content = not t.used and t.low not in VOCAB and not t.low.isdigit()
        if content or (cur and not t.used and t.low in _CONNECTORS):
            cur.append(idx)
            continue
        if cur:
            runs.append(cur)
        cur = []
    if cur:
        runs.append(cur)
    out = []
    for r in runs:
        while r and toks[r[-1]].low in _CONNECTORS:
            r = r[:-1]
        if r:
            out.append(r)
    return out


def _fuzzy_run(
    q: _Question,
    run: list[int],
    catalogue: EntityCatalogue,
    notes: list[str],
    *,
    strict: bool,
) -> list[Match]:
    toks = q.tokens
    out: list[Match] = []
    unmatched: list[int] = []
    pos = 0
    while pos < len(run):
        matched = False
        for n in range(min(catalogue.max_words, len(run) - pos), 0, -1):
            idx = run[pos : pos + n]
            window = [toks[j] for j in idx]
            if window[-1].low in _CONNECTORS or window[0].low in _CONNECTORS:
                continue
            phrase = " ".join(t.low for t in window)
            if len(key(phrase)) < 4:
                continue
            cue = _cue(toks, idx[0], idx[-1] + 1)
            kinds = _fuzzy_kinds(cue, window, first=idx[0] == 0)
            cutoff = 75.0 if cue else 80.0
            hits = catalogue.closest(phrase, kinds=kinds, limit=3, cutoff=cutoff)
            if not hits:
                continue
            best, score = hits[0]
            rivals = [h for h in hits[1:] if h[1] >= score - 2.0 and h[0].value != best.value]
            text = _span_text(q, window)
            if rivals:
                raise _ambiguous(text, hits)
            out.append(Match(text, best, score, window[0].start))
            notes.append(f"read {text!r} as {best.describe()} (similarity {score:.0f}/100)")
            for t in window:
                t.used = True
            pos += n
            matched = True
            break
        if not matched:
            unmatched.append(run[pos])
            pos += 1
    if strict:
        for group in _groups(unmatched):
            window = [toks[j] for j in group]
            cue = _cue(toks, group[0], group[-1] + 1)
            before = toks[group[0] - 1].low if group[0] > 0 else ""
            name_like = (window[0].cap and group[0] > 0) or cue or before in ("in", "at")
            if name_like:
                if cue:
                    kinds = [cue]
                elif before in ("in", "at"):
                    kinds = ["city", "state"]
                else:
                    kinds = [*_PLAIN_KINDS, "client"]
                raise _unknown(_span_text(q, window), catalogue, kinds)
    return out


def _groups(indices: list[int]) -> list[list[int]]:
    groups: list[list[int]] = []
    for j in indices:
        if groups and groups[-1][-1] == j - 1:
            groups[-1].append(j)
        else:
            groups.append([j])
    return groups


def _fuzzy_kinds(cue: str | None, window: list[_Token], *, first: bool) -> list[str]:
    if cue in ("route", "driver"):
        return [cue]  # ids and codes: read by their own patterns
    if cue:
        return [cue]
    kinds = list(_PLAIN_KINDS)
    if window[0].cap and not first:
        kinds.append("client")  # a capitalised name may be a client's
    return kinds


def _cue(toks: list[_Token], start: int, end: int) -> str | None:
    """The kind of name a nearby word announces ("client Saini", "Chennai city")."""
    j = start - 1
    skipped = 0
    fillers = ("the", "of", "by", "named", "called", "our", "my")
    while j >= 0 and toks[j].low in fillers and skipped < 2:
        j -= 1
        skipped += 1
    if j >= 0 and toks[j].low in _CUES and not toks[j].used:
        return _CUES[toks[j].low]
    after = toks[end] if end < len(toks) else None
    if after is not None and after.low in _CUES and not after.used and after.low != "company":
        return _CUES[after.low]
    return None


def _pick(found: list[Entity], cue: str | None, text: str, *, score: float) -> Entity:
    if cue:
        same = [e for e in found if e.kind == cue]
        found = same or found
    kinds = {e.kind for e in found}
    if len(found) > 1 and len(kinds) == 1:
        raise _ambiguous(text, [(e, score) for e in found])
    order = ["city", "state", "partner", "warehouse", "client"]
    return sorted(found, key=lambda e: order.index(e.kind) if e.kind in order else 9)[0]


def _span_text(q: _Question, window: list[_Token]) -> str:
    text = q.text[window[0].start : window[-1].end]
    return re.sub(r"'s$", "", text)


# -- comparisons ----------------------------------------------------------------------------


def _split_column(by_column: dict[str, list[Any]]) -> str | None:
    multi = [c for c, v in by_column.items() if len(v) >= 2 and c != "event_type"]
    return multi[0] if multi else None


def _compare_scopes(
    u: Understood,
    by_column: dict[str, list[Any]],
    periods: list[tuple[int, Period]],
    catalogue: EntityCatalogue,
    *,
    as_of: date,
) -> None:
    kinds = {v: k for k, v in COLUMNS.items()}
    col = _split_column(by_column)
    if col is not None:
        values = by_column[col]
        if len(values) > 2:
            raise UserError(
                f"a comparison has two sides; the question names {len(values)} {col} values",
                hint="compare two at a time, e.g. 'compare Mumbai and Pune last month'",
            )
        shared = {c: v for c, v in by_column.items() if c != col}
        period = _one_period(periods, u.notes)
        u.scope = Scope(filters={**shared, col: [values[0]]}, period=period)
        u.compare_with = Scope(filters={**shared, col: [values[1]]}, period=period)
        u.labels = (_label(u.scope, catalogue), _label(u.compare_with, catalogue))
        return
    if len(periods) == 2:
        (_, pa), (_, pb) = periods
        pa, pb = _this_vs_last_week(pa, pb, as_of, u.notes)
        if pa.start <= pb.end and pb.start <= pa.end:
            u.notes.append("the two periods overlap")
        u.scope = Scope(filters=dict(by_column), period=pa)
        u.compare_with = Scope(filters=dict(by_column), period=pb)
        u.labels = (_label(u.scope, catalogue), _label(u.compare_with, catalogue))
        return
    singles = [(c, v[0]) for c, v in by_column.items() if len(v) == 1]
    if singles:
        col, value = singles[0]
        kind = kinds[col]
        others = [x for x in catalogue.ids(kind) if x != value]
        if not others:
            raise UserError(f"there is no other {kind} to compare {value} with")
        shared = {c: v for c, v in by_column.items() if c != col}
        period = _one_period(periods, u.notes)
        u.scope = Scope(filters={**shared, col: [value]}, period=period)
        u.compare_with = Scope(filters={**shared, col: others}, period=period)
        u.labels = (
            _label(u.scope, catalogue),
            _label(u.compare_with, catalogue, replace={col: f"every other {kind} ({len(others)})"}),
        )
        u.notes.append(f"B is every other {kind} in the data ({len(others)})")
        if kind == "event":
            u.notes.append("orders with no recorded event are in neither side")
        return
    raise UserError(
        "cannot tell what to compare",
        hint="name two cities, clients, warehouses or partners ('compare Mumbai and Pune last "
        "month'), one against the rest ('warehouse 3 vs all others'), or two periods "
        "('this week vs last week')",
    )


def _this_vs_last_week(
    pa: Period, pb: Period, as_of: date, notes: list[str]
) -> tuple[Period, Period]:
    """'this week vs last week': the 7 days ending on the as-of day against the 7 before."""
    labels = {pa.label, pb.label}
    if labels != {"past week", "last week"}:
        return pa, pb
    this = Period(as_of - timedelta(days=6), as_of, "past week", pa.date_field)
    before = Period(as_of - timedelta(days=13), as_of - timedelta(days=7), "the week before",
                    pa.date_field)  # fmt: skip
    notes.append(
        "'this week vs last week' compares the 7 days ending on the as-of day with the 7 days "
        "before them, so the two do not overlap"
    )
    return (this, before) if pa.label == "past week" else (before, this)


def _label(scope: Scope, catalogue: EntityCatalogue, replace: dict[str, str] | None = None) -> str:
    kinds = {v: k for k, v in COLUMNS.items()}
    bits = []
    for col, values in sorted(scope.filters.items()):
        if replace and col in replace:
            bits.append(replace[col])
            continue
        names = [_value_name(kinds.get(col, col), v, catalogue) for v in values]
        bits.append(f"{col} = {', '.join(names)}")
    if scope.period is not None:
        bits.append(_period_text(scope.period))
    return "; ".join(bits) if bits else "all orders"


def _value_name(kind: str, value: Any, catalogue: EntityCatalogue) -> str:
    if kind in ("client", "warehouse"):
        name = catalogue.name_of(kind, value)
        return str(value) if str(value) in name else f"{value} ({name})"
    return str(value)


def _describe(scope: Scope) -> str:
    bits = [f"{c} = {', '.join(str(x) for x in v)}" for c, v in sorted(scope.filters.items())]
    bits.append(_period_text(scope.period) if scope.period else "all dates")
    return "; ".join(bits)


def _period_text(p: Period) -> str:
    return f"{p.date_field} {p.start} to {p.end} ({p.label})"


def _period_dict(p: Period | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {"start": p.start.isoformat(), "end": p.end.isoformat(), "applies_to": p.date_field,
            "label": p.label}  # fmt: skip


# -- errors ---------------------------------------------------------------------------------


def _unknown(text: str, catalogue: EntityCatalogue, kinds: list[str]) -> UserError:
    hits = catalogue.closest(text, kinds=kinds, limit=3)
    listed = ", ".join(f"{e.describe()} {s:.0f}" for e, s in hits) or "none"
    what = (
        " or ".join(dict.fromkeys(kinds))
        if len(kinds) <= 2
        else "city, state, partner, warehouse or client"
    )
    return UserError(
        f"no {what} named {text!r} in the data; closest matches (similarity /100): {listed}",
        hint="check the spelling or use one of the names above; clients and warehouses can "
        "also be named by id ('client 42', 'warehouse 7')",
    )


def _ambiguous(text: str, hits: list[tuple[Entity, float]]) -> UserError:
    listed = ", ".join(f"{e.describe()} {s:.0f}" for e, s in hits[:3])
    example = next((e for e, _ in hits if e.kind in ("client", "warehouse")), None)
    hint = "be more specific"
    if example is not None:
        hint += f", or name it by id (e.g. '{example.kind} {example.value}')"
    return UserError(f"{text!r} fits more than one name equally well: {listed}", hint=hint)


def _unknown_id(kind: str, value: Any, catalogue: EntityCatalogue) -> UserError:
    pool = catalogue.ids(kind)
    if kind == "route":
        hits = catalogue.closest(str(value), kinds=("route",), limit=3)
        near = ", ".join(f"{e.value} {s:.0f}" for e, s in hits)
        return UserError(
            f"no route {value} in the data; closest matches (similarity /100): {near or 'none'}",
            hint=f"routes run {_id_range(catalogue, 'route')}",
        )
    near_ids = sorted(pool, key=lambda x: (abs(x - value), x))[:3]
    near = ", ".join(f"{kind} {x} ({catalogue.name_of(kind, x)})" if kind != "driver"
                     else f"driver {x}" for x in near_ids)  # fmt: skip
    return UserError(
        f"no {kind} {value} in the data; nearest ids: {near or 'none'}",
        hint=f"{kind} ids run {_id_range(catalogue, kind)}; or name the {kind}",
    )


def _id_range(catalogue: EntityCatalogue, kind: str) -> str:
    pool = catalogue.ids(kind)
    if not pool:
        return "(none in the data)"
    if kind == "route":
        nums = sorted(int(r[1:]) for r in pool if re.fullmatch(r"R\d+", str(r)))
        return f"R{nums[0]}–R{nums[-1]}" if nums else ", ".join(map(str, pool[:5]))
    return f"{min(pool)}–{max(pool)}"
