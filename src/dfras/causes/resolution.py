"""Working an order's cause to closure: Pending → In Progress → Resolved → Closed.

The current state lives on the order's ``root_cause_analysis`` row (status, notes,
resolved_at/resolved_by), which a causes refresh carries over; every change is also appended
to ``resolution_history`` (who, when, from, to, note, preventive measures), which a refresh
never touches.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from dfras.causes import service as causes_service
from dfras.domain.errors import NotFound, UserError
from dfras.query.causes import RCA_TABLE
from dfras.store.base import Store

STATUSES = ("Pending", "In Progress", "Resolved", "Closed")

#: Allowed moves: one step forward, or re-opening a resolved cause.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "Pending": ("In Progress",),
    "In Progress": ("Resolved",),
    "Resolved": ("Closed", "In Progress"),
    "Closed": (),
}

HISTORY_TABLE = "resolution_history"


def _rule() -> str:
    return "Pending → In Progress → Resolved → Closed; a Resolved cause may be re-opened to In Progress"


def update_resolution(
    store: Store,
    order_id: int,
    *,
    status: str,
    note: str | None = None,
    preventive_measures: list[str] | None = None,
    user: str,
) -> dict[str, Any]:
    """Move the order's cause to ``status`` (recording who, when and why); returns the new
    resolution state. A move the workflow does not allow raises UserError naming the rule."""
    if status not in STATUSES:
        raise UserError(
            f"unknown resolution status {status!r}", hint=f"use one of {', '.join(STATUSES)}"
        )
    causes_service.ensure_current(store)
    rows = store.fetch_dicts(
        f"SELECT resolution_status, resolution_notes FROM {RCA_TABLE} WHERE order_id = ?",
        [order_id],
    )
    if not rows:
        raise NotFound(
            f"order {order_id} has no cause to resolve",
            hint="only failed, returned and late orders have a cause; check the order id",
        )
    current = rows[0]["resolution_status"] or "Pending"
    if status not in TRANSITIONS[current]:
        raise UserError(
            f"cannot move order {order_id} from {current} to {status}",
            hint=f"the workflow is {_rule()}",
        )
    now = datetime.now().replace(microsecond=0)
    measures = json.dumps(list(preventive_measures)) if preventive_measures is not None else None
    notes = rows[0]["resolution_notes"]
    if note:
        stamp = f"[{now.isoformat(sep=' ')} {user}] {note}"
        notes = f"{notes}\n{stamp}" if notes else stamp
    with store.transaction():
        store.execute(
            f"""UPDATE {RCA_TABLE} SET resolution_status = ?, resolution_notes = ?,
              resolved_at = CASE WHEN ? = 'Resolved' THEN CAST(? AS TIMESTAMP)
                                 WHEN ? = 'In Progress' THEN NULL ELSE resolved_at END,
              resolved_by = CASE WHEN ? = 'Resolved' THEN ?
                                 WHEN ? = 'In Progress' THEN NULL ELSE resolved_by END
            WHERE order_id = ?""",
            [status, notes, status, now, status, status, user, status, order_id],
        )
        store.execute(
            f"INSERT INTO {HISTORY_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)",
            [order_id, now, user, current, status, note, measures],
        )
    return resolution_state(store, order_id)


def resolution_state(store: Store, order_id: int) -> dict[str, Any]:
    """The order's current resolution: status, notes, who resolved it and when, the latest
    preventive measures recorded, and the history."""
    rows = store.fetch_dicts(
        f"""SELECT resolution_status, resolution_notes, resolved_at, resolved_by
            FROM {RCA_TABLE} WHERE order_id = ?""",
        [order_id],
    )
    if not rows:
        raise NotFound(f"order {order_id} has no cause to resolve")
    r = rows[0]
    history = resolution_history(store, order_id)
    measures: list[str] = next(
        (h["preventive_measures"] for h in reversed(history) if h["preventive_measures"]), []
    )
    return {
        "order_id": int(order_id),
        "status": r["resolution_status"] or "Pending",
        "notes": r["resolution_notes"],
        "resolved_at": r["resolved_at"].isoformat() if r["resolved_at"] else None,
        "resolved_by": r["resolved_by"],
        "preventive_measures": measures,
        "history": history,
    }


def resolution_history(store: Store, order_id: int) -> list[dict[str, Any]]:
    """Every change of the order's resolution, oldest first."""
    return resolution_histories(store, [order_id]).get(order_id, [])


def resolution_histories(store: Store, order_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Every change of each order's resolution, oldest first (orders never changed are
    absent), in one query."""
    if not order_ids or not store.table_exists(HISTORY_TABLE):
        return {}
    # ties in time keep the order they were written in (DuckDB's rowid, PostgreSQL's ctid)
    tie = "ctid" if store.engine == "postgres" else "rowid"
    marks = ", ".join("?" for _ in order_ids)
    rows = store.fetch_dicts(
        f"""SELECT order_id, changed_at, changed_by, from_status, to_status, note,
                   preventive_measures
            FROM {HISTORY_TABLE} WHERE order_id IN ({marks}) ORDER BY order_id, changed_at, {tie}""",
        list(order_ids),
    )
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(int(r["order_id"]), []).append(
            {
                "at": r["changed_at"].isoformat(),
                "by": r["changed_by"],
                "from": r["from_status"],
                "to": r["to_status"],
                "note": r["note"],
                "preventive_measures": json.loads(r["preventive_measures"])
                if r["preventive_measures"]
                else [],
            }
        )
    return out


def cause_with_resolution(store: Store, order_id: int) -> dict[str, Any]:
    """The order's cause (as :meth:`OrderCause.to_dict`) and its resolution state."""
    from dfras.causes import OrderCause

    causes_service.ensure_current(store)
    rows = store.fetch_dicts(f"SELECT * FROM {RCA_TABLE} WHERE order_id = ?", [order_id])
    if not rows:
        raise NotFound(
            f"order {order_id} has no cause",
            hint="only failed, returned and late orders have one; check the order id",
        )
    return {
        "cause": OrderCause.from_row(rows[0]).to_dict(),
        "resolution": resolution_state(store, order_id),
    }
