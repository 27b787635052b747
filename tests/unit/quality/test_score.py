"""The documented quality score."""

from __future__ import annotations

import pytest

from dfras.quality.report import domain_score


@pytest.mark.parametrize(
    ("read", "accepted", "warned", "stored", "score"),
    [
        (100, 100, 0, 100, 100.0),
        (100, 100, 100, 100, 50.0),
        (100, 90, 0, 90, 90.0),
        (10_000, 10_000, 4957, 10_000, 75.2),
        (0, 0, 0, 0, 0.0),
    ],
)
def test_score(read: int, accepted: int, warned: int, stored: int, score: float) -> None:
    assert domain_score(read, accepted, warned, stored) == pytest.approx(score, abs=0.05)
