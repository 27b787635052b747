"""CSV writing for the generated tables, fast and byte-for-byte reproducible.

Each column is given as a small typed source (text, integers, timestamps, money, fixed-point
probabilities); the writer formats a chunk of rows of every column with pyarrow kernels, joins
them into lines and writes the raw bytes. The dialect is the sample's: a header line, ``,``
separators, ``\\n`` line ends, nulls as empty fields, and RFC 4180 quoting only where needed
(fields holding a comma, a double quote or a line break are quoted, quotes doubled).
Timestamps are naive local times ``YYYY-MM-DD HH:MM:SS`` held as int64 seconds since
1970-01-01.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dfras.generate.sampling import BoolArray, FloatArray, IntArray

CHUNK_ROWS = 200_000
DAY = 86_400


class ColumnSource(Protocol):
    """A column that can render rows ``lo:hi`` as text (nulls allowed)."""

    def render(self, lo: int, hi: int) -> pa.Array: ...


def _mask(valid: BoolArray | None, lo: int, hi: int) -> BoolArray | None:
    return None if valid is None else ~valid[lo:hi]


@dataclass(frozen=True)
class Text:
    """Strings, quoted where the CSV dialect needs it; nulls and '' both write as empty."""

    values: pa.Array

    def render(self, lo: int, hi: int) -> pa.Array:
        v = self.values.slice(lo, hi - lo)
        needs = pc.match_substring_regex(v, '[,"\r\n]')
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(v, '"', '""'), '"', "")
        return pc.if_else(needs, quoted, v)


@dataclass(frozen=True)
class Ints:
    """Integers; entries where ``valid`` is False are written empty."""

    values: IntArray
    valid: BoolArray | None = None

    def render(self, lo: int, hi: int) -> pa.Array:
        arr = pa.array(self.values[lo:hi], type=pa.int64(), mask=_mask(self.valid, lo, hi))
        return pc.cast(arr, pa.string())


@lru_cache(maxsize=1)
def _times_of_day() -> pa.Array:
    sec = np.arange(DAY)
    text = [
        f"{h:02d}:{m:02d}:{s:02d}"
        for h, m, s in zip(sec // 3600, sec // 60 % 60, sec % 60, strict=True)
    ]
    return pa.array(text, type=pa.string())


@dataclass(frozen=True)
class Stamps:
    """Timestamps (int64 seconds since 1970-01-01, naive); invalid entries written empty."""

    values: IntArray
    valid: BoolArray | None = None

    def render(self, lo: int, hi: int) -> pa.Array:
        secs = self.values[lo:hi]
        valid = np.ones(len(secs), dtype=bool) if self.valid is None else self.valid[lo:hi]
        if not valid.any():
            return pa.nulls(len(secs), type=pa.string())
        days = secs // DAY
        first, last = int(days[valid].min()), int(days[valid].max())
        day_text = np.arange(first, last + 1).astype("datetime64[D]").astype(str).tolist()
        day_idx = pa.array(np.where(valid, days - first, 0), mask=~valid)
        tod_idx = pa.array(np.where(valid, secs % DAY, 0), mask=~valid)
        return pc.binary_join_element_wise(
            pa.array(day_text, type=pa.string()).take(day_idx),
            _times_of_day().take(tod_idx),
            " ",
        )


@dataclass(frozen=True)
class Fixed:
    """Non-negative decimals held as integers scaled by ``10 ** places`` (e.g. paise)."""

    scaled: IntArray
    places: int = 2

    def render(self, lo: int, hi: int) -> pa.Array:
        v = self.scaled[lo:hi]
        unit = 10**self.places
        whole = pc.cast(pa.array(v // unit), pa.string())
        frac = pc.utf8_lpad(pc.cast(pa.array(v % unit), pa.string()), self.places, "0")
        return pc.binary_join_element_wise(whole, frac, ".")


def fixed(values: FloatArray, places: int) -> Fixed:
    """Round non-negative floats to ``places`` decimals for writing."""
    return Fixed(np.rint(np.asarray(values) * 10**places).astype(np.int64), places)


@dataclass(frozen=True)
class Table:
    """One CSV file to write: its name (without .csv), header, columns and row count."""

    name: str
    header: tuple[str, ...]
    columns: tuple[ColumnSource, ...]
    rows: int


def _line_bytes(lines: pa.Array) -> bytes:
    buffers = lines.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    data = buffers[2]
    return data.to_pybytes()[int(offsets[0]) : int(offsets[-1])]


def write_csv(path: Path, header: Sequence[str], columns: Sequence[ColumnSource], rows: int) -> int:
    """Write ``rows`` rows of ``columns`` under ``header`` to ``path``; returns ``rows``."""
    if len(header) != len(columns):
        raise ValueError(f"{path.name}: {len(header)} names for {len(columns)} columns")
    with path.open("wb") as out:
        out.write((",".join(header) + "\n").encode("utf-8"))
        for lo in range(0, rows, CHUNK_ROWS):
            hi = min(rows, lo + CHUNK_ROWS)
            rendered = [pc.fill_null(c.render(lo, hi), "") for c in columns]
            line = pc.binary_join_element_wise(*rendered, ",")
            line = pc.binary_join_element_wise(line, "", "\n")
            out.write(_line_bytes(line))
    return rows
