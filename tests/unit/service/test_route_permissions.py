"""Every pattern, alert, prediction and simulation route declares the permission it needs with
``require(...)``, named from ``dfras.auth.roles.Permission`` (the role matrix reads it back)."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

from dfras.auth.roles import Permission
from dfras.service.routes import alerts, patterns, predictions, simulations


def _permissions(route: APIRoute) -> list[str]:
    found: list[str] = []

    def walk(dependant: Any) -> None:
        for dep in dependant.dependencies:
            name = getattr(dep.call, "required_permission", None)
            if name is not None:
                found.append(name)
            walk(dep)

    walk(route.dependant)
    return found


def test_each_new_route_requires_one_known_permission() -> None:
    expected = {
        ("GET", "/patterns"): "view_analytics",
        ("GET", "/anomalies/{pattern_id}"): "view_analytics",
        ("GET", "/correlations/{correlation_id}/graph"): "view_analytics",
        ("GET", "/alerts"): "view_alerts",
        ("POST", "/alerts/{alert_id}/acknowledge"): "manage_alerts",
        ("POST", "/alerts/evaluate"): "manage_alerts",
        ("DELETE", "/alert-rules/{rule}"): "manage_alerts",
        ("POST", "/alert-channels"): "manage_alerts",
        ("POST", "/models"): "run_models",
        ("GET", "/predictions"): "view_predictions",
        ("POST", "/simulations"): "run_models",
        ("POST", "/simulations/backtest"): "run_models",
        ("GET", "/simulations/{scenario_id}"): "view_predictions",
    }
    seen: dict[tuple[str, str], str] = {}
    for module in (patterns, alerts, predictions, simulations):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            names = _permissions(route)
            assert len(names) == 1, f"{route.path} declares {names}"
            assert names[0] in {p.value for p in Permission}
            for method in route.methods:
                seen[(method, route.path)] = names[0]
    assert len(seen) == 25  # 5 pattern, 10 alert, 5 model, 5 simulation routes
    for key, permission in expected.items():
        assert seen[key] == permission, key
