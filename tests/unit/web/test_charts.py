"""Chart specifications carry the service's numbers unchanged, in the order people read."""

from __future__ import annotations

import json

from dfras.web import charts
from dfras.web.templating import money, pct, tojson_script


def _segment(label: str, rr: float, lo: float, hi: float, role: str = "cause") -> dict:
    return {"label": label, "risk_ratio": rr, "ci": [lo, hi], "role": role}


def test_interval_chart_has_asymmetric_error_bars_and_a_reference_line() -> None:
    spec = charts.intervals(
        [
            _segment("Weather Storm", 3.1, 2.7, 3.56),
            _segment("GPS note X", 1.5, 1.2, 2.0, "symptom"),
        ],
        "failure",
    )
    trace = spec["data"][0]
    # the strongest finding is listed first, so drawn at the top (plotly draws bottom-up)
    assert trace["y"] == ["GPS note X", "Weather Storm"]
    assert trace["x"] == [1.5, 3.1]
    assert trace["error_x"]["array"] == [0.5, 3.56 - 3.1]
    assert trace["error_x"]["arrayminus"] == [1.5 - 1.2, 3.1 - 2.7]
    assert spec["layout"]["xaxis"]["type"] == "log"
    assert spec["layout"]["shapes"][0]["x0"] == 1.0


def test_delay_intervals_are_differences_around_zero() -> None:
    seg = {"label": "Route R1", "mean_difference": 4.0, "ci": [2.0, 6.5], "role": "cause"}
    spec = charts.intervals([seg], "delay")
    assert spec["data"][0]["x"] == [4.0]
    assert spec["layout"]["xaxis"]["type"] == "linear"
    assert spec["layout"]["shapes"][0]["x0"] == 0.0


def test_long_labels_are_cut_but_stay_distinct() -> None:
    labels = charts.short_labels(["a" * 40, "a" * 40 + "b", "short"], width=10)
    assert len(set(labels)) == 3
    assert all(len(x.rstrip()) <= 10 for x in labels)
    assert labels[2] == "short"


def test_rate_bars_link_each_bar_to_its_drill_down() -> None:
    rows = [
        {"value": "Pune", "orders": 10, "failure_rate": 0.2},
        {"value": "Goa", "orders": 5, "failure_rate": None},
    ]
    spec = charts.rate_bars(rows, rate_key="failure_rate", label="Failure rate", urls=["/a", "/b"])
    trace = spec["data"][0]
    assert trace["y"] == ["Goa", "Pune"] and trace["x"] == [None, 0.2]
    assert trace["customdata"] == ["/b", "/a"]


def test_formats_never_print_a_missing_rate_as_zero() -> None:
    assert pct(None) == "–" and pct(0.0734) == "7.3%"
    assert money(1_234_567) == "₹12.35 L"


def test_embedded_json_cannot_close_its_script_tag() -> None:
    text = str(tojson_script({"label": "</script><b>&"}))
    assert "</script>" not in text and "&" not in text
    assert json.loads(text) == {"label": "</script><b>&"}
