"""Chart specifications (plotly.js figure JSON) from the results the core services return.

Presentation only: every number charted comes from a service result unchanged; this module
picks the traces, colours and axis labels. The browser draws them with the bundled plotly.js
(``static/dfras.js``); each chart on a page also has a table or text with the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

BLUE = "#1f5fbf"
RED = "#c0392b"
ORANGE = "#d9822b"
GREEN = "#2e8b57"
GREY = "#8a94a0"

OUTCOME_RATE = {"failure": "failure_rate", "late": "late_rate", "return": "return_rate"}
OUTCOME_LABEL = {
    "failure": "Failure rate",
    "late": "Late rate",
    "return": "Return rate",
    "delay": "Mean delay (hours)",
}


def short_labels(labels: Sequence[str], width: int = 26) -> list[str]:
    """Labels cut to ``width`` characters for narrow screens, kept distinct (the hover text
    carries the full label)."""
    out: list[str] = []
    for text in labels:
        cut = text if len(text) <= width else text[: width - 1].rstrip() + "…"
        while cut in out:
            cut += " "
        out.append(cut)
    return out


def height_for(rows: int, *, per_row: int = 24, minimum: int = 240) -> int:
    """A chart height that gives each category row room to read."""
    return max(minimum, per_row * rows + 70)


def _rate_axis(title: str) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "tickformat": ".0%",
        "rangemode": "tozero",
        "automargin": True,
    }


def trend(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Daily failure, late and return rates (lines, left axis) over the order volume (bars,
    right axis); the lines sit on the overlaying axis so the bars never hide them."""
    dates = [r["date"] for r in rows]
    lines = [
        ("failure_rate", "Failure rate", RED),
        ("late_rate", "Late rate", ORANGE),
        ("return_rate", "Return rate", BLUE),
    ]
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": dates,
            "y": [r["orders"] for r in rows],
            "name": "Orders",
            "marker": {"color": "#e3e8ef"},
            "hovertemplate": "%{y:,} orders<extra></extra>",
        }
    ]
    for key, name, colour in lines:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": dates,
                "y": [r.get(key) for r in rows],
                "name": name,
                "yaxis": "y2",
                "connectgaps": True,
                "line": {"color": colour, "width": 1.5},
                "hovertemplate": f"{name} %{{y:.1%}}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "showlegend": True,
            "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            "hovermode": "x unified",
            "yaxis": {
                "side": "right",
                "showgrid": False,
                "title": {"text": "Orders"},
                "rangemode": "tozero",
            },
            "yaxis2": {**_rate_axis("Rate"), "overlaying": "y", "side": "left"},
            "margin": {"l": 52, "r": 52, "t": 32, "b": 40},
        },
    }


def rate_bars(
    rows: Sequence[dict[str, Any]],
    *,
    rate_key: str,
    label: str,
    urls: Sequence[str] | None = None,
    baseline: float | None = None,
) -> dict[str, Any]:
    """One horizontal bar per value: its rate, orders in the hover, a link per bar to drill in."""
    ordered = list(reversed(rows))  # plotly draws the first category at the bottom
    links = list(reversed(urls)) if urls else None
    trace: dict[str, Any] = {
        "type": "bar",
        "orientation": "h",
        "y": [str(r["value"]) for r in ordered],
        "x": [r.get(rate_key) for r in ordered],
        "text": [f"{r['orders']:,} orders" for r in ordered],
        "hovertemplate": "%{y}: %{x:.1%} (%{text})<extra></extra>",
        "textposition": "none",
        "marker": {"color": BLUE},
    }
    if links:
        trace["customdata"] = links
    layout: dict[str, Any] = {
        "xaxis": _rate_axis(label),
        "yaxis": {"type": "category", "automargin": True},
        "margin": {"l": 8, "r": 12, "t": 8, "b": 40},
    }
    if baseline is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "x0": baseline,
                "x1": baseline,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": GREY, "dash": "dot"},
            }
        ]
    return {"data": [trace], "layout": layout, "height": height_for(len(rows), per_row=22)}


def intervals(segments: Sequence[dict[str, Any]], outcome: str) -> dict[str, Any]:
    """Each finding's effect with its 95% interval: risk ratio (log axis) or delay difference."""
    ordered = list(reversed(segments))
    delay = outcome == "delay"
    x = [s["mean_difference"] if delay else s["risk_ratio"] for s in ordered]
    lo = [s["ci"][0] for s in ordered]
    hi = [s["ci"][1] for s in ordered]
    trace = {
        "type": "scatter",
        "mode": "markers",
        "y": short_labels([s["label"] for s in ordered]),
        "x": x,
        "text": [s["label"] for s in ordered],
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": [h - v for h, v in zip(hi, x, strict=True)],
            "arrayminus": [v - lo_ for v, lo_ in zip(x, lo, strict=True)],
            "color": BLUE,
            "thickness": 2,
        },
        "marker": {
            "color": [RED if s.get("role") == "cause" else GREY for s in ordered],
            "size": 9,
        },
        "hovertemplate": "%{text}<br>%{x:.2f}<extra></extra>",
    }
    reference = 0.0 if delay else 1.0
    return {
        "data": [trace],
        "height": height_for(len(ordered)),
        "layout": {
            "xaxis": {
                "title": {
                    "text": "Delay difference, h (95% CI)" if delay else "Risk ratio (95% CI)"
                },
                "type": "linear" if delay else "log",
                "automargin": True,
            },
            "yaxis": {"type": "category", "automargin": True},
            "margin": {"l": 8, "r": 12, "t": 8, "b": 44},
            "shapes": [
                {
                    "type": "line",
                    "x0": reference,
                    "x1": reference,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": GREY, "dash": "dot"},
                }
            ],
        },
    }


def count_bars(
    labels: Sequence[str], values: Sequence[float], *, title: str, colour: str = BLUE
) -> dict[str, Any]:
    """Plain horizontal bars (counts), largest at the top."""
    return {
        "height": height_for(len(labels)),
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": short_labels(list(reversed([str(v) for v in labels]))),
                "x": list(reversed(list(values))),
                "text": list(reversed([str(v) for v in labels])),
                "textposition": "none",
                "marker": {"color": colour},
                "hovertemplate": "%{text}: %{x:,}<extra></extra>",
            }
        ],
        "layout": {
            "xaxis": {"title": {"text": title}, "rangemode": "tozero", "automargin": True},
            "yaxis": {"type": "category", "automargin": True},
            "margin": {"l": 8, "r": 12, "t": 8, "b": 40},
        },
    }


def paired_bars(
    labels: Sequence[str],
    a: Sequence[float | None],
    b: Sequence[float | None],
    *,
    names: tuple[str, str],
    title: str,
    percent: bool = True,
    tickformat: str = ".0%",
) -> dict[str, Any]:
    """Two bars per label (A and B side by side)."""
    fmt = ".1%" if percent else ",.2f"
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": name,
            "y": short_labels(list(reversed([str(v) for v in labels]))),
            "x": list(reversed(list(values))),
            "marker": {"color": colour},
            "hovertemplate": f"{name} %{{y}}: %{{x:{fmt}}}<extra></extra>",
        }
        for name, values, colour in ((names[1], b, GREY), (names[0], a, BLUE))
    ]
    return {
        "height": height_for(len(labels), per_row=40),
        "data": data,
        "layout": {
            "barmode": "group",
            "showlegend": True,
            "legend": {
                "orientation": "h",
                "x": 0,
                "y": 1.02,
                "yanchor": "bottom",
                "traceorder": "reversed",
            },
            "xaxis": {
                "title": {"text": title},
                "tickformat": tickformat if percent else None,
                "automargin": True,
            },
            "yaxis": {"type": "category", "automargin": True},
            "margin": {"l": 8, "r": 12, "t": 32, "b": 40},
        },
    }


PATTERN_COLOURS = {"Anomaly": RED, "Trend": ORANGE, "Seasonal": BLUE, "Recurring": GREEN}


def windows(detections: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """When each pattern held: one bar per pattern from its window's start to its end."""
    from datetime import date, timedelta

    ordered = list(reversed(detections))
    names = short_labels([d["name"] for d in ordered], width=34)
    data = []
    for kind, colour in PATTERN_COLOURS.items():
        rows = [(n, d) for n, d in zip(names, ordered, strict=True) if d["type"] == kind]
        if not rows:
            continue
        starts = [date.fromisoformat(d["window"]["start"]) for _, d in rows]
        ends = [date.fromisoformat(d["window"]["end"]) + timedelta(days=1) for _, d in rows]
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": kind,
                "y": [n for n, _ in rows],
                "base": [s.isoformat() for s in starts],
                "x": [(e - s).days * 86_400_000 for s, e in zip(starts, ends, strict=True)],
                "text": [d["description"] for _, d in rows],
                "textposition": "none",
                "marker": {"color": colour},
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    return {
        "height": height_for(len(ordered)),
        "data": data,
        "layout": {
            "showlegend": True,
            "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            "barmode": "overlay",
            "xaxis": {"type": "date", "automargin": True},
            "yaxis": {"type": "category", "automargin": True, "categoryarray": names},
            "margin": {"l": 8, "r": 12, "t": 32, "b": 40},
        },
    }


def odds_ratios(correlations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each correlation's effect with its 95% interval (log scale): the odds ratio of a
    statistical one, observed over expected failures of a temporal one."""
    ordered = list(reversed(correlations))
    labels = [
        f"{c['primary_event']['type'].replace('_', ' ')} {c['primary_event']['key']} → "
        f"{c['secondary_event']['key']}"
        for c in ordered
    ]
    tests = [c["evidence"]["test"] for c in ordered]
    x = [t.get("odds_ratio") or t["ratio"] for t in tests]
    return {
        "height": height_for(len(ordered)),
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "y": short_labels(labels, width=34),
                "x": x,
                "text": labels,
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [t["ci"][1] - v for t, v in zip(tests, x, strict=True)],
                    "arrayminus": [v - t["ci"][0] for t, v in zip(tests, x, strict=True)],
                    "color": BLUE,
                    "thickness": 2,
                },
                "marker": {"color": RED, "size": 9},
                "hovertemplate": "%{text}<br>%{x:.2f}×<extra></extra>",
            }
        ],
        "layout": {
            "xaxis": {
                "title": {"text": "Odds or rate ratio (95% CI, log)"},
                "type": "log",
                "automargin": True,
            },
            "yaxis": {"type": "category", "automargin": True},
            "margin": {"l": 8, "r": 12, "t": 8, "b": 44},
            "shapes": [
                {
                    "type": "line",
                    "x0": 1,
                    "x1": 1,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": GREY, "dash": "dot"},
                }
            ],
        },
    }


def simulated(rows: Sequence[dict[str, Any]], *, title: str) -> dict[str, Any]:
    """Today's expected figure and the scenario's mean with its 90% interval, per row."""
    ordered = list(reversed(rows))
    labels = [r["label"] for r in ordered]
    mean = [r["mean"] for r in ordered]
    return {
        "height": height_for(len(ordered), per_row=44),
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "Today",
                "y": labels,
                "x": [r["baseline_mean"] for r in ordered],
                "marker": {"color": "#c9d3df"},
                "hovertemplate": "%{y} today: %{x:,.0f}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "markers",
                "name": "Scenario (90% interval)",
                "y": labels,
                "x": mean,
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [r["p95"] - m for r, m in zip(ordered, mean, strict=True)],
                    "arrayminus": [m - r["p05"] for r, m in zip(ordered, mean, strict=True)],
                    "color": RED,
                    "thickness": 2,
                },
                "marker": {"color": RED, "size": 10},
                "hovertemplate": "%{y} scenario: %{x:,.0f}<extra></extra>",
            },
        ],
        "layout": {
            "showlegend": True,
            "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
            "xaxis": {"title": {"text": title}, "rangemode": "tozero", "automargin": True},
            "yaxis": {"type": "category", "automargin": True},
            "margin": {"l": 8, "r": 12, "t": 32, "b": 44},
        },
    }
