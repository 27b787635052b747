"""Recognising an input file: its format, delimiter, header and which domain it holds.

Only the first bytes of a file are read here; the body is read by the engine. A file's domain
comes from its name (``orders.csv``, ``2025-08_fleet_logs.csv``, an alias such as ``trips``) or,
failing that, from the header that best covers a domain's required columns.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from dfras.domain.errors import FileRejected, UserError
from dfras.domain.tables import DOMAINS, Domain

_DELIMITERS = (",", ";", "\t", "|")
_HEAD_BYTES = 64 * 1024
_PARQUET_MAGIC = b"PAR1"
SUPPORTED_SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq")


@dataclass
class FileInfo:
    """What the first bytes of a file say about it."""

    path: Path
    file_format: str  # "csv" | "parquet"
    delimiter: str = ","
    header: list[str] = field(default_factory=list)
    has_bom: bool = False
    notes: list[str] = field(default_factory=list)


def inspect_file(path: Path) -> FileInfo:
    """Format, delimiter and header of ``path``; raises FileRejected if it cannot be read."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
    except OSError as exc:
        raise FileRejected(str(path), f"cannot be read: {exc.strerror or exc}") from exc
    if head.startswith(_PARQUET_MAGIC) or path.suffix.lower() in (".parquet", ".pq"):
        return _inspect_parquet(path)
    if not head.strip():
        raise FileRejected(str(path), "is empty: no header line", hint="export it again")
    info = FileInfo(path=path, file_format="csv")
    if head.startswith(b"\xef\xbb\xbf"):
        info.has_bom = True
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            str(path), "is UTF-16 encoded", hint="re-export it as UTF-8 (with or without BOM)"
        )
    first_line = _first_record(head)
    try:
        text = first_line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            str(path),
            f"header line is not valid UTF-8 (byte {exc.start + 1})",
            hint="re-export the file as UTF-8",
        ) from exc
    info.delimiter = _sniff_delimiter(text)
    if info.delimiter != ",":
        shown = {"\t": "tab", ";": "';'", "|": "'|'"}[info.delimiter]
        info.notes.append(f"delimiter {shown} detected from the header")
    row = next(csv.reader(io.StringIO(text), delimiter=info.delimiter), [])
    info.header = [h.strip() for h in row]
    if not any(info.header):
        raise FileRejected(str(path), "has an empty header line")
    dupes = sorted({h for h in info.header if info.header.count(h) > 1})
    if dupes:
        raise FileRejected(str(path), f"header repeats column(s) {', '.join(dupes)}")
    return info


def _inspect_parquet(path: Path) -> FileInfo:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise FileRejected(str(path), f"is not a readable Parquet file: {exc}") from exc
    return FileInfo(path=path, file_format="parquet", header=list(schema.names))


def _first_record(head: bytes) -> bytes:
    """The header record: up to the first newline outside quotes."""
    in_quote = False
    for i, b in enumerate(head):
        if b == 0x22:
            in_quote = not in_quote
        elif b == 0x0A and not in_quote:
            return head[:i].rstrip(b"\r")
    return head.rstrip(b"\r\n")


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


def domain_from_name(path: Path) -> Domain | None:
    """The domain a file name names, e.g. ``fleet_logs_2025-08.csv`` → fleet_logs."""
    named = domains_from_name(path)
    return named[0] if named else None


def domains_from_name(path: Path) -> list[Domain]:
    """Every domain the file name names, the longest (most specific) match first."""
    stem = path.name.lower().split(".")[0].replace("-", "_").replace(" ", "_")
    best: dict[str, int] = {}
    for domain in DOMAINS.values():
        for name in (domain.name, *domain.aliases):
            if re.search(rf"(^|_|\d){re.escape(name)}($|_|\d)", stem):
                best[domain.name] = max(best.get(domain.name, 0), len(name))
    return [DOMAINS[n] for n in sorted(best, key=lambda n: -best[n])]


def domain_from_header(header: list[str]) -> Domain | None:
    """The domain whose columns the header covers best, if it has all its required ones."""
    cols = {h.strip().lower() for h in header}
    best: tuple[float, Domain] | None = None
    for domain in DOMAINS.values():
        if not set(domain.required_columns) <= cols:
            continue
        score = len(cols & set(domain.column_names)) / len(domain.column_names)
        if best is None or score > best[0]:
            best = (score, domain)
    return best[1] if best else None


def recognise_domain(info: FileInfo, forced: str | None = None) -> Domain:
    """The domain of a file: forced by the caller or mapping, else by name, else by header."""
    if forced:
        if forced not in DOMAINS:
            raise FileRejected(str(info.path), f"unknown domain {forced!r}")
        return DOMAINS[forced]
    named = domains_from_name(info.path)
    if named:
        # a name can mention two domains (orders_by_client.csv): the header decides
        cols = {h.strip().lower() for h in info.header}
        fitting = [d for d in named if set(d.required_columns) <= cols]
        return (fitting or named)[0]
    by_header = domain_from_header(info.header)
    if by_header is not None:
        return by_header
    raise FileRejected(
        str(info.path),
        "matches no domain by name or header",
        hint="name it after its domain (orders, clients, warehouses, drivers, warehouse_logs, "
        "fleet_logs, external_factors, feedback) or describe it in a --mapping file",
    )


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files under the given files and folders, supported formats only, in a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in SUPPORTED_SUFFIXES))
        elif p.exists():
            out.append(p)
        else:
            raise UserError(f"{p} does not exist", hint="check the path, or list the folder")
    return out
