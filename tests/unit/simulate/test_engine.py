"""The Monte Carlo engine's mechanics on a hand-built model with near-certain parameters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pytest

from dfras.domain.errors import UserError
from dfras.simulate.engine import base_spec, simulate_runs
from dfras.simulate.scenarios import Capacity, CauseRate, MovePartner, NewClient, Period

START = date(2025, 6, 1)


def test_volume_and_rates_match_the_model(make_model: Callable[..., Any]) -> None:
    m = make_model(level=40.0)
    r = simulate_runs(m, base_spec(m, START, 30), runs=600, seed=3)
    orders = r.total[:, 0]
    assert orders.mean() == pytest.approx(1200, rel=0.02)
    # Poisson volume: the spread of a month's orders is about sqrt(1200)
    assert np.std(orders) == pytest.approx(np.sqrt(1200), rel=0.2)
    # failure multipliers 1.5 / 0.5 on equal shares average to the unit rate
    assert r.total[:, 1].sum() / orders.sum() == pytest.approx(0.10, rel=0.05)
    a, b = r.partner[:, 0, :].sum(0), r.partner[:, 1, :].sum(0)
    assert a[1] / a[0] == pytest.approx(0.15, rel=0.08)
    assert b[1] / b[0] == pytest.approx(0.05, rel=0.12)


def test_same_seed_same_runs_other_seed_other_runs(make_model: Callable[..., Any]) -> None:
    m = make_model()
    spec = base_spec(m, START, 10)
    one = simulate_runs(m, spec, runs=300, seed=5)
    two = simulate_runs(m, spec, runs=300, seed=5)
    three = simulate_runs(m, spec, runs=300, seed=6)
    assert np.array_equal(one.city, two.city)
    assert not np.array_equal(one.city, three.city)


def test_backlog_over_capacity_makes_orders_late(make_model: Callable[..., Any]) -> None:
    m = make_model(level=40.0, capacity=(10.0, 1000.0))
    r = simulate_runs(m, base_spec(m, START, 30), runs=300, seed=1)
    # warehouse 1 takes ~20 a day against a capacity of 10: over every day, from day 0
    assert (r.over_days[:, 0] == 30).mean() > 0.95
    assert (r.first_over[:, 0] == 0).mean() > 0.95
    assert r.over_days[:, 1].max() == 0
    late_rate_w1 = r.warehouse[:, 0, 3].sum() / r.warehouse[:, 0, 0].sum()
    late_rate_w2 = r.warehouse[:, 1, 3].sum() / r.warehouse[:, 1, 0].sum()
    assert late_rate_w1 > late_rate_w2 + 0.3
    assert r.overload[:, 1, :].max() == 0
    # the waiting also fails orders (wait_fail: 10% vs 10% → no excess) → none failed by it
    assert r.overload[:, 0, 0].mean() < 5


def test_new_client_adds_orders_in_its_city(make_model: Callable[..., Any]) -> None:
    m = make_model(level=10.0)
    base = base_spec(m, START, 30)
    spec = base_spec(m, START, 30)
    NewClient(monthly_orders=3044, cities={"chennai": 1.0}).apply(m, spec)
    a = simulate_runs(m, base, runs=400, seed=2)
    b = simulate_runs(m, spec, runs=400, seed=2)
    extra = b.total[:, 0].mean() - a.total[:, 0].mean()
    assert extra == pytest.approx(3044 / (365.25 / 12) * 30, rel=0.05)
    with pytest.raises(UserError, match="no city named 'Pune'"):
        NewClient(monthly_orders=10, cities={"Pune": 1.0}).apply(m, base_spec(m, START, 30))


def test_cause_rate_and_festival_change_failures(make_model: Callable[..., Any]) -> None:
    m = make_model(level=40.0)
    base = simulate_runs(m, base_spec(m, START, 30), runs=400, seed=4)
    spec = base_spec(m, START, 30)
    CauseRate(cause="address NOT found", factor=0.0).apply(m, spec)
    cut = simulate_runs(m, spec, runs=400, seed=4)
    ratio = cut.total[:, 1].mean() / base.total[:, 1].mean()
    assert ratio == pytest.approx(0.6, rel=0.05)
    same = base_spec(m, START, 30)
    CauseRate(cause="Stockout", factor=1.0).apply(m, same)
    assert np.array_equal(simulate_runs(m, same, runs=400, seed=4).city, base.city)
    fest = base_spec(m, START, 30)
    Period(start=START, end=date(2025, 6, 30), uplift=2.0).apply(m, fest)
    f = simulate_runs(m, fest, runs=400, seed=4)
    assert f.total[:, 0].mean() == pytest.approx(2 * base.total[:, 0].mean(), rel=0.03)
    assert f.total[:, 1].sum() / f.total[:, 0].sum() == pytest.approx(0.2, rel=0.06)


def test_move_partner_and_capacity(make_model: Callable[..., Any]) -> None:
    m = make_model(level=40.0, capacity=(10.0, 1000.0))
    spec = base_spec(m, START, 30)
    MovePartner(source="A", target="b", share=1.0).apply(m, spec)
    r = simulate_runs(m, spec, runs=300, seed=1)
    assert r.partner[:, 0, 0].max() == 0
    assert r.total[:, 1].sum() / r.total[:, 0].sum() == pytest.approx(0.05, rel=0.1)
    cap = base_spec(m, START, 30)
    Capacity(warehouse=1, change=2.0).apply(m, cap)
    assert cap.capacity[0] == 30.0
    c = simulate_runs(m, cap, runs=300, seed=1)
    # ~20 a day against 30: over only on the odd Poisson peak
    assert c.over_days[:, 0].mean() < 1.5
    with pytest.raises(UserError, match="no warehouse 99"):
        Capacity(warehouse=99, change=0.1).apply(m, base_spec(m, START, 30))
    with pytest.raises(UserError, match="no partner named 'Z'"):
        MovePartner(source="Z", target="A").apply(m, base_spec(m, START, 30))
