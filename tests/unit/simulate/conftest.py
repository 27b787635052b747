"""A tiny hand-built fitted model: one city, two warehouses, two partners."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pytest

from dfras.simulate.model import FittedModel, Ratio, Warehouse


def tiny_model(
    *, level: float = 20.0, capacity: tuple[float, float] = (1000.0, 1000.0), fail: float = 0.1
) -> FittedModel:
    big = 1e6  # near-certain parameters: the tests check the mechanics, not the noise
    rates = np.array([fail, 0.04, 0.15])
    return FittedModel(
        cutoff=date(2025, 6, 1),
        rate_window=(date(2025, 1, 1), date(2025, 6, 1)),
        cities=["Chennai"],
        level=np.array([level]),
        level_shape=np.array([big]),
        weekday=np.ones(7),
        volume_sd=0.0,
        day_shape=np.array([np.inf]),
        warehouses=[
            Warehouse(1, "Warehouse 1", "Chennai", 500, 10, level / 2, capacity[0], "test"),
            Warehouse(2, "Warehouse 2", "Chennai", 500, 10, level / 2, capacity[1], "test"),
        ],
        unit_city=np.array([0, 0]),
        unit_wh=np.array([0, 1]),
        unit_share=np.array([0.5, 0.5]),
        partners=["A", "B"],
        cell_unit=np.array([0, 0, 1, 1]),
        cell_partner=np.array([0, 1, 0, 1]),
        cell_share=np.array([0.5, 0.5, 0.5, 0.5]),
        cell_mult=np.array([[1.5, 1, 1], [0.5, 1, 1], [1.5, 1, 1], [0.5, 1, 1]]),
        unit_a=np.tile(rates * big, (2, 1)),
        unit_b=np.tile((1 - rates) * big, (2, 1)),
        tau=np.zeros(3),
        slack_1d=0.5,
        slack_2d=0.8,
        wait_fail=(1e5, 1e6, 1e5, 1e6),
        conditions={
            "event_type": {
                "Festival": Ratio(
                    "Festival",
                    100,
                    {"failed": 2.0, "returned": 1.0, "late": 1.0},
                    {"failed": 0.0, "returned": 0.0, "late": 0.0},
                    {"failed": 0.2, "returned": 0.04, "late": 0.15},
                )
            }
        },
        cause_shares={"Chennai": {"Address not found": 0.4, "Stockout": 0.6}},
    )


@pytest.fixture
def make_model() -> Callable[..., Any]:
    return tiny_model
