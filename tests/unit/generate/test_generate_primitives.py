"""Building blocks of the generator: random streams, group sampling, CSV rendering."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from dfras.generate.causes import FAILURE_CAUSES, FAILURE_MIX, LATE_MIX, RETURN_MIX
from dfras.generate.messiness import format_phones, pincodes
from dfras.generate.sampling import GroupSampler, Streams, categorical, ranks_within_groups
from dfras.generate.writer import Fixed, Ints, Stamps, Text, write_csv


def test_streams_are_independent_and_reproducible() -> None:
    a, b = Streams(7), Streams(7)
    assert np.array_equal(a.rng("x").random(5), b.rng("x").random(5))
    assert not np.array_equal(a.rng("x").random(5), a.rng("y").random(5))
    assert not np.array_equal(Streams(7).rng("x").random(5), Streams(8).rng("x").random(5))


def test_group_sampler_stays_in_group_and_follows_weights() -> None:
    groups = np.array([0, 1, 0, 2, 1, 0])
    weights = np.array([1.0, 1.0, 3.0, 1.0, 0.0, 0.0])
    sampler = GroupSampler(groups, weights, 3)
    rng = np.random.default_rng(1)
    want = rng.integers(0, 3, 30_000)
    got = sampler.draw(rng, want)
    assert np.array_equal(groups[got], want)
    assert not np.any(got == 4) and not np.any(got == 5)  # zero weight never drawn
    in0 = got[want == 0]
    assert abs(np.mean(in0 == 2) - 0.75) < 0.02


def test_ranks_within_groups_are_permutations() -> None:
    groups = np.array([2, 0, 2, 2, 0, 1])
    ranks = ranks_within_groups(np.random.default_rng(3), groups)
    for g in range(3):
        assert sorted(ranks[groups == g]) == list(range(1, int((groups == g).sum()) + 1))


def test_categorical_proportions() -> None:
    draws = categorical(np.random.default_rng(5), (0.2, 0.8), 50_000)
    assert abs(draws.mean() - 0.8) < 0.01


def test_mixes_sum_to_one() -> None:
    for mix in (FAILURE_MIX, RETURN_MIX, LATE_MIX):
        assert abs(sum(mix) - 1.0) < 1e-9
    assert len(FAILURE_MIX) == len(FAILURE_CAUSES)


def test_pincodes_and_phones_text() -> None:
    codes = pincodes(np.random.default_rng(2), 20_000).to_pylist()
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert 0.05 < np.mean([c.startswith("0") for c in codes]) < 0.15
    phones = format_phones(np.array([9876543210] * 5), np.arange(5)).to_pylist()
    assert phones == [
        "+919876543210",
        "09876543210",
        "9876543210",
        "+91 98765 43210",
        "987-654-3210",
    ]


def test_write_csv_renders_types_nulls_and_quotes(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    text = pa.array(["a,b", "plain", 'say "hi"', "two\nlines", None, ""])
    stamps = np.array([0, 86_399, 1_757_635_200, 0, 0, 0], dtype=np.int64)
    valid = np.array([True, True, True, False, False, False])
    write_csv(
        path,
        ("t", "i", "s", "m"),
        (
            Text(text),
            Ints(np.arange(6), valid),
            Stamps(stamps, valid),
            Fixed(np.array([1, 20, 300, 4000, 50000, 600000])),
        ),
        6,
    )
    assert path.read_bytes().decode() == (
        "t,i,s,m\n"
        '"a,b",0,1970-01-01 00:00:00,0.01\n'
        "plain,1,1970-01-01 23:59:59,0.20\n"
        '"say ""hi""",2,2025-09-12 00:00:00,3.00\n'
        '"two\nlines",,,40.00\n'
        ",,,500.00\n"
        ",,,6000.00\n"
    )


def test_write_csv_chunking_does_not_change_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dfras.generate import writer

    values = np.arange(1_000, dtype=np.int64)
    stamps = Stamps(values * 3_600, values % 3 != 0)
    cols = (Ints(values), stamps, Text(pa.array([f"x,{i}" for i in range(1_000)])))
    write_csv(tmp_path / "a.csv", ("a", "b", "c"), cols, 1_000)
    monkeypatch.setattr(writer, "CHUNK_ROWS", 7)
    write_csv(tmp_path / "b.csv", ("a", "b", "c"), cols, 1_000)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
