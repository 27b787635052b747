"""One input file as one atomic batch: stage, check, quarantine, upsert, record lineage.

The whole batch runs in one transaction, so a crash or kill leaves the store as it was before.
Rows are upserted on their natural key: identical rows stay untouched (with their original
lineage), changed rows are replaced, new rows inserted; a file whose bytes were already imported
is skipped outright. Every step is one engine query over the staged file.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dfras.domain.errors import FileRejected
from dfras.domain.tables import DOMAINS, Domain
from dfras.ingest.detect import FileInfo, inspect_file, recognise_domain
from dfras.ingest.mapping import DomainMapping, Mapping
from dfras.ingest.rules import (
    ORDER_TIME_CHECKS,
    REFERENCE_RULES,
    RULES,
    column_checks,
    row_checks,
    value_expr,
)
from dfras.store.base import StagedFile, Store


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


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


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


def load_file(
    store: Store,
    path: Path,
    *,
    mapping: Mapping | None = None,
    domain_hint: str | None = None,
) -> BatchResult:
    """Import one file as one batch; raises FileRejected when the file as a whole is refused."""
    started = time.perf_counter()
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
    result = BatchResult(source_file=str(path), domain=domain.name, status="committed")
    result.notes.extend(info.notes)
    if unknown:
        result.notes.append(f"ignored unknown column(s): {', '.join(unknown)}")
    sha = file_sha256(path)
    seen = store.fetchall(
        "SELECT batch_id, source_file FROM ingest_batches WHERE source_sha256 = ? AND domain = ?",
        [sha, domain.name],
    )
    if seen:
        result.status = "skipped"
        result.batch_id = seen[0][0]
        result.notes.append(f"already imported from {seen[0][1]} as batch {seen[0][0]}")
        result.seconds = time.perf_counter() - started
        return result

    batch_id = datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    result.batch_id = batch_id
    now = datetime.now().replace(microsecond=0)
    with store.transaction():
        staged = store.stage_file(
            path,
            table="dfras_stage",
            columns=info.header,
            delimiter=info.delimiter,
            file_format=info.file_format,
        )
        _check(store, domain, staged, present, dm)
        _count(store, result, staged)
        _write_quarantine(store, domain, staged, present, batch_id, str(path), now)
        _write_issues(store, domain, batch_id, str(path))
        _upsert(store, domain, result, batch_id, str(path), now)
        store.execute(
            "INSERT INTO ingest_batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                batch_id,
                domain.name,
                str(path),
                sha,
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
        version = int(store.fetchall("SELECT value FROM store_meta WHERE key='data_version'")[0][0])
        store.execute("UPDATE store_meta SET value = ? WHERE key = 'data_version'", [str(version + 1)])
        for t in ("dfras_stage", "dfras_checked"):
            store.execute(f"DROP TABLE IF EXISTS {t}")
    result.seconds = time.perf_counter() - started
    return result


def _check(
    store: Store,
    domain: Domain,
    staged: StagedFile,
    present: dict[str, str],
    dm: DomainMapping | None,
) -> None:
    """Build ``dfras_checked``: typed values, raw text, error and warning tags per row."""
    raws, vals, errs, warns = [], [], [], []
    for col in domain.columns:
        src = present.get(col.name)
        raw = f"NULLIF(trim({_ident(src)}), '')" if src else "CAST(NULL AS VARCHAR)"
        if dm and col.name in dm.values and dm.values[col.name]:
            arms = " ".join(
                f"WHEN {_lit(k.lower())} THEN {_lit(v)}" for k, v in dm.values[col.name].items()
            )
            raw = f"CASE lower({raw}) {arms} ELSE {raw} END"
        raws.append(f"{raw} AS r__{col.name}")
        fmt = dm.date_formats.get(col.name) if dm else None
        vals.append(f"{value_expr(col, f'r__{col.name}', fmt)} AS {col.name}")
        for cond, tag in column_checks(domain, col, f"r__{col.name}", col.name):
            (errs if RULES[tag.split(':')[0]].severity == "error" else warns).append((cond, tag))
    for cond, tag in row_checks(domain):
        (errs if RULES[tag.split(':')[0]].severity == "error" else warns).append((cond, tag))

    def tags(pairs: list[tuple[str, str]]) -> str:
        if not pairs:
            return "''"
        return "concat_ws(';', " + ", ".join(f"CASE WHEN {c} THEN '{t}' END" for c, t in pairs) + ")"

    joins, ref_errs, ref_warns = [], [], []
    for i, ref in enumerate(domain.references):
        alias = f"ref{i}"
        extra = ""
        time_col = ORDER_TIME_CHECKS.get(domain.name) if ref.domain == "orders" else None
        if time_col:
            extra = ", order_date"
        joins.append(
            f"LEFT JOIN (SELECT {ref.target} AS k{extra} FROM {ref.domain}) {alias} "
            f"ON {alias}.k = v.{ref.column}"
        )
        rule = REFERENCE_RULES[ref.domain]
        cond = f"v.{ref.column} IS NOT NULL AND {alias}.k IS NULL"
        (ref_errs if ref.severity == "error" else ref_warns).append((cond, f"{rule}:{ref.column}"))
        if time_col:
            ref_warns.append(
                (f"v.{time_col} < {alias}.order_date", f"log_before_order:{time_col}")
            )
    hash_cols = ", ".join(
        f"coalesce(CAST({c.name} AS VARCHAR), '\\N')" for c in domain.columns
    )
    key = domain.key
    sql = f"""
    CREATE OR REPLACE TEMP TABLE dfras_checked AS
    WITH r AS (
      SELECT _ord, _source_row, {", ".join(raws)} FROM {staged.table}
    ), v AS (
      SELECT *, {", ".join(vals)} FROM r
    ), c AS (
      SELECT v.*,
        concat_ws(';', NULLIF({tags(errs)}, ''), NULLIF({tags(ref_errs)}, '')) AS _errors,
        concat_ws(';', NULLIF({tags(warns)}, ''), NULLIF({tags(ref_warns)}, '')) AS _warnings,
        md5(concat_ws('|', {hash_cols})) AS _row_hash
      FROM v {" ".join(joins)}
    ), d AS (
      SELECT *,
        row_number() OVER (PARTITION BY {key} ORDER BY _ord) AS _dup_rank,
        first_value(_row_hash) OVER (PARTITION BY {key} ORDER BY _ord) AS _first_hash
      FROM c WHERE _errors = ''
    )
    SELECT d.* EXCLUDE (_errors, _warnings, _dup_rank, _first_hash),
      CASE WHEN _dup_rank > 1 AND _row_hash <> _first_hash THEN 'duplicate_key:{key}'
           ELSE '' END AS _errors,
      CASE WHEN _dup_rank > 1 AND _row_hash = _first_hash
           THEN concat_ws(';', NULLIF(_warnings, ''), 'duplicate_row:{key}')
           ELSE _warnings END AS _warnings,
      _dup_rank > 1 AS _dropped
    FROM d
    UNION ALL BY NAME
    SELECT c.*, FALSE AS _dropped FROM c WHERE _errors <> ''
    """
    store.execute(sql)


def _count(store: Store, result: BatchResult, staged: StagedFile) -> None:
    row = store.fetchall(
        """SELECT count(*) FILTER (WHERE _errors <> ''),
                  count(*) FILTER (WHERE _errors = '' AND _warnings <> '')
           FROM dfras_checked"""
    )[0]
    result.rows_read = staged.rows_parsed + len(staged.rejected)
    result.rows_quarantined = int(row[0]) + len(staged.rejected)
    result.rows_warned = int(row[1])
    result.rows_accepted = result.rows_read - result.rows_quarantined


def _write_quarantine(
    store: Store,
    domain: Domain,
    staged: StagedFile,
    present: dict[str, str],
    batch_id: str,
    source: str,
    now: datetime,
) -> None:
    if staged.rejected:
        store.execute("CREATE OR REPLACE TEMP TABLE dfras_rejected (n BIGINT, rule VARCHAR, msg VARCHAR, raw VARCHAR)")
        from dfras.store.base import iter_batches

        for chunk in iter_batches(staged.rejected, 1000):
            rows = [[r.source_row, r.rule, r.message, r.raw] for r in chunk]
            placeholders = ", ".join("(?, ?, ?, ?)" for _ in rows)
            store.execute(
                f"INSERT INTO dfras_rejected VALUES {placeholders}",
                [v for row in rows for v in row],
            )
        store.execute(
            "INSERT INTO quarantine SELECT ?, ?, ?, n, NULL, rule, msg, raw, ? FROM dfras_rejected",
            [batch_id, domain.name, source, now],
        )
        store.execute("DROP TABLE dfras_rejected")
    raw_json = "json_object(" + ", ".join(
        f"{_lit(c.name)}, r__{c.name}" for c in domain.columns if c.name in present
    ) + ")"
    store.execute(
        f"""INSERT INTO quarantine
        SELECT ?, ?, ?, _source_row, r__{domain.key}, rule, {_message_sql(domain)}, raw, ?
        FROM (
          SELECT *, split_part(tag, ':', 1) AS rule, split_part(tag, ':', 2) AS col
          FROM (SELECT *, unnest(string_split(_errors, ';')) AS tag, CAST({raw_json} AS VARCHAR) AS raw
                FROM dfras_checked WHERE _errors <> '') t
        ) q""",
        [batch_id, domain.name, source, now],
    )


def _message_sql(domain: Domain) -> str:
    """SQL text of a violation message: column, rule sentence and the offending value."""
    value_case = (
        "CASE col "
        + " ".join(f"WHEN {_lit(c.name)} THEN r__{c.name}" for c in domain.columns)
        + " END"
    )
    rule_case = (
        "CASE rule "
        + " ".join(f"WHEN {_lit(r.code)} THEN {_lit(r.text)}" for r in RULES.values())
        + " END"
    )
    return f"col || ': ' || {rule_case} || coalesce(' (value ' || left({value_case}, 200) || ')', ' (empty)')"


def _write_issues(store: Store, domain: Domain, batch_id: str, source: str) -> None:
    store.execute(
        f"""INSERT INTO row_issues
        SELECT ?, ?, ?, _source_row, CAST({domain.key} AS VARCHAR), rule, {_message_sql(domain)}
        FROM (
          SELECT *, split_part(tag, ':', 1) AS rule, split_part(tag, ':', 2) AS col
          FROM (SELECT *, unnest(string_split(_warnings, ';')) AS tag
                FROM dfras_checked WHERE _errors = '' AND _warnings <> '') t
        ) q""",
        [batch_id, domain.name, source],
    )


def _upsert(
    store: Store,
    domain: Domain,
    result: BatchResult,
    batch_id: str,
    source: str,
    now: datetime,
) -> None:
    key = domain.key
    table = domain.name
    cols = ", ".join(c.name for c in domain.columns)
    incoming = "SELECT * FROM dfras_checked WHERE _errors = '' AND NOT _dropped"
    empty = store.fetchall(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1) t")[0][0] == 0
    if empty:
        result.rows_inserted = store.fetchall(f"SELECT count(*) FROM ({incoming}) t")[0][0]
        filter_sql = ""
    else:
        store.execute(
            f"""CREATE OR REPLACE TEMP TABLE dfras_cmp AS
            SELECT i.{key} AS k, i._row_hash AS new_hash, t._row_hash AS old_hash
            FROM ({incoming}) i LEFT JOIN {table} t ON t.{key} = i.{key}"""
        )
        counts = store.fetchall(
            """SELECT count(*) FILTER (WHERE old_hash IS NULL),
                      count(*) FILTER (WHERE old_hash IS NOT NULL AND old_hash <> new_hash),
                      count(*) FILTER (WHERE old_hash = new_hash)
               FROM dfras_cmp"""
        )[0]
        result.rows_inserted, result.rows_updated, result.rows_unchanged = map(int, counts)
        store.execute(
            f"""DELETE FROM {table} WHERE {key} IN
            (SELECT k FROM dfras_cmp WHERE old_hash IS NOT NULL AND old_hash <> new_hash)"""
        )
        filter_sql = f" AND {key} NOT IN (SELECT k FROM dfras_cmp WHERE old_hash = new_hash)"
    store.execute(
        f"""INSERT INTO {table}
        SELECT {cols}, ?, ?, _source_row, ?, NULLIF(_warnings, ''), _row_hash
        FROM dfras_checked WHERE _errors = '' AND NOT _dropped{filter_sql}""",
        [batch_id, source, now],
    )
    store.execute("DROP TABLE IF EXISTS dfras_cmp")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def domain_of(name: str) -> Domain:
    return DOMAINS[name]
