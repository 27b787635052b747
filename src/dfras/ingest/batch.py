"""One input file as one atomic batch: land, check, quarantine, reconcile, record lineage.

The whole batch runs in one transaction, so a crash or kill leaves the store as it was before.
The file is read once, into a staging table in file order (the store's reader); every record
is then checked and landed in its domain table in a single engine pass, carrying its broken
rules and its record number; then, still inside the transaction, error rows
move to quarantine, repeated keys are resolved and the batch is reconciled with older rows on the
natural key (identical rows keep their original lineage, changed rows replace the old ones).
A file whose bytes were already imported is skipped outright.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dfras.domain.errors import FileRejected
from dfras.domain.tables import Domain
from dfras.ingest.detect import FileInfo, inspect_file, recognise_domain
from dfras.ingest.identity import file_digest, imported_before
from dfras.ingest.mapping import DomainMapping, Mapping
from dfras.ingest.rules import (
    ORDER_TIME_CHECKS,
    REFERENCE_RULES,
    RULES,
    column_checks,
    phone_digits,
    row_checks,
    value_expr,
)
from dfras.query.dialect import literal as _lit
from dfras.store.base import RejectedRecord, Store, iter_batches
from dfras.store.meta import read_meta, write_meta
from dfras.store.schema import sql_type


@dataclass
class BatchResult:
    """What happened to one file."""

    source_file: str
    domain: str | None
    status: str  # committed | skipped | rejected
    batch_id: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_inserted: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_warned: int = 0
    rows_quarantined: int = 0
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    hint: str | None = None
    seconds: float = 0.0


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def resolve_columns(
    domain: Domain, info: FileInfo, dm: DomainMapping | None
) -> tuple[dict[str, str], list[str]]:
    """canonical column → source column, and the source columns that map to nothing."""
    if dm is not None:
        present = dm.canonical_header(info.header)
    else:
        lowered = {h.lower(): h for h in info.header}
        present = {c: lowered[c] for c in domain.column_names if c in lowered}
    used = set(present.values())
    unknown = [h for h in info.header if h not in used]
    return present, unknown


@dataclass(frozen=True)
class FilePlan:
    """How one file is read: its domain, which source column is which, and the reader's types."""

    info: FileInfo
    domain: Domain
    dm: DomainMapping | None
    present: dict[str, str]
    unknown: list[str]
    typed: dict[str, str]

    @property
    def reader_columns(self) -> list[tuple[str, str]]:
        return [(h, self.typed.get(h, "VARCHAR")) for h in self.info.header]


def plan_file(path: Path, *, mapping: Mapping | None, domain_hint: str | None) -> FilePlan:
    """Recognise the file and map its header; raises FileRejected when a required column is
    missing."""
    info = inspect_file(path)
    forced = domain_hint or (mapping.domain_for_file(path) if mapping else None)
    domain = recognise_domain(info, forced)
    dm = mapping.domains.get(domain.name) if mapping else None
    present, unknown = resolve_columns(domain, info, dm)
    missing = [c for c in domain.required_columns if c not in present]
    if missing:
        hint = None
        if len(info.header) == 1:
            hint = "the header has a single column: is the file delimited by something else?"
        elif dm is None:
            hint = "if the columns have other names, map them with --mapping FILE"
        raise FileRejected(
            str(path),
            f"{domain.name} file is missing required column(s) {', '.join(missing)} "
            f"(header has: {', '.join(info.header)})",
            hint=hint,
        )
    # Parquet values arrive already typed or as text: cast in SQL, where a bad value is
    # caught by the bad_type rule instead of silently becoming NULL
    typed = _typed_columns(domain, present, dm) if info.file_format == "csv" else {}
    return FilePlan(info, domain, dm, present, unknown, typed)


def load_file(
    store: Store,
    path: Path,
    *,
    mapping: Mapping | None = None,
    domain_hint: str | None = None,
    digest: Future[str] | None = None,
    on_landed: Callable[[], None] | None = None,
) -> BatchResult:
    """Import one file as one batch; raises FileRejected when the file as a whole is refused.

    ``digest``: the file's digest (:func:`~dfras.ingest.identity.file_digest`), when the
    caller has it computed ahead (see
    :func:`dfras.ingest.service.ingest_paths`). ``on_landed`` is called once the file's
    records are landed, while the batch's checks and bookkeeping go on (the caller starts
    reading the next file then)."""
    started = time.perf_counter()
    plan = plan_file(path, mapping=mapping, domain_hint=domain_hint)
    domain = plan.domain
    result = BatchResult(source_file=str(path), domain=domain.name, status="committed")
    result.notes.extend(plan.info.notes)
    if plan.unknown:
        result.notes.append(f"ignored unknown column(s): {', '.join(plan.unknown)}")
    known = digest.result() if digest is not None else file_digest(path)
    seen = imported_before(store, known, domain.name, path)
    if seen:
        result.status = "skipped"
        result.batch_id = seen[0]
        result.notes.append(f"already imported from {seen[1]} as batch {seen[0]}")
        result.seconds = time.perf_counter() - started
        return result

    # read before the transaction: the read is committed in the staging area when it begins
    reader = store.file_reader(
        path,
        columns=plan.reader_columns,
        delimiter=plan.info.delimiter,
        file_format=plan.info.file_format,
    )
    try:
        with store.transaction():
            _land_batch(
                store,
                path,
                plan,
                reader,
                result,
                digest=known,
                mapping=mapping,
                on_landed=on_landed,
            )
    finally:
        store.take_rejects()  # a batch that failed before landing its read lets it go
    result.seconds = time.perf_counter() - started
    return result


def _land_batch(
    store: Store,
    path: Path,
    plan: FilePlan,
    reader: str,
    result: BatchResult,
    *,
    digest: str,
    mapping: Mapping | None,
    on_landed: Callable[[], None] | None,
) -> None:
    """The batch's work inside its transaction: land, check, quarantine, reconcile, record."""
    domain = plan.domain
    now = datetime.now().replace(microsecond=0)
    source = str(path)
    seq = int(read_meta(store, "data_version") or 0) + 1
    batch_id = f"{seq:08d}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    result.batch_id = batch_id
    had_rows = bool(
        store.fetchall(f"SELECT count(*) FROM (SELECT 1 FROM {domain.name} LIMIT 1) t")[0][0]
    )
    checks = _checks(domain, plan.present, plan.typed)
    landing = _landing_sql(domain, reader, plan.present, plan.dm, plan.typed, checks)
    store.execute(landing, [batch_id])
    rejected = store.take_rejects()
    if on_landed is not None:
        on_landed()
    if rejected:
        _renumber(store, domain, batch_id, rejected)
    tally, dropped = _tally(store, domain, batch_id), 0
    if _has_repeats(store, domain, batch_id, tally):
        dropped = _resolve_repeats(store, domain, batch_id, source)
        tally = _tally(store, domain, batch_id)
    _count(result, tally, dropped, rejected)
    # the counts say which scans would find rows: most batches have no errors, many no warnings
    _quarantine(
        store,
        domain,
        batch_id,
        source,
        now,
        rejected,
        failed_checks=result.rows_quarantined > len(rejected),
    )
    if result.rows_warned:
        _write_issues(store, domain, batch_id, source, _tagged_columns(checks, "warning"))
    if had_rows:
        _reconcile(store, domain, result, batch_id)
    else:
        result.rows_inserted = result.rows_accepted - dropped
    store.execute(
        "INSERT INTO ingest_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            batch_id,
            domain.name,
            source,
            digest,
            path.stat().st_size,
            mapping.path if mapping else None,
            result.rows_read,
            result.rows_accepted,
            result.rows_inserted,
            result.rows_updated,
            result.rows_unchanged,
            result.rows_warned,
            result.rows_quarantined,
            json.dumps(result.notes),
            now,
            datetime.now().replace(microsecond=0),
        ],
    )
    write_meta(store, "data_version", str(seq))


def _tags(pairs: list[tuple[str, str]]) -> str:
    """concat_ws of the tags whose condition holds ('' when none)."""
    if not pairs:
        return "''"
    return "concat_ws(';', " + ", ".join(f"CASE WHEN {c} THEN '{t}' END" for c, t in pairs) + ")"


def _severity(tag: str) -> str:
    return RULES[tag.split(":")[0]].severity


def _typed_columns(
    domain: Domain, present: dict[str, str], dm: DomainMapping | None
) -> dict[str, str]:
    """Source columns the file reader types itself: numbers and timestamps with no date format
    or value map. A value it cannot read becomes a rejected record (rule bad_type) with the raw
    line, and typed reading is much faster than text plus casts."""
    out = {}
    for col in domain.columns:
        src = present.get(col.name)
        if src is None or col.type == "text":
            continue
        if dm and (col.name in dm.date_formats or dm.values.get(col.name)):
            continue
        out[src] = sql_type(col.type)
    return out


def _trimmed(text: str) -> str:
    """``text`` without surrounding spaces, NULL when nothing is left. Only values that have
    such spaces are trimmed: most have none, and trimming copies every value."""
    return (
        f"CASE WHEN {text} = '' THEN NULL "
        f"WHEN {text} LIKE ' %' OR {text} LIKE '% ' THEN NULLIF(trim({text}), '') "
        f"ELSE {text} END"
    )


def _checks(
    domain: Domain, present: dict[str, str], typed: dict[str, str]
) -> list[tuple[str, str]]:
    """Every rule the landing evaluates, as (SQL condition, tag ``rule:column``). Conditions
    read the raw text as ``r__<column>``, typed values by column name, and the landed row as
    ``v`` (references join the referenced table, ``ref<i>``)."""
    checks = []
    for col in domain.columns:
        is_typed = present.get(col.name) in typed
        checks += column_checks(domain, col, f"r__{col.name}", col.name, typed=is_typed)
    checks += row_checks(domain)
    for i, ref in enumerate(domain.references):
        alias = f"ref{i}"
        if ref.domain == "orders" and (time_col := ORDER_TIME_CHECKS.get(domain.name)):
            checks.append((f"v.{time_col} < {alias}.order_date", f"log_before_order:{time_col}"))
            cond = f"v.{ref.column} IS NOT NULL AND {alias}.k IS NULL"
        else:
            # membership only: a mark join, which carries no columns across
            cond = (
                f"v.{ref.column} IS NOT NULL AND v.{ref.column} NOT IN "
                f"(SELECT {ref.target} FROM {ref.domain} WHERE {ref.target} IS NOT NULL)"
            )
        checks.append((cond, f"{REFERENCE_RULES[ref.domain]}:{ref.column}"))
    return checks


def _reference_joins(domain: Domain) -> list[str]:
    """The joins the reference checks of :func:`_checks` read: a reference to an order whose
    date a time rule compares brings that date along."""
    joins = []
    for i, ref in enumerate(domain.references):
        if ref.domain == "orders" and ORDER_TIME_CHECKS.get(domain.name):
            alias = f"ref{i}"
            joins.append(
                f"LEFT JOIN (SELECT {ref.target} AS k, order_date FROM {ref.domain}) {alias} "
                f"ON {alias}.k = v.{ref.column}"
            )
    return joins


def _tagged_columns(checks: list[tuple[str, str]], severity: str) -> list[str]:
    """The columns the ``severity`` rules among ``checks`` can name in a tag."""
    return sorted({t.split(":")[1] for _, t in checks if _severity(t) == severity})


def _landing_sql(
    domain: Domain,
    reader: str,
    present: dict[str, str],
    dm: DomainMapping | None,
    typed: dict[str, str],
    checks: list[tuple[str, str]],
) -> str:
    """One pass: read, trim, map values, type, check (``checks``, from :func:`_checks`) and
    land every record.

    Parameter: the batch id.
    """
    raws, vals = [], []
    for col in domain.columns:
        src = present.get(col.name)
        is_typed = src in typed
        if is_typed:
            raw = _ident(str(src))
        elif src:
            raw = _trimmed(_ident(src))
        else:
            raw = "CAST(NULL AS VARCHAR)"
        if dm and dm.values.get(col.name):
            arms = " ".join(
                f"WHEN {_lit(k.lower())} THEN {_lit(v)}" for k, v in dm.values[col.name].items()
            )
            raw = f"CASE lower({raw}) {arms} ELSE {raw} END"
        raws.append(f"{raw} AS r__{col.name}")
        digits = None
        if col.normalise == "phone" and not is_typed:
            digits = f"d__{col.name}"
            raws.append(f"{phone_digits(raw)} AS {digits}")
        fmt = dm.date_formats.get(col.name) if dm else None
        value = value_expr(col, f"r__{col.name}", fmt, typed=is_typed, digits=digits)
        vals.append(f"{value} AS {col.name}")
    errs = [(c, t) for c, t in checks if _severity(t) == "error"]
    warns = [(c, t) for c, t in checks if _severity(t) == "warning"]
    cols = [c.name for c in domain.columns]
    raw_json = (
        "json_object("
        + ", ".join(f"{_lit(c)}, CAST(r__{c} AS VARCHAR)" for c in cols if c in present)
        + ")"
    )
    targets = ", ".join(cols) + ", _batch_id, _source_row, _flags, _errors, _raw"
    return f"""
INSERT INTO {domain.name} ({targets})
SELECT {", ".join(cols)}, ?, _ord, NULLIF(_warnings, ''),
       NULLIF(_errors, ''), CASE WHEN _errors <> '' THEN {raw_json} END
FROM (
  SELECT v.*, {_tags(errs)} AS _errors, {_tags(warns)} AS _warnings
  FROM (
    SELECT *, {", ".join(vals)}
    FROM (SELECT _file_row AS _ord, {", ".join(raws)} FROM {reader}) r
  ) v
  {" ".join(_reference_joins(domain))}
) checked
"""


def _renumber(store: Store, domain: Domain, batch_id: str, rejected: list[RejectedRecord]) -> None:
    """Give landed rows their record numbers: the k-th parsed record is the k-th number no
    reject took (the reader numbers records in file order, header excluded)."""
    store.execute("CREATE OR REPLACE TEMP TABLE dfras_reject_rows (n BIGINT)")
    for chunk in iter_batches(rejected, 1000):
        store.execute(
            "INSERT INTO dfras_reject_rows VALUES " + ", ".join("(?)" for _ in chunk),
            [r.source_row for r in chunk],
        )
    parsed = store.fetchall(f"SELECT count(*) FROM {domain.name} WHERE _batch_id = ?", [batch_id])[
        0
    ][0]
    store.execute(
        f"""UPDATE {domain.name} SET _source_row = numbers.n
        FROM (
          SELECT n, row_number() OVER (ORDER BY n) AS k
          FROM (SELECT range + 1 AS n FROM range(?)) r
          WHERE n NOT IN (SELECT n FROM dfras_reject_rows)
        ) numbers
        WHERE {domain.name}._batch_id = ? AND numbers.k = {domain.name}._source_row""",
        [parsed + len(rejected), batch_id],
    )
    store.execute("DROP TABLE dfras_reject_rows")


def _fingerprint(store: Store, domain: Domain, alias: str | None = None) -> str:
    """SQL fingerprint of a row's values, to tell an identical repeat from a changed row.

    Computed when a comparison needs it (a key repeated in a file, a re-import) rather than
    stored with every row: storing it cost about a fifth of a large file's landing."""
    prefix = f"{alias}." if alias else ""
    return store.row_hash_sql([f"{prefix}{c.name}" for c in domain.columns])


@dataclass(frozen=True)
class _Tally:
    """A landed batch's rows, counted in one scan: those a check failed (``errors``), those
    kept with a warning (``warned``), all kept (``kept``), and the range of the kept rows'
    keys (``low``, ``high``; None when none was kept)."""

    errors: int
    warned: int
    kept: int
    low: int | None
    high: int | None


def _tally(store: Store, domain: Domain, batch_id: str) -> _Tally:
    key = domain.key
    errors, warned, kept, low, high = store.fetchall(
        f"""SELECT count(*) FILTER (WHERE _errors IS NOT NULL),
                   count(*) FILTER (WHERE _errors IS NULL AND _flags IS NOT NULL),
                   count(*) FILTER (WHERE _errors IS NULL),
                   min({key}) FILTER (WHERE _errors IS NULL),
                   max({key}) FILTER (WHERE _errors IS NULL)
            FROM {domain.name} WHERE _batch_id = ?""",
        [batch_id],
    )[0]
    return _Tally(
        int(errors),
        int(warned),
        int(kept),
        None if low is None else int(low),
        None if high is None else int(high),
    )


def _has_repeats(store: Store, domain: Domain, batch_id: str, tally: _Tally) -> bool:
    """Whether a key repeats among the batch's kept rows (keys are integers, required: those
    rows all have one). More rows than the keys' range holds must repeat one; otherwise the
    distinct keys are counted."""
    if tally.kept < 2 or tally.low is None or tally.high is None:
        return False
    if tally.high - tally.low + 1 < tally.kept:
        return True
    distinct = store.fetchall(
        f"SELECT {store.distinct_count_sql(domain.key, tally.low, tally.high)} "
        f"FROM {domain.name} WHERE _batch_id = ? AND _errors IS NULL",
        [batch_id],
    )[0][0]
    return bool(distinct < tally.kept)


def _resolve_repeats(store: Store, domain: Domain, batch_id: str, source: str) -> int:
    """A key repeated in one file: an identical later row is dropped with a warning; a later
    row with other values is an error (quarantined), the first one is kept. Returns the
    number of rows dropped."""
    t, key = domain.name, domain.key
    typed_json = (
        "json_object("
        + ", ".join(f"{_lit(c.name)}, CAST({t}.{c.name} AS VARCHAR)" for c in domain.columns)
        + ")"
    )
    store.execute(
        f"""UPDATE {t} SET
          _errors = CASE WHEN d._fp <> d._first THEN 'duplicate_key:{key}'
                         ELSE 'duplicate_row:{key}' END,
          _raw = {typed_json}
        FROM (
          SELECT _source_row, _fp,
            row_number() OVER (PARTITION BY {key} ORDER BY _source_row) AS _rank,
            first_value(_fp) OVER (PARTITION BY {key} ORDER BY _source_row) AS _first
          FROM (
            SELECT {key}, _source_row, {_fingerprint(store, domain)} AS _fp
            FROM {t} WHERE _batch_id = ? AND _errors IS NULL
          ) b
        ) d
        WHERE {t}._batch_id = ? AND {t}._source_row = d._source_row AND d._rank > 1""",
        [batch_id, batch_id],
    )
    # identical repeats are not errors: record the warning, then drop the copy
    store.execute(
        f"""INSERT INTO row_issues
        SELECT ?, ?, ?, _source_row, CAST({key} AS VARCHAR), 'duplicate_row',
               '{key}: ' || {_lit(RULES["duplicate_row"].text)} || ' (value ' || CAST({key} AS VARCHAR) || ')'
        FROM {t} WHERE _batch_id = ? AND _errors = 'duplicate_row:{key}'""",
        [batch_id, domain.name, source, batch_id],
    )
    dropped = store.fetchall(
        f"SELECT count(*) FROM {t} WHERE _batch_id = ? AND _errors = 'duplicate_row:{key}'",
        [batch_id],
    )[0][0]
    store.execute(
        f"DELETE FROM {t} WHERE _batch_id = ? AND _errors = 'duplicate_row:{key}'", [batch_id]
    )
    return int(dropped)


def _count(
    result: BatchResult, tally: _Tally, dropped: int, rejected: list[RejectedRecord]
) -> None:
    """The batch's figures: ``dropped`` identical repeats and ``rejected`` records, besides
    the rows of ``tally``, were read."""
    result.rows_quarantined = tally.errors + len(rejected)
    result.rows_warned = tally.warned
    result.rows_read = tally.errors + tally.kept + dropped + len(rejected)
    result.rows_accepted = result.rows_read - result.rows_quarantined


def _message_sql(domain: Domain, value_of: str, columns: Sequence[str] | None = None) -> str:
    """SQL text of a violation message: column, rule sentence and the offending value.

    ``value_of`` is a template with ``{col}`` giving the value of the named column as text;
    ``columns``: the columns a message can be about (default: all the domain's). The fewer
    named, the fewer the query reads.
    """
    named = [c.name for c in domain.columns] if columns is None else columns
    value_case = (
        "CASE col "
        + " ".join(f"WHEN {_lit(c)} THEN {value_of.format(col=c)}" for c in named)
        + " END"
    )
    rule_case = (
        "CASE rule "
        + " ".join(f"WHEN {_lit(r.code)} THEN {_lit(r.text)}" for r in RULES.values())
        + " END"
    )
    return (
        f"col || ': ' || {rule_case} || "
        f"coalesce(' (value ' || left({value_case}, 200) || ')', ' (empty)')"
    )


def _quarantine(
    store: Store,
    domain: Domain,
    batch_id: str,
    source: str,
    now: datetime,
    rejected: list[RejectedRecord],
    *,
    failed_checks: bool = True,
) -> None:
    """Move error rows out of the domain table into quarantine, with their raw content:
    the records the reader set aside (``rejected``), and the landed rows a check failed
    (looked for only when ``failed_checks`` says there are some)."""
    for chunk in iter_batches(rejected, 500):
        store.execute(
            "INSERT INTO quarantine VALUES "
            + ", ".join("(?, ?, ?, ?, NULL, ?, ?, ?, ?)" for _ in chunk),
            [
                v
                for r in chunk
                for v in (
                    batch_id,
                    domain.name,
                    source,
                    r.source_row,
                    r.rule,
                    r.message,
                    r.raw,
                    now,
                )
            ],
        )
    if not failed_checks:
        return
    message = _message_sql(domain, "json_extract_string(_raw, '$.{col}')")
    store.execute(
        f"""INSERT INTO quarantine
        SELECT ?, ?, ?, _source_row, json_extract_string(_raw, '$.{domain.key}'), rule,
               {message}, _raw, ?
        FROM (
          SELECT *, split_part(tag, ':', 1) AS rule, split_part(tag, ':', 2) AS col
          FROM (SELECT _source_row, _raw, unnest(string_split(_errors, ';')) AS tag
                FROM {domain.name} WHERE _batch_id = ? AND _errors IS NOT NULL) t
        ) q""",
        [batch_id, domain.name, source, now, batch_id],
    )
    store.execute(
        f"DELETE FROM {domain.name} WHERE _batch_id = ? AND _errors IS NOT NULL", [batch_id]
    )


def _write_issues(
    store: Store, domain: Domain, batch_id: str, source: str, columns: Sequence[str]
) -> None:
    """One row_issues row per warning on a kept row, with the value it was about (of one of
    ``columns``, those the warnings can name: the scan reads those and no other)."""
    message = _message_sql(domain, "CAST({col} AS VARCHAR)", columns)
    store.execute(
        f"""INSERT INTO row_issues
        SELECT ?, ?, ?, _source_row, CAST({domain.key} AS VARCHAR), rule, {message}
        FROM (
          SELECT *, split_part(tag, ':', 1) AS rule, split_part(tag, ':', 2) AS col
          FROM (SELECT *, unnest(string_split(_flags, ';')) AS tag
                FROM {domain.name} WHERE _batch_id = ? AND _flags IS NOT NULL) t
        ) q""",
        [batch_id, domain.name, source, batch_id],
    )


def _reconcile(store: Store, domain: Domain, result: BatchResult, batch_id: str) -> None:
    """Upsert on the natural key against rows of earlier batches."""
    t, key = domain.name, domain.key
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE dfras_cmp AS
        SELECT n.{key} AS k, {_fingerprint(store, domain, "n")} = {_fingerprint(store, domain, "o")}
          AS same
        FROM (SELECT * FROM {t} WHERE _batch_id = ?) n
        JOIN (SELECT * FROM {t} WHERE _batch_id <> ?) o ON o.{key} = n.{key}""",
        [batch_id, batch_id],
    )
    landed = store.fetchall(f"SELECT count(*) FROM {t} WHERE _batch_id = ?", [batch_id])[0][0]
    unchanged, updated = store.fetchall(
        "SELECT count(*) FILTER (WHERE same), count(*) FILTER (WHERE NOT same) FROM dfras_cmp"
    )[0]
    result.rows_unchanged, result.rows_updated = int(unchanged), int(updated)
    result.rows_inserted = int(landed) - result.rows_unchanged - result.rows_updated
    # identical rows keep their original lineage: drop the new copy
    store.execute(
        f"DELETE FROM {t} WHERE _batch_id = ? AND {key} IN (SELECT k FROM dfras_cmp WHERE same)",
        [batch_id],
    )
    # changed rows: the new version replaces the old one
    store.execute(
        f"DELETE FROM {t} WHERE _batch_id <> ? AND {key} IN (SELECT k FROM dfras_cmp WHERE NOT same)",
        [batch_id],
    )
    # warnings recorded for unchanged copies belong to the old rows already
    store.execute(
        "DELETE FROM row_issues WHERE batch_id = ? AND record_key IN "
        "(SELECT CAST(k AS VARCHAR) FROM dfras_cmp WHERE same)",
        [batch_id],
    )
    store.execute("DROP TABLE dfras_cmp")
