"""Messy text fields in the style of real exports: names, addresses, phones, pincodes, e-mails.

Real order exports are untidy, and the ingest side of DFRAS has to cope with that, so the
generator reproduces the sample data's quirks on purpose:
- addresses whose first line spans two lines (a quoted field with an embedded newline),
- 6-digit pincodes, about 10% with leading zeros that a number parser would drop,
- phone numbers in several formats (+91..., 0..., bare 10 digits, with spaces or dashes),
- the odd double space inside a name.
All builders are vectorised with pyarrow string kernels and return ``pa.StringArray``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dfras.generate import vocab
from dfras.generate.sampling import IntArray, categorical

# share of pincodes with 0, 1, 2 and 3 leading zeros
PINCODE_ZEROS = (0.90, 0.087, 0.011, 0.002)
# phone formats: +91XXXXXXXXXX, 0XXXXXXXXXX, XXXXXXXXXX, +91 XXXXX XXXXX, XXX-XXX-XXXX
PHONE_STYLES = (0.36, 0.25, 0.25, 0.08, 0.06)


def pick(variants: list[pa.Array], which: IntArray) -> pa.Array:
    """Element ``i`` of ``variants[which[i]]`` for every ``i`` (all variants equally long)."""
    if len(variants) == 1:
        return variants[0]
    return pc.choose(pa.array(which.astype(np.int8)), *variants)


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and literal strings."""
    return pc.binary_join_element_wise(*parts, "")


def from_vocab(words: tuple[str, ...], idx: IntArray) -> pa.Array:
    """The words at the given indices, as a string array."""
    return pa.array(words, type=pa.string()).take(pa.array(idx))


def int_text(values: IntArray, width: int = 0) -> pa.Array:
    """Integers as text, left-padded with zeros to ``width``."""
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(text, width, "0") if width else text


def pincodes(rng: np.random.Generator, size: int) -> pa.Array:
    """6-digit pincodes as text; some start with '0', '00' or '000'."""
    kind = categorical(rng, PINCODE_ZEROS, size)
    low = np.array([100_000, 10_000, 1_000, 100], dtype=np.int64)[kind]
    values = rng.integers(low, low * 10)
    return int_text(values, 6)


def phone_numbers(rng: np.random.Generator, size: int) -> IntArray:
    """Ten-digit mobile numbers (as integers) starting with 6-9."""
    return rng.integers(6_000_000_000, 10_000_000_000, size=size, dtype=np.int64)


def format_phones(digits: IntArray, styles: IntArray) -> pa.Array:
    """Write each number in its style (an index into ``PHONE_STYLES``)."""
    s = int_text(digits)

    def part(a: int, b: int) -> pa.Array:
        return pc.utf8_slice_codeunits(s, a, b)

    variants = [
        join("+91", s),
        join("0", s),
        s,
        join("+91 ", part(0, 5), " ", part(5, 10)),
        join(part(0, 3), "-", part(3, 6), "-", part(6, 10)),
    ]
    return pick(variants, styles)


def phone_styles(rng: np.random.Generator, size: int) -> IntArray:
    """A phone-format index per number."""
    return categorical(rng, PHONE_STYLES, size)


def person_names(rng: np.random.Generator, size: int) -> pa.Array:
    """'First Last' names; about 1% carry a double space as in hand-typed records."""
    first = from_vocab(vocab.FIRST_NAMES, rng.integers(0, len(vocab.FIRST_NAMES), size))
    last = from_vocab(vocab.LAST_NAMES, rng.integers(0, len(vocab.LAST_NAMES), size))
    gap = np.where(rng.random(size) < 0.01, 1, 0)
    return pick([join(first, " ", last), join(first, "  ", last)], gap)


def emails(rng: np.random.Generator, names: pa.Array) -> pa.Array:
    """Lower-case e-mail addresses loosely derived from the contact names."""
    size = len(names)
    local = pc.replace_substring(pc.utf8_lower(names), " ", "")
    number = int_text(rng.integers(1, 100, size))
    local = pick([local, join(local, number)], np.where(rng.random(size) < 0.5, 1, 0))
    domain = from_vocab(vocab.EMAIL_DOMAINS, rng.integers(0, len(vocab.EMAIL_DOMAINS), size))
    return join(local, "@", domain)


def _street(rng: np.random.Generator, size: int, bare_share: float) -> pa.Array:
    name = from_vocab(vocab.LAST_NAMES, rng.integers(0, len(vocab.LAST_NAMES), size))
    suffix = from_vocab(vocab.STREET_SUFFIXES, rng.integers(0, len(vocab.STREET_SUFFIXES), size))
    return pick([join(name, " ", suffix), name], np.where(rng.random(size) < bare_share, 1, 0))


def addresses(
    rng: np.random.Generator, size: int, multiline_share: float = 0.5
) -> tuple[pa.Array, pa.Array]:
    """(line1, line2) street addresses; line1 spans two lines in ``multiline_share`` of them."""
    n = rng.integers(1, 1000, size)
    house = [
        int_text(n),
        join("H.No. ", int_text(n)),
        join(int_text(rng.integers(0, 100, size), 2), "/", int_text(n)),
    ]
    number = pick(house, categorical(rng, (0.35, 0.35, 0.30), size))
    sep = pick(
        [pa.array([", "] * size), pa.array(["\n"] * size)],
        np.where(rng.random(size) < multiline_share, 1, 0),
    )
    line1 = join(number, sep, _street(rng, size, 0.1))
    line2 = _street(rng, size, 0.15)
    return line1, line2
