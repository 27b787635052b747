"""Drafting a mapping for an unfamiliar export: domains, columns, date formats and values.

Real exports rarely match the sample layout: an OMS calls the order ``AWB``, writes dates as
``23/04/2025 23:54`` and statuses as ``rto``. :func:`suggest_mapping` reads each file's header
and a sample of its rows and drafts the mapping file of :mod:`dfras.ingest.mapping` for a person
to check. Every guess carries a score; anything unsure or unresolved is written as a
``# check:`` comment, so the draft loads as it is and only adds what is likely right.

A name is matched, strongest first, by the canonical name itself (case, camelCase and
punctuation ignored), by a table of names seen in real exports, then fuzzily on its words
(rapidfuzz). Values of enumerated columns are matched the same way. Nothing here writes to a
store: rows are sampled with an in-memory DuckDB connection.

Example:
    >>> name_score("PlacedAt", "order_date", DOMAINS["orders"])
    (95.0, 'synonym')
    >>> value_match("RTO", "status", ("Delivered", "Failed", "Returned"), rows=1).canonical
    'Returned'
"""

from __future__ import annotations

import glob
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from rapidfuzz import fuzz, process

from dfras.domain.errors import FileRejected, UserError
from dfras.domain.tables import DOMAINS, Domain
from dfras.ingest.detect import FileInfo, domain_from_name, expand_paths, inspect_file

#: A fuzzy column match below this score is not proposed at all.
MATCH_THRESHOLD = 75.0
#: A column match below this score is proposed with a ``# check:`` comment.
CONFIDENT = 90.0
#: A fuzzy value match below this score is left unresolved.
VALUE_THRESHOLD = 80.0
#: Distinct values listed per enumerated column.
TOP_VALUES = 50
#: Share of a domain's required columns a header must cover to be guessed as that domain.
MIN_REQUIRED_SHARE = 0.5

SYNONYM_SCORE = 95.0
SUBSET_SCORE = 85.0
#: The best a fuzzy match scores, so a name or synonym always wins over it.
FUZZY_CEILING = 92.0

# Names seen in real exports, by canonical column (any domain having that column).
_COLUMN_SYNONYMS: dict[str, str] = {
    "order_id": (
        "order_no order_number order_ref awb awb_no awb_number airwaybill tracking_id tracking_no "
        "tracking_number shipment_id consignment_no waybill lr_no"
    ),
    "client_id": (
        "client_code client_no client shipper_id shipper_code seller_id merchant_id account_id "
        "account_code"
    ),
    "client_name": "client shipper shipper_name company company_name name",
    "customer_name": "customer consignee consignee_name recipient buyer name",
    "customer_phone": (
        "mobile mobile_no phone phone_no phone_number contact_no consignee_phone customer_mobile"
    ),
    "contact_phone": "phone phone_no mobile mobile_no contact_no telephone",
    "phone": "mobile mobile_no phone_no phone_number contact_no rider_phone",
    "contact_person": "contact contact_name poc spoc",
    "contact_email": "email email_id mail e_mail",
    "gst_number": "gst gstin gst_no tax_id",
    "delivery_address_line1": (
        "address address1 addr1 address_line_1 address_line1 street shipping_address "
        "delivery_address consignee_address"
    ),
    "delivery_address_line2": "address2 addr2 address_line_2 landmark locality",
    "address_line1": "address address1 addr1 street",
    "address_line2": "address2 addr2 landmark locality",
    "city": "town city_name destination_city district dest_city",
    "state": "region province state_name destination_state dest_state",
    "pincode": "zip zipcode zip_code postcode postal_code pin pin_code",
    "order_date": (
        "placed_at placed_on created order_ts order_time order_datetime order_placed booking_date "
        "booked_at"
    ),
    "promised_delivery_date": (
        "eta promised_date promised_by due due_by due_date sla_date edd expected_delivery_date "
        "expected_delivery"
    ),
    "actual_delivery_date": (
        "delivered_at delivered_on delivery_date delivery_time pod_date delivered_date"
    ),
    "status": "shipment_status order_status current_status stage",
    "payment_mode": "pay_type payment_type payment_method pay_mode payment cod_prepaid",
    "amount": "value order_value total total_amount invoice_value price cod_amount declared_value",
    "failure_reason": "reason ndr_reason fail_reason failure exception_reason undelivered_reason",
    "created_at": "created_on creation_date created_date date_created inserted_at",
    "warehouse_id": "hub_id hub_code warehouse_code wh_id fc_id dc_id",
    "warehouse_name": "hub_name hub warehouse fc_name name",
    "capacity": "max_orders capacity_per_day daily_capacity",
    "manager_name": "manager hub_manager incharge",
    "driver_id": "rider_id courier_id driver_code rider_code da_id",
    "driver_name": "rider_name rider driver courier_name name",
    "license_number": "license licence licence_no license_no dl_no dl_number",
    "partner_company": (
        "courier carrier 3pl partner logistics_partner courier_partner vendor agency"
    ),
    "log_id": "wms_log_id pick_id task_id warehouse_log_id",
    "picking_start": "pick_start picked_from pick_started_at picking_started",
    "picking_end": "pick_end picked_at pick_completed_at picking_completed",
    "dispatch_time": "dispatched_at dispatch dispatch_date shipped_at handover_at",
    "notes": "remarks comment comments note",
    "fleet_log_id": "trip_id attempt_id run_id",
    "vehicle_number": "vehicle vehicle_no vehicle_reg registration_no",
    "route_code": "route route_id route_no beat",
    "gps_delay_notes": "gps_notes delay_notes delay_reason gps_remarks",
    "departure_time": "departed_at start_time out_for_delivery_at ofd_time",
    "arrival_time": "arrived_at reached_at end_time arrival",
    "factor_id": "condition_id record_id",
    "traffic_condition": "traffic traffic_level congestion",
    "weather_condition": "weather weather_status",
    "event_type": "event event_name disruption",
    "recorded_at": "recorded_on observed_at timestamp logged_at",
    "feedback_id": "review_id complaint_id ticket_id",
    "feedback_text": "feedback review comment comments remarks text",
    "sentiment": "sentiment_label tone mood",
    "rating": "stars score csat rating_stars",
}
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    column: tuple(names.split()) for column, names in _COLUMN_SYNONYMS.items()
}

# Source values seen in real exports, by canonical column and canonical value.
_VALUE_SYNONYMS: dict[str, dict[str, str]] = {
    "status": {
        "Pending": (
            "created new processing pending booked manifested open ready_to_ship confirmed placed "
            "on_hold"
        ),
        "In-Transit": (
            "shipped out_for_delivery dispatched in_transit ofd picked_up intransit on_the_way "
            "reached_hub"
        ),
        "Delivered": "delivered completed complete done dlvd success",
        "Failed": (
            "canceled cancelled undelivered rto_failed failed not_delivered lost failed_delivery "
            "ndr damaged"
        ),
        "Returned": "rto returned_to_origin returned return rto_delivered rto_done",
        "Active": "active enabled on_duty working yes y",
        "Inactive": "inactive disabled off_duty left suspended no n",
    },
    "payment_mode": {
        "COD": "cod cash cash_on_delivery pay_on_delivery postpaid",
        "Prepaid": "prepaid online paid card upi netbanking wallet",
    },
    "traffic_condition": {
        "Clear": "clear light low free free_flow smooth none",
        "Moderate": "moderate medium normal average",
        "Heavy": "heavy high congested jam severe",
    },
    "weather_condition": {
        "Clear": "clear sunny fair dry fine",
        "Rain": "rain rainy drizzle showers heavy_rain raining",
        "Fog": "fog foggy mist haze smog",
        "Storm": "storm thunderstorm cyclone stormy hail",
    },
    "sentiment": {
        "Positive": "positive pos good happy satisfied",
        "Negative": "negative neg bad angry unhappy dissatisfied",
        "Neutral": "neutral neu mixed ok okay",
    },
}
VALUE_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    column: {value: tuple(names.split()) for value, names in table.items()}
    for column, table in _VALUE_SYNONYMS.items()
}

# Words too common to identify a column on their own (``id`` fits every key).
_GENERIC_WORDS = frozenset({"id", "no", "name", "date", "time", "at", "on", "code", "number"})

# Words that mean the same in column names, rewritten before fuzzy matching.
_WORD_ALIASES: dict[str, str] = {
    **dict.fromkeys(("mobile", "cell", "tel", "telephone", "ph"), "phone"),
    **dict.fromkeys(("addr", "add"), "address"),
    **dict.fromkeys(("no", "num", "nbr", "nr"), "number"),
    **dict.fromkeys(("pin", "zip", "postcode"), "pincode"),
    **dict.fromkeys(("hub", "wh"), "warehouse"),
    **dict.fromkeys(("lic", "licence"), "license"),
    "cust": "customer",
    "amt": "amount",
    "dt": "date",
    "ts": "time",
    "rider": "driver",
    "veh": "vehicle",
    "mail": "email",
}

# fmt: off
_DATE_PARTS = (
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%m-%d-%Y", "%d.%m.%Y", "%Y/%m/%d",
    "%d/%m/%y", "%m/%d/%y", "%d-%b-%Y", "%d %b %Y", "%d-%b-%y", "%Y%m%d",
)
_TIME_PARTS = (
    " %H:%M:%S", "T%H:%M:%S", " %H:%M", "T%H:%M", " %I:%M %p", " %I:%M:%S %p", " %H:%M:%S.%f",
    "T%H:%M:%S.%f", "T%H:%M:%SZ", "",
)
# fmt: on
#: strptime formats tried on timestamp columns, most usual first (day before month).
DATE_FORMATS: tuple[str, ...] = tuple(d + t for d in _DATE_PARTS for t in _TIME_PARTS)


@dataclass
class ColumnMatch:
    """One source column and the canonical column it is proposed for (None: no match)."""

    source: str
    canonical: str | None
    score: float
    via: str  # exact | synonym | fuzzy | none
    #: For an unmatched column, the closest canonical column and its score.
    closest: str | None = None

    @property
    def confident(self) -> bool:
        return self.canonical is not None and self.score >= CONFIDENT


@dataclass
class DateGuess:
    """The strptime format guessed for one timestamp column (None: ISO parse works)."""

    column: str
    source: str
    format: str | None
    sampled: int
    parsed: int
    #: Every format that parses all sampled values.
    candidates: list[str] = field(default_factory=list)
    #: Why it needs a person's check, if it does.
    note: str | None = None
    #: Why the format was chosen among several, if it was.
    basis: str | None = None

    @property
    def confident(self) -> bool:
        return self.note is None and self.parsed == self.sampled


@dataclass
class ValueMatch:
    """One distinct source value of an enumerated column and its canonical value."""

    source: str
    canonical: str | None
    rows: int
    score: float
    via: str  # equal | synonym | fuzzy | none

    @property
    def confident(self) -> bool:
        return self.canonical is not None and self.via != "fuzzy"


@dataclass
class ValueGuess:
    """The values of one enumerated column seen in the sample."""

    column: str
    source: str
    values: list[ValueMatch]
    distinct: int


@dataclass
class FileDraft:
    """Everything guessed about one input file."""

    path: Path
    domain: str | None = None
    domain_via: str = "none"  # name | header | none
    domain_score: float = 0.0
    rows_sampled: int = 0
    columns: list[ColumnMatch] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    dates: list[DateGuess] = field(default_factory=list)
    values: list[ValueGuess] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def unmatched_columns(self) -> list[str]:
        return [m.source for m in self.columns if m.canonical is None]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["path"] = str(self.path)
        data["unmatched_columns"] = self.unmatched_columns
        for plain, match in zip(data["columns"], self.columns, strict=True):
            plain["confident"] = match.confident
        data["date_formats"] = data.pop("dates")
        data["values"] = {
            g["column"]: {
                **g,
                "unresolved": [v["source"] for v in g["values"] if v["canonical"] is None],
            }
            for g in data["values"]
        }
        return data


@dataclass
class MappingDraft:
    """A drafted mapping: per-file guesses, rendered as a mapping file or as plain data."""

    files: list[FileDraft]

    def mapping_data(self) -> dict[str, Any]:
        """The mapping as plain data, as ``parse_mapping`` takes it (checks left out)."""
        domains: dict[str, Any] = {}
        for name, block in _merge(self.files).items():
            spec: dict[str, Any] = {"files": block.files, "columns": {}}
            spec["columns"] = {m.source: m.canonical for m in block.columns.values()}
            formats = {c: d.format for c, d in block.dates.items() if d.format and d.parsed}
            if formats:
                spec["date_formats"] = formats
            values = {
                col: {v.source: v.canonical for v in vals.values() if v.canonical}
                for col, vals in block.values.items()
            }
            if values:
                spec["values"] = values
            domains[name] = spec
        return {"source": "dfras mapping suggest", "domains": domains}

    def checks(self) -> list[str]:
        """What a person must look at before using the draft, one sentence each."""
        out = [f"{f.path.name}: {n}" for f in self.files for n in f.notes]
        for block in _merge(self.files).values():
            out.extend(block.checks)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": [f.to_dict() for f in self.files],
            "mapping": self.mapping_data(),
            "checks": self.checks(),
        }

    def to_yaml(self) -> str:
        """The draft as a mapping file; unsure items carry ``# check:`` comments."""
        return _render_yaml(self.files)


# --- matching names -----------------------------------------------------------------------


def _words(name: str) -> list[str]:
    """``PlacedAt`` → [placed, at]; ``delivery_address_line1`` → [delivery, address, line, 1]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name.strip())
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    spaced = re.sub(r"([A-Za-z])([0-9])", r"\1 \2", spaced)
    return [w for w in re.split(r"[^0-9a-z]+", spaced.lower()) if w]


def _squash(text: str) -> str:
    """Lower case, letters and digits only: ``Order No.`` → ``orderno``."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _synonyms(canonical: str, domain: Domain) -> tuple[str, ...]:
    extra: tuple[str, ...] = ("id",) if canonical == domain.key else ()
    return COLUMN_SYNONYMS.get(canonical, ()) + extra


def name_score(source: str, canonical: str, domain: Domain) -> tuple[float, str]:
    """How well a source column name fits a canonical column, 0-100, and why."""
    key = _squash(source)
    if key == _squash(canonical):
        return 100.0, "exact"
    synonyms = _synonyms(canonical, domain)
    if key in {_squash(s) for s in synonyms}:
        return SYNONYM_SCORE, "synonym"
    words = [_WORD_ALIASES.get(w, w) for w in _words(source)]
    text = " ".join(words)
    best = fuzz.token_sort_ratio(text, " ".join(_words(canonical)))
    for syn in synonyms:
        best = max(best, 0.95 * fuzz.token_sort_ratio(text, " ".join(_words(syn))))
    # One name's words inside the other's ("DeliveryPincode" ⊇ "pincode"), if not generic.
    mine, theirs = set(words), set(_words(canonical))
    shared = mine & theirs
    if shared - _GENERIC_WORDS and (mine <= theirs or theirs <= mine):
        best = max(best, SUBSET_SCORE)
    return round(min(float(best), FUZZY_CEILING), 1), "fuzzy"


def match_columns(header: list[str], domain: Domain) -> list[ColumnMatch]:
    """Each source column's canonical column, each canonical column used at most once.

    The pairs are chosen together, not one by one: ``order_dt`` and ``created`` give
    order_date and created_at, where taking the synonym ``created`` → order_date first would
    leave ``order_dt`` nothing better than order_id. A pair weighs its score's excess over
    the threshold squared, so one strong match is never traded for two weak ones.
    """
    scores = {
        (i, j): name_score(source, col.name, domain)
        for i, source in enumerate(header)
        for j, col in enumerate(domain.columns)
    }
    floor = MATCH_THRESHOLD - 5.0
    weights = [
        [
            (scores[i, j][0] - floor) ** 2 - 1e-6 * (i + j)
            if scores[i, j][0] >= MATCH_THRESHOLD
            else 0.0
            for j in range(len(domain.columns))
        ]
        for i in range(len(header))
    ]
    taken = {i: j for i, j in _best_assignment(weights).items() if weights[i][j] > 0}
    out = []
    for i, source in enumerate(header):
        if i in taken:
            score, via = scores[i, taken[i]]
            out.append(ColumnMatch(source, domain.columns[taken[i]].name, score, via))
        else:
            score, j = max((scores[i, j][0], j) for j in range(len(domain.columns)))
            out.append(ColumnMatch(source, None, score, "none", closest=domain.columns[j].name))
    return out


def _best_assignment(weights: list[list[float]]) -> dict[int, int]:
    """Row → column pairs of greatest total weight, each row and column used once.

    The Hungarian method on the square matrix padded with zeros, minimising negated weights.
    """
    rows, cols = len(weights), len(weights[0]) if weights else 0
    n = max(rows, cols)
    if n == 0:
        return {}
    cost = [[0.0] * (n + 1)] + [
        [0.0] + [-weights[i][j] if i < rows and j < cols else 0.0 for j in range(n)]
        for i in range(n)
    ]
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (n + 1)
    owner, way = [0] * (n + 1), [0] * (n + 1)  # owner[column] = row, 1-based; 0 = none
    for row in range(1, n + 1):
        owner[0], j0 = row, 0
        slack, used = [inf] * (n + 1), [False] * (n + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = owner[j0], inf, 0
            for j in range(1, n + 1):
                if not used[j]:
                    cur = cost[i0][j] - u[i0] - v[j]
                    if cur < slack[j]:
                        slack[j], way[j] = cur, j0
                    if slack[j] < delta:
                        delta, j1 = slack[j], j
            for j in range(n + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    slack[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    return {owner[j] - 1: j - 1 for j in range(1, n + 1) if 0 < owner[j] <= rows and j <= cols}


def domain_fit(header: list[str], domain: Domain) -> float:
    """0-100: the share of required columns covered, then of the header matched."""
    matches = [m for m in match_columns(header, domain) if m.canonical]
    covered = {m.canonical for m in matches}
    required = domain.required_columns
    req_share = len(covered & set(required)) / len(required) if required else 1.0
    header_share = len(matches) / len(header) if header else 0.0
    return round(100.0 * (0.6 * req_share + 0.4 * header_share), 1) if req_share else 0.0


def guess_domain(header: list[str]) -> tuple[Domain | None, float]:
    """The domain the header fits best, if it covers enough of its required columns."""
    fits = sorted(
        ((domain_fit(header, d), d.load_order, d.name) for d in DOMAINS.values()),
        key=lambda f: (-f[0], f[1]),
    )
    score, _, name = fits[0]
    if score < 100.0 * 0.6 * MIN_REQUIRED_SHARE:
        return None, score
    return DOMAINS[name], score


# --- matching values ----------------------------------------------------------------------


def value_match(source: str, column: str, enum: tuple[str, ...], *, rows: int) -> ValueMatch:
    """The canonical value a source value of an enumerated column stands for."""
    key = _squash(source)
    for canon in enum:
        if key == _squash(canon):
            return ValueMatch(source, canon, rows, 100.0, "equal")
    table = VALUE_SYNONYMS.get(column, {})
    choices: dict[str, str] = {}
    for canon in enum:
        choices[_squash(canon)] = canon
        for syn in table.get(canon, ()):
            choices.setdefault(_squash(syn), canon)
    if key in choices:
        return ValueMatch(source, choices[key], rows, SYNONYM_SCORE, "synonym")
    if len(key) >= 3:
        found = process.extractOne(
            key, list(choices), scorer=fuzz.ratio, score_cutoff=VALUE_THRESHOLD
        )
        if found is not None:
            return ValueMatch(source, choices[found[0]], rows, round(found[1], 1), "fuzzy")
    return ValueMatch(source, None, rows, 0.0, "none")


# --- sampling rows ------------------------------------------------------------------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _load_sample(con: duckdb.DuckDBPyConnection, info: FileInfo, rows: int) -> int:
    """Read up to ``rows`` rows of the file as text into temp table ``sample``."""
    if info.file_format == "parquet":
        select = ", ".join(f"CAST({_ident(c)} AS VARCHAR) AS {_ident(c)}" for c in info.header)
        source = "read_parquet(?)"
    else:
        spec = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in info.header) + "}"
        select = "*"
        source = (
            f"read_csv(?, header=true, auto_detect=false, delim={_lit(info.delimiter)}, "
            f"quote='\"', escape='\"', columns={spec}, all_varchar=true, "
            "ignore_errors=true)"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE sample AS SELECT {select} FROM {source} LIMIT {int(rows)}",
        [str(info.path)],
    )
    return int(con.execute("SELECT count(*) FROM sample").fetchall()[0][0])


def guess_date_format(con: duckdb.DuckDBPyConnection, source: str, column: str) -> DateGuess | None:
    """The format that parses every sampled value of ``source``; None when it has none."""
    values = f"(SELECT trim({_ident(source)}) AS v FROM sample WHERE trim({_ident(source)}) <> '')"
    parts = ["count(*)", "count(TRY_CAST(v AS TIMESTAMP))"]
    parts += [f"count(TRY_STRPTIME(v, {_lit(f)}))" for f in DATE_FORMATS]
    counts = [int(n) for n in con.execute(f"SELECT {', '.join(parts)} FROM {values}").fetchall()[0]]
    sampled, iso, per_format = counts[0], counts[1], counts[2:]
    if sampled == 0:
        return None
    if iso == sampled:
        return DateGuess(column, source, None, sampled, iso)
    full = [f for f, n in zip(DATE_FORMATS, per_format, strict=True) if n == sampled]
    if full:
        chosen, note = full[0], None
        swapped = _swap_day_month(chosen)
        if swapped != chosen and swapped in full:
            note = (
                f"day/month order is ambiguous: {chosen!r} and {swapped!r} both parse every "
                f"sampled value; {chosen!r} (day first) was chosen"
            )
        return DateGuess(column, source, chosen, sampled, sampled, full, note)
    best_n, best = max(
        ((n, f) for f, n in zip(DATE_FORMATS, per_format, strict=True)), key=lambda x: x[0]
    )
    fmt = best if best_n > iso else None
    expr = f"TRY_STRPTIME(v, {_lit(fmt)})" if fmt else "TRY_CAST(v AS TIMESTAMP)"
    bad = [
        r[0] for r in con.execute(f"SELECT v FROM {values} WHERE {expr} IS NULL LIMIT 3").fetchall()
    ]
    parsed = max(best_n, iso)
    shown = ", ".join(repr(b) for b in bad)
    if parsed == 0:
        note = f"no known date format parses values such as {shown}"
    else:
        note = f"only {parsed} of {sampled} sampled values parse; not parsed: {shown}"
    return DateGuess(column, source, fmt, sampled, parsed, [], note)


def _swap_day_month(fmt: str) -> str:
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def guess_values(
    con: duckdb.DuckDBPyConnection, source: str, column: str, enum: tuple[str, ...]
) -> ValueGuess:
    """The most frequent distinct values of ``source`` and their canonical values."""
    col = f"trim({_ident(source)})"
    rows = con.execute(
        f"""SELECT mode({col}) AS shown, count(*) AS n FROM sample
        WHERE {col} <> '' GROUP BY lower({col}) ORDER BY n DESC, shown LIMIT {TOP_VALUES}"""
    ).fetchall()
    distinct = con.execute(
        f"SELECT count(DISTINCT lower({col})) FROM sample WHERE {col} <> ''"
    ).fetchall()[0][0]
    matches = [value_match(str(v), column, enum, rows=int(n)) for v, n in rows]
    return ValueGuess(column, source, matches, int(distinct))


# --- drafting -----------------------------------------------------------------------------


def _input_files(paths: list[Path]) -> list[Path]:
    for p in paths:
        if not p.exists():
            raise UserError(f"{p} does not exist", hint="name export files or folders")
    files = [
        f for f in expand_paths(paths) if f in paths or not f.name.startswith(("truth", ".", "_"))
    ]
    if not files:
        raise UserError(
            "no CSV or Parquet files found in " + ", ".join(str(p) for p in paths),
            hint="name .csv, .tsv, .txt or .parquet files, or folders holding them",
        )
    return files


def draft_file(con: duckdb.DuckDBPyConnection, path: Path, *, sample_rows: int) -> FileDraft:
    """Guess the domain, columns, date formats and values of one file."""
    draft = FileDraft(path=path)
    try:
        info = inspect_file(path)
    except FileRejected as exc:
        draft.notes.append(f"cannot be read: {exc.message.removeprefix(exc.path + ': ')}")
        return draft
    by_name = domain_from_name(path)
    by_header, header_score = guess_domain(info.header)
    if by_name is not None:
        domain, draft.domain_via = by_name, "name"
        draft.domain_score = domain_fit(info.header, by_name)
        if (
            by_header is not None
            and by_header is not by_name
            and header_score > (draft.domain_score + 20)
        ):
            draft.notes.append(
                f"the name says {by_name.name} but the header fits {by_header.name} better"
            )
    elif by_header is not None:
        domain, draft.domain_via, draft.domain_score = by_header, "header", header_score
    else:
        draft.notes.append("matches no domain by name or header: map it by hand")
        return draft
    draft.domain = domain.name
    draft.columns = match_columns(info.header, domain)
    present = {m.canonical: m.source for m in draft.columns if m.canonical}
    draft.missing_required = [c for c in domain.required_columns if c not in present]
    try:
        draft.rows_sampled = _load_sample(con, info, sample_rows)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        draft.notes.append(f"rows could not be sampled ({first}); dates and values not guessed")
        return draft
    for col in domain.columns:
        source = present.get(col.name)
        if source is None:
            continue
        if col.type == "timestamp":
            guess = guess_date_format(con, source, col.name)
            if guess is not None:
                draft.dates.append(guess)
        elif col.enum:
            draft.values.append(guess_values(con, source, col.name, col.enum))
    return draft


def suggest_mapping(paths: list[Path], *, sample_rows: int = 2000) -> MappingDraft:
    """Draft a mapping from the headers and sampled values of the files under ``paths``."""
    files = _input_files(paths)
    con = duckdb.connect()
    try:
        drafts = [draft_file(con, f, sample_rows=sample_rows) for f in files]
    finally:
        con.close()
    _settle_day_month(drafts)
    return MappingDraft(drafts)


def _settle_day_month(files: list[FileDraft]) -> None:
    """A column whose values fit day-first and month-first follows the rest of the export.

    One system writes its dates one way: when another column shows the order unambiguously
    (a day above 12), the ambiguous column takes that order and needs no check.
    """
    clear = {d.format for f in files for d in f.dates if d.format and d.confident}
    for f in files:
        for d in f.dates:
            if d.format is None or d.note is None:
                continue
            swapped = _swap_day_month(d.format)
            if swapped not in d.candidates or (d.format in clear) == (swapped in clear):
                continue
            d.format = d.format if d.format in clear else swapped
            d.note = None
            d.basis = "day/month order as in other columns of this export"


# --- merging files of one domain and rendering -------------------------------------------


@dataclass
class _Block:
    """One domain of the drafted mapping, merged over its files."""

    files: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    columns: dict[str, ColumnMatch] = field(default_factory=dict)
    unmatched: dict[str, ColumnMatch] = field(default_factory=dict)
    #: file name → required columns it has no source column for
    missing: dict[str, list[str]] = field(default_factory=dict)
    dates: dict[str, DateGuess] = field(default_factory=dict)
    values: dict[str, dict[str, ValueMatch]] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)


def _merge(files: list[FileDraft]) -> dict[str, _Block]:
    blocks: dict[str, _Block] = {}
    for f in sorted(files, key=lambda f: DOMAINS[f.domain].load_order if f.domain else 9):
        if f.domain is None:
            continue
        b = blocks.setdefault(f.domain, _Block())
        b.files.append(glob.escape(f.path.name))
        rows = f"{f.rows_sampled} row{'' if f.rows_sampled == 1 else 's'}"
        b.sources.append(f"{f.path.name} (domain by {f.domain_via}, {rows} sampled)")
        for m in f.columns:
            if m.canonical is None:
                b.unmatched.setdefault(m.source, m)
            elif m.source not in b.columns or b.columns[m.source].score < m.score:
                b.columns[m.source] = m
        if f.missing_required:
            b.missing[f.path.name] = f.missing_required
        for d in f.dates:
            known = b.dates.get(d.column)
            if known is None:
                b.dates[d.column] = d
            elif known.format != d.format:
                b.checks.append(
                    f"{f.domain}.date_formats.{d.column}: files disagree "
                    f"({known.format or 'ISO'} vs {d.format or 'ISO'} in {f.path.name})"
                )
        for g in f.values:
            seen = b.values.setdefault(g.column, {})
            for v in g.values:
                k = v.source.lower()
                if k in seen:
                    seen[k].rows += v.rows
                else:
                    seen[k] = ValueMatch(v.source, v.canonical, v.rows, v.score, v.via)
    for name, b in blocks.items():
        b.checks.extend(_block_checks(name, b))
    return blocks


def _block_checks(name: str, b: _Block) -> list[str]:
    out = [
        f"{name}.columns.{m.source} → {m.canonical} is a fuzzy match ({m.score:.0f})"
        for m in b.columns.values()
        if not m.confident
    ]
    out += [f"{name}: source column {s} maps to nothing" for s in b.unmatched]
    out += [
        f"{name}: {file} has no source column for required {', '.join(cols)}"
        for file, cols in b.missing.items()
    ]
    out += [f"{name}.date_formats.{d.column}: {d.note}" for d in b.dates.values() if d.note]
    for col, vals in b.values.items():
        out += [
            f"{name}.values.{col}.{v.source}: "
            + (f"fuzzy match to {v.canonical} ({v.score:.0f})" if v.canonical else "unresolved")
            for v in vals.values()
            if not v.confident
        ]
    return out


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(text.split())


def _render_yaml(files: list[FileDraft]) -> str:
    blocks = _merge(files)
    lines = [
        "# DFRAS mapping draft written by `dfras mapping suggest`: check it before use.",
        "# Scores are 0-100: 100 the canonical name, 95 a known synonym, less a fuzzy match.",
        "# Comments starting 'check:' need a decision; settle them, then run",
        "#   dfras ingest FILES --mapping THIS_FILE",
    ]
    for f in files:
        for note in f.notes:
            lines.append(f"# check: {_comment(f.path.name + ': ' + note)}")
    lines += [f"source: {_q('dfras mapping suggest')}", "domains:"]
    if not blocks:
        lines[-1] = "domains: {}"
    for name, b in blocks.items():
        lines.append(f"  {name}:")
        lines += [f"    # from {_comment(s)}" for s in b.sources]
        lines.append("    files:")
        lines += [f"      - {_q(p)}" for p in b.files]
        patterns = sorted({_pattern(p) for p in b.files} - set(b.files))
        if patterns:
            shown = ", ".join(_q(p) for p in patterns)
            lines.append(f"      # a pattern such as {shown} would also take later exports")
        lines += _render_columns(name, b)
        lines += _render_dates(b)
        lines += _render_values(b)
    return "\n".join(lines) + "\n"


def _pattern(name: str) -> str:
    """``shipments_2025-05.csv`` → ``shipments_*.csv``: the dated part of a name as ``*``."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    return re.sub(r"\d(?:[\d_.-]*\d)?", "*", stem) + dot + suffix


def _render_columns(name: str, b: _Block) -> list[str]:
    out = ["    columns:" if b.columns else "    columns: {}"]
    for m in b.columns.values():
        note = f"{m.score:.0f} {m.via}"
        if not m.confident:
            note += " — check: low-confidence match"
        out.append(f"      {_q(m.source)}: {_q(m.canonical or '')}  # {note}")
    for m in b.unmatched.values():
        near = f" (closest: {m.closest} {m.score:.0f})" if m.closest and m.score >= 60 else ""
        out.append(f"      # check: source column {_q(m.source)} maps to nothing{near}")
    for file, cols in b.missing.items():
        out.append(
            f"      # check: {_comment(file)} has no source column for required {name} "
            f"column(s) {', '.join(cols)}"
        )
    return out


def _render_dates(b: _Block) -> list[str]:
    shown = {c: d for c, d in b.dates.items() if d.format or d.note}
    if not shown:
        return []
    formatted = [d for d in shown.values() if d.format and d.parsed]
    out = ["    date_formats:" if formatted else "    date_formats: {}"]
    for d in shown.values():
        what = f"{d.source}: {d.parsed} of {d.sampled} sampled values parse"
        if d.basis:
            what += f"; {d.basis}"
        if d.format and d.parsed:
            out.append(f"      {_q(d.column)}: {_q(d.format)}  # {_comment(what)}")
        if d.note:
            out.append(f"      # check: {d.column}: {_comment(d.note)}")
    return out


def _render_values(b: _Block) -> list[str]:
    if not b.values:
        return []
    out = ["    values:"]
    for col, vals in b.values.items():
        mapped = [v for v in vals.values() if v.canonical]
        out.append(f"      {col}:" if mapped else f"      {col}: {{}}")
        for v in vals.values():
            rows = f"{v.rows} row{'s' if v.rows != 1 else ''}"
            if v.canonical is None:
                out.append(
                    f"        # check: {_q(v.source)}: ?  # {rows}, no match: map it or leave it"
                )
                continue
            note = f"{rows}, {v.via}" + ("" if v.via == "equal" else f" {v.score:.0f}")
            if not v.confident:
                note += " — check: fuzzy match"
            out.append(f"        {_q(v.source)}: {_q(v.canonical)}  # {note}")
    return out
