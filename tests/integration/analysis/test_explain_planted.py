"""Planted causes are found: recall of the generator's segments in the top 10 over 5 seeds."""

from __future__ import annotations

from typing import Any

import pytest

from dfras.analysis.explain import explain
from dfras.analysis.findings import Finding

SEEDS = (1, 2, 3, 4, 5)
ORDERS = 100_000


def matches(planted: dict[str, Any], f: Finding) -> bool:
    """Whether a finding names a planted cause (the same conditions; a window for windows)."""
    cond = planted["conditions"]
    if "hour_range" in cond:
        lo, hi = cond["hour_range"]
        return set(f.conditions) == {"order_hour"} and lo <= f.conditions["order_hour"] <= hi
    if set(cond) != set(f.conditions) or any(str(cond[k]) != str(f.conditions[k]) for k in cond):
        return False
    if planted["kind"] == "window":
        return (
            f.window is not None
            and f.window["start"] <= planted["window"]["end"]
            and (f.window["end"] >= planted["window"]["start"])
        )
    return True


@pytest.fixture(scope="module")
def results(
    tmp_path_factory: pytest.TempPathFactory, make_store: Any
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    out = []
    for seed in SEEDS:
        store, truth = make_store(tmp_path_factory.mktemp(f"s{seed}"), orders=ORDERS, seed=seed)
        answers = {oc: explain(store, outcome=oc) for oc in ("failure", "late")}
        store.close()
        out.append((truth, answers))
    return out


def test_planted_segments_are_in_the_top_10(
    results: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    found = total = 0
    missed = []
    for truth, answers in results:
        for planted in truth["planted"]:
            outcome = "failure" if planted["outcome"] == "failure" else "late"
            top = answers[outcome].segments[:10]
            total += 1
            if any(matches(planted, f) for f in top):
                found += 1
            else:
                missed.append((truth["generator"]["seed"], planted["id"]))
    assert found / total >= 0.9, f"recall {found}/{total}; missed {missed}"


def test_planted_windows_are_found_with_their_dates(
    results: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    for truth, answers in results:
        storm = next(p for p in truth["planted"] if p["kind"] == "window")
        windows = [f for f in answers["failure"].segments if f.window and matches(storm, f)]
        assert windows, f"seed {truth['generator']['seed']}: storm window not found"
        w = windows[0].window
        assert w is not None
        assert w["start"] <= storm["window"]["start"] <= w["end"] or (
            storm["window"]["start"] <= w["start"] <= storm["window"]["end"]
        )


def test_findings_carry_their_statistics(
    results: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    _, answers = results[0]
    e = answers["failure"]
    assert e.significant and e.segments
    for f in e.segments:
        assert f.q_value <= 0.05
        assert f.ci[0] <= f.risk_ratio <= f.ci[1]
        assert f.support >= e.tested.min_support or f.kind == "window"
    data = e.to_dict()
    seg = data["segments"][0]
    assert {
        "conditions",
        "support",
        "rate",
        "baseline",
        "risk_ratio",
        "ci",
        "excess",
        "p_value",
        "q_value",
    } <= set(seg)
    assert data["tested"]["hypotheses"] > 1000
    assert "Main causes" in e.narrative
