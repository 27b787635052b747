"""Over-long lines are found whether the quick look at each block or the full read finds them."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dfras.store import staging


def _reference(data: bytes, limit: int) -> list[tuple[int, int]]:
    """Every line after the first longer than ``limit`` bytes, by splitting the whole text."""
    spans, start = [], 0
    for line in data.split(b"\n"):
        if len(line) > limit and start > 0:
            spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


@pytest.mark.parametrize("seed", range(12))
def test_long_lines_match_a_plain_split(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "_SCAN_CHUNK", 64)  # chunks no longer than the limit
    rng = random.Random(seed)
    limit = 200
    lengths = [rng.choice((5, 40, 150, 199, 200, 201, 260, 450, 1000)) for _ in range(60)]
    data = b"\n".join(bytes([rng.choice(b'abc,"')]) * n for n in lengths)
    if rng.random() < 0.5:
        data += b"\n"
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert staging._long_lines(path, limit) == _reference(data, limit)


def test_a_file_of_short_lines_is_not_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"id,name\n" + b"1,a fairly ordinary record\n" * 200_000)
    monkeypatch.setattr(staging, "_line_spans", lambda *a: pytest.fail("read the whole file"))
    assert staging._long_lines(path, 2_000_000) == []


def test_a_long_header_alone_is_not_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staging, "_SCAN_CHUNK", 256)
    path = tmp_path / "f.csv"
    path.write_bytes(b"h" * 5000 + b"\n1,a\n2,b\n")
    assert staging._long_lines(path, 1000) == []
    path.write_bytes(b"h" * 5000 + b"\n1,a\n" + b"x" * 3000 + b"\n2,b")
    assert staging._long_lines(path, 1000) == [(5005, 8005)]
