"""Order list and order detail SQL (canonical dialect); sort columns are whitelisted here."""

from __future__ import annotations

from dfras.query.causes import RCA_TABLE
from dfras.query.fact import FACT_TABLE

#: Sortable columns: API name -> fact column. Nothing else reaches an ORDER BY.
SORT_COLUMNS = {
    "order_id": "order_id",
    "order_date": "order_date",
    "promised_delivery_date": "promised_delivery_date",
    "actual_delivery_date": "actual_delivery_date",
    "status": "status",
    "city": "city",
    "client_id": "client_id",
    "warehouse_id": "warehouse_id",
    "amount": "amount",
    "delay_hours": "delay_hours",
}

#: Outcome filters: name -> condition over the fact.
OUTCOMES = {
    "failure": "is_failed",
    "return": "is_returned",
    "late": "is_late",
    "on_time": "(is_delivered AND NOT is_late)",
    "open": "is_open",
    "overdue": "is_overdue",
}

STATUSES = ("Pending", "In-Transit", "Delivered", "Failed", "Returned")

LIST_COLUMNS = """order_id, order_date, promised_delivery_date, actual_delivery_date, status,
  city, state, pincode, client_id, client_name, warehouse_id, driver_id, partner_company,
  route_code, payment_mode, amount, failure_reason, delay_hours, attempts"""


def page_sql(where: str, sort_column: str, descending: bool) -> str:
    """One page of the fact (top-N first), then its causes joined on (parameters: LIMIT, OFFSET)."""
    direction = "DESC" if descending else "ASC"
    return f"""WITH page AS (
  SELECT {LIST_COLUMNS} FROM {FACT_TABLE} WHERE {where}
  ORDER BY {sort_column} {direction} NULLS LAST, order_id {direction} LIMIT ? OFFSET ?)
SELECT page.*, r.outcome, r.primary_cause, r.cause_category,
  CAST(r.confidence_score AS DOUBLE) AS confidence, r.resolution_status
FROM page LEFT JOIN {RCA_TABLE} r ON r.order_id = page.order_id
ORDER BY page.{sort_column} {direction} NULLS LAST, page.order_id {direction}"""


def count_sql(where: str) -> str:
    return f"SELECT count(*) FROM {FACT_TABLE} WHERE {where}"


CAUSE_FILTER = f"order_id IN (SELECT order_id FROM {RCA_TABLE} WHERE primary_cause = ?)"


def order_rows_sql(count: int) -> str:
    """The fact rows of ``count`` orders (parameters: the ids), in id order."""
    marks = ", ".join("?" for _ in range(count))
    return f"SELECT * FROM {FACT_TABLE} WHERE order_id IN ({marks}) ORDER BY order_id"
