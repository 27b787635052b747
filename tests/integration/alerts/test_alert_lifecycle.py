"""Dedup, acknowledge, resolve, auto-resolve and re-open, with history, on generated data."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from dfras.alerts import lifecycle, service
from dfras.alerts.rules import build_rule, save_rule
from dfras.domain.errors import UserError

T0 = datetime(2026, 1, 5, 9, 0, 0)


def _rule(store: Any, above: float) -> None:
    save_rule(
        store,
        build_rule(
            name="scope-failures",
            kind="threshold",
            params={"outcome": "failure", "above": above, "period": "past 90 days"},
        ),
    )


def _events(store: Any, alert_id: int) -> list[str]:
    return [e["event"] for e in lifecycle.history(store, alert_id)]


def test_an_ongoing_problem_is_one_alert(planted_store: Any) -> None:
    _rule(planted_store, 0.01)
    first = service.evaluate(planted_store, now=T0)
    second = service.evaluate(planted_store, now=T0 + timedelta(minutes=5))
    assert [len(r.opened) for r in first.rules] == [1]
    assert [len(r.updated) for r in second.rules] == [1] and second.opened == 0
    (alert,) = lifecycle.list_alerts(planted_store)
    assert alert.occurrences == 2 and alert.state == "open"
    assert alert.first_seen == T0 and alert.last_seen == T0 + timedelta(minutes=5)
    assert _events(planted_store, alert.alert_id) == ["opened"]


def test_acknowledge_then_resolve(planted_store: Any) -> None:
    _rule(planted_store, 0.01)
    service.evaluate(planted_store, now=T0)
    (alert,) = lifecycle.list_alerts(planted_store)
    acked = lifecycle.acknowledge(planted_store, alert.alert_id, by="asha", note="looking")
    assert acked.state == "acknowledged" and acked.acknowledged_by == "asha"
    with pytest.raises(UserError, match="only an open alert"):
        lifecycle.acknowledge(planted_store, alert.alert_id, by="asha")
    # acknowledged is still the same ongoing problem: updated, not repeated
    service.evaluate(planted_store, now=T0 + timedelta(minutes=5))
    (again,) = lifecycle.list_alerts(planted_store)
    assert again.state == "acknowledged" and again.occurrences == 2
    done = lifecycle.resolve(planted_store, alert.alert_id, by="asha", note="fixed the feed")
    assert done.state == "resolved" and done.resolved_by == "asha"
    assert _events(planted_store, alert.alert_id) == ["opened", "acknowledged", "resolved"]
    with pytest.raises(UserError, match="already resolved"):
        lifecycle.resolve(planted_store, alert.alert_id, by="asha")
    # the problem is still there: the next evaluation opens a new occurrence
    service.evaluate(planted_store, now=T0 + timedelta(minutes=10))
    states = {a.alert_id: a.state for a in lifecycle.list_alerts(planted_store)}
    assert len(states) == 2 and states[alert.alert_id] == "resolved"
    new_id = max(states)
    assert states[new_id] == "open" and _events(planted_store, new_id) == ["reopened"]


def test_auto_resolve_when_the_condition_clears_and_reopen(planted_store: Any) -> None:
    _rule(planted_store, 0.01)
    service.evaluate(planted_store, now=T0)
    (alert,) = lifecycle.list_alerts(planted_store)
    _rule(planted_store, 0.9)  # same rule, now unreachable: the problem has cleared
    report = service.evaluate(planted_store, now=T0 + timedelta(minutes=5))
    assert report.rules[0].resolved == [alert.alert_id]
    cleared = lifecycle.get_alert(planted_store, alert.alert_id)
    assert cleared.state == "resolved" and cleared.resolved_by == "auto"
    assert _events(planted_store, alert.alert_id) == ["opened", "auto_resolved"]
    _rule(planted_store, 0.01)
    service.evaluate(planted_store, now=T0 + timedelta(minutes=10))
    assert [a.state for a in lifecycle.list_alerts(planted_store)] == ["open", "resolved"]
    assert lifecycle.list_alerts(planted_store, states=["resolved"])[0].alert_id == alert.alert_id


def test_a_rule_that_cannot_look_resolves_nothing(planted_store: Any) -> None:
    _rule(planted_store, 0.01)
    service.evaluate(planted_store, now=T0)
    save_rule(
        planted_store,
        build_rule(name="patterns", kind="pattern", params={"pattern_type": "Anomaly"}),
    )
    save_rule(planted_store, build_rule(name="risk", kind="at_risk", params={}))
    report = service.evaluate(planted_store, now=T0 + timedelta(minutes=5))
    by_name = {r.rule: r for r in report.rules}
    if not planted_store.table_exists("pattern_detections"):
        assert by_name["patterns"].status == "not available"
        assert "no pattern detections" in by_name["patterns"].reason
    if not planted_store.table_exists("order_predictions"):
        assert by_name["risk"].status == "not available"
    assert by_name["scope-failures"].status == "evaluated"
    assert [a.state for a in lifecycle.list_alerts(planted_store)] == ["open"]


def test_filters(planted_store: Any) -> None:
    _rule(planted_store, 0.01)
    service.evaluate(planted_store, now=T0)
    assert len(lifecycle.list_alerts(planted_store, severities=["medium"])) == 1
    assert lifecycle.list_alerts(planted_store, severities=["critical"]) == []
    assert lifecycle.list_alerts(planted_store, states=["resolved"]) == []
    assert len(lifecycle.list_alerts(planted_store, rule="scope-failures")) == 1
    with pytest.raises(UserError, match="unknown state"):
        lifecycle.list_alerts(planted_store, states=["closed"])


def test_removing_a_rule_resolves_its_open_alerts(planted_store: Any) -> None:
    from dfras.alerts.rules import remove_rule

    _rule(planted_store, 0.01)
    service.evaluate(planted_store, now=T0)
    (alert,) = lifecycle.list_alerts(planted_store)
    remove_rule(planted_store, "scope-failures", by="asha")
    gone = lifecycle.get_alert(planted_store, alert.alert_id)
    assert gone.state == "resolved" and gone.resolution_note == "rule removed"
    assert service.evaluate(planted_store, now=T0 + timedelta(minutes=5)).rules == []
