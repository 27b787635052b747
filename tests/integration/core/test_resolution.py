"""The resolution workflow: allowed moves, refused moves naming the rule, history, and a
causes refresh that keeps the team's work."""

from __future__ import annotations

from typing import Any

import pytest

from dfras.causes import service as causes_service
from dfras.causes.resolution import resolution_history, update_resolution
from dfras.domain.errors import NotFound, UserError


def _failed(store: Any, n: int) -> list[int]:
    return [
        r[0]
        for r in store.fetchall(
            "SELECT order_id FROM root_cause_analysis WHERE outcome = 'failure' "
            "AND resolution_status = 'Pending' ORDER BY order_id DESC LIMIT ?",
            [n],
        )
    ]


def test_full_workflow_with_reopen(store: Any) -> None:
    (oid,) = _failed(store, 1)
    s = update_resolution(store, oid, status="In Progress", note="called the hub", user="asha")
    assert s["status"] == "In Progress" and "called the hub" in s["notes"]
    s = update_resolution(
        store, oid, status="Resolved", preventive_measures=["daily stock sync"], user="ravi"
    )
    assert s["resolved_by"] == "ravi" and s["resolved_at"] is not None
    assert s["preventive_measures"] == ["daily stock sync"]
    s = update_resolution(store, oid, status="In Progress", note="came back", user="asha")
    assert s["resolved_by"] is None and s["resolved_at"] is None
    update_resolution(store, oid, status="Resolved", user="ravi")
    s = update_resolution(store, oid, status="Closed", user="lead")
    assert s["status"] == "Closed" and s["resolved_by"] == "ravi"
    history = resolution_history(store, oid)
    assert [(h["from"], h["to"], h["by"]) for h in history] == [
        ("Pending", "In Progress", "asha"),
        ("In Progress", "Resolved", "ravi"),
        ("Resolved", "In Progress", "asha"),
        ("In Progress", "Resolved", "ravi"),
        ("Resolved", "Closed", "lead"),
    ]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ([], "Resolved"),
        ([], "Closed"),
        (["In Progress"], "Pending"),
        (["In Progress", "Resolved", "Closed"], "In Progress"),
        ([], "Done"),
    ],
)
def test_refused_moves_name_the_rule(store: Any, path: list[str], bad: str) -> None:
    (oid,) = _failed(store, 1)
    for step in path:
        update_resolution(store, oid, status=step, user="u")
    with pytest.raises(UserError) as err:
        update_resolution(store, oid, status=bad, user="u")
    assert bad in err.value.message
    assert "Pending" in (err.value.hint or "")
    assert len(resolution_history(store, oid)) == len(path)


def test_orders_without_a_cause_are_not_found(store: Any) -> None:
    oid = store.fetchall(
        "SELECT order_id FROM delivery_fact WHERE order_id NOT IN "
        "(SELECT order_id FROM root_cause_analysis) LIMIT 1"
    )[0][0]
    with pytest.raises(NotFound):
        update_resolution(store, oid, status="In Progress", user="u")


def test_refresh_keeps_state_notes_and_history(store: Any) -> None:
    (oid,) = _failed(store, 1)
    update_resolution(store, oid, status="In Progress", note="driver retrained", user="asha")
    update_resolution(store, oid, status="Resolved", preventive_measures=["x"], user="asha")
    causes_service.refresh(store)
    row = store.fetch_dicts(
        "SELECT resolution_status, resolution_notes, resolved_by FROM root_cause_analysis "
        "WHERE order_id = ?",
        [oid],
    )[0]
    assert row["resolution_status"] == "Resolved" and row["resolved_by"] == "asha"
    assert "driver retrained" in row["resolution_notes"]
    assert len(resolution_history(store, oid)) == 2
    with pytest.raises(NotFound):
        update_resolution(store, 987_654_321, status="In Progress", user="u")
