"""The canonical data model: the eight domains of a delivery operation.

Each domain is a table with typed columns in the layout of the public sample export. Everything
else (ingestion, the store's DDL, the quality report, the delivery fact) is derived from these
definitions, so adding a column happens in one place.

Types are logical (``text``, ``int``, ``decimal``, ``timestamp``); the store maps them onto its
engine. Pincodes and phones are text: their leading zeros matter. Timestamps carry no zone: they
are the local time of the source (IST for the sample) and are stored as given.

Example:
    >>> ORDERS.key
    'order_id'
    >>> DOMAINS["fleet_logs"].column("arrival_time").type
    'timestamp'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "int", "decimal", "timestamp"]

#: Lineage columns added to every canonical table: the row's batch and its record number in
#: the batch's file, and its warning flags. The file's path and the time it was imported are
#: the batch's (``ingest_batches``): kept once per batch rather than copied onto every row.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_batch_id", "text"),
    ("_source_row", "int"),
    ("_flags", "text"),
)

#: Landing columns: used only inside an import's transaction (a row's broken rules and raw
#: text until it is moved to quarantine); always empty in committed data.
LANDING_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_errors", "text"),
    ("_raw", "text"),
)


@dataclass(frozen=True)
class Column:
    """One typed column of a domain table."""

    name: str
    type: ColumnType
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: Normalisation applied on ingest: ``phone`` strips formatting, ``trim`` trims text.
    normalise: Literal["phone", "trim", "none"] = "trim"
    description: str = ""
    #: Values nearly all distinct in real exports (phone, licence, GST and vehicle numbers,
    #: street addresses): a store that compresses by column may keep them plain, as the
    #: embedded one does (see :func:`dfras.store.schema.domain_ddl`).
    nearly_unique: bool = False


@dataclass(frozen=True)
class Reference:
    """A column that must point at a row of another domain."""

    column: str
    domain: str
    target: str
    #: ``error`` quarantines the row, ``warning`` keeps it flagged.
    severity: Literal["error", "warning"]


@dataclass(frozen=True)
class Domain:
    """A canonical table: its columns, natural key and references."""

    name: str
    key: str
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = ()
    #: Load order: master data before orders before logs, so references resolve.
    load_order: int = 0
    #: Words that identify the domain in a file name.
    aliases: tuple[str, ...] = field(default=())
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


ORDER_STATUSES = ("Pending", "In-Transit", "Delivered", "Failed", "Returned")
PAYMENT_MODES = ("COD", "Prepaid")
TRAFFIC_CONDITIONS = ("Clear", "Moderate", "Heavy")
WEATHER_CONDITIONS = ("Clear", "Rain", "Fog", "Storm")
SENTIMENTS = ("Positive", "Negative", "Neutral")
DRIVER_STATUSES = ("Active", "Inactive")

TXT: ColumnType = "text"
INT: ColumnType = "int"
DEC: ColumnType = "decimal"
TS: ColumnType = "timestamp"

CLIENTS = Domain(
    name="clients",
    key="client_id",
    load_order=0,
    aliases=("client", "customer_accounts", "shippers"),
    description="The shippers whose orders are delivered.",
    columns=(
        Column("client_id", INT, required=True, minimum=1),
        Column("client_name", TXT, required=True),
        Column("gst_number", TXT, nearly_unique=True),
        Column("contact_person", TXT),
        Column("contact_phone", TXT, normalise="phone", nearly_unique=True),
        Column("contact_email", TXT),
        Column("address_line1", TXT, nearly_unique=True),
        Column("address_line2", TXT),
        Column("city", TXT),
        Column("state", TXT),
        Column("pincode", TXT),
        Column("created_at", TS),
    ),
)

WAREHOUSES = Domain(
    name="warehouses",
    key="warehouse_id",
    load_order=0,
    aliases=("warehouse", "hubs", "fulfilment_centres"),
    description="Where orders are picked and dispatched from.",
    columns=(
        Column("warehouse_id", INT, required=True, minimum=1),
        Column("warehouse_name", TXT, required=True),
        Column("state", TXT),
        Column("city", TXT, required=True),
        Column("pincode", TXT),
        Column("capacity", INT, minimum=1),
        Column("manager_name", TXT),
        Column("contact_phone", TXT, normalise="phone", nearly_unique=True),
        Column("created_at", TS),
    ),
)

DRIVERS = Domain(
    name="drivers",
    key="driver_id",
    load_order=0,
    aliases=("driver", "riders", "couriers"),
    description="Drivers and the partner company they ride for.",
    columns=(
        Column("driver_id", INT, required=True, minimum=1),
        Column("driver_name", TXT, required=True),
        Column("phone", TXT, normalise="phone", nearly_unique=True),
        Column("license_number", TXT, nearly_unique=True),
        Column("partner_company", TXT, required=True),
        Column("city", TXT),
        Column("state", TXT),
        Column("status", TXT, enum=DRIVER_STATUSES),
        Column("created_at", TS),
    ),
)

ORDERS = Domain(
    name="orders",
    key="order_id",
    load_order=1,
    aliases=("order", "shipments", "consignments"),
    description="One row per customer order with its promised and actual delivery.",
    references=(Reference("client_id", "clients", "client_id", "warning"),),
    columns=(
        Column("order_id", INT, required=True, minimum=1),
        Column("client_id", INT, required=True, minimum=1),
        Column("customer_name", TXT),
        Column("customer_phone", TXT, normalise="phone", nearly_unique=True),
        Column("delivery_address_line1", TXT, nearly_unique=True),
        Column("delivery_address_line2", TXT),
        Column("city", TXT, required=True),
        Column("state", TXT),
        Column("pincode", TXT),
        Column("order_date", TS, required=True),
        Column("promised_delivery_date", TS, required=True),
        Column("actual_delivery_date", TS),
        Column("status", TXT, required=True, enum=ORDER_STATUSES),
        Column("payment_mode", TXT, enum=PAYMENT_MODES),
        Column("amount", DEC, minimum=0.0),
        Column("failure_reason", TXT),
        Column("created_at", TS),
    ),
)

WAREHOUSE_LOGS = Domain(
    name="warehouse_logs",
    key="log_id",
    load_order=2,
    aliases=("warehouse_log", "picking", "wms"),
    description="Picking and dispatch of an order at a warehouse; a re-pick adds a row.",
    references=(
        Reference("order_id", "orders", "order_id", "error"),
        Reference("warehouse_id", "warehouses", "warehouse_id", "warning"),
    ),
    columns=(
        Column("log_id", INT, required=True, minimum=1),
        Column("order_id", INT, required=True, minimum=1),
        Column("warehouse_id", INT, required=True, minimum=1),
        Column("picking_start", TS, required=True),
        Column("picking_end", TS),
        Column("dispatch_time", TS),
        Column("notes", TXT),
    ),
)

FLEET_LOGS = Domain(
    name="fleet_logs",
    key="fleet_log_id",
    load_order=2,
    aliases=("fleet_log", "trips", "delivery_attempts", "tms"),
    description="One delivery attempt: driver, vehicle, route, GPS note, departure, arrival.",
    references=(
        Reference("order_id", "orders", "order_id", "error"),
        Reference("driver_id", "drivers", "driver_id", "warning"),
    ),
    columns=(
        Column("fleet_log_id", INT, required=True, minimum=1),
        Column("order_id", INT, required=True, minimum=1),
        Column("driver_id", INT, required=True, minimum=1),
        Column("vehicle_number", TXT, nearly_unique=True),
        Column("route_code", TXT),
        Column("gps_delay_notes", TXT),
        Column("departure_time", TS, required=True),
        Column("arrival_time", TS),
        Column("created_at", TS),
    ),
)

EXTERNAL_FACTORS = Domain(
    name="external_factors",
    key="factor_id",
    load_order=2,
    aliases=("external_factor", "weather", "conditions"),
    description="Traffic, weather and event conditions recorded for an order.",
    references=(Reference("order_id", "orders", "order_id", "error"),),
    columns=(
        Column("factor_id", INT, required=True, minimum=1),
        Column("order_id", INT, required=True, minimum=1),
        Column("traffic_condition", TXT, enum=TRAFFIC_CONDITIONS),
        Column("weather_condition", TXT, enum=WEATHER_CONDITIONS),
        Column("event_type", TXT),
        Column("recorded_at", TS),
    ),
)

FEEDBACK = Domain(
    name="feedback",
    key="feedback_id",
    load_order=2,
    aliases=("feedbacks", "reviews", "complaints"),
    description="What the customer said: text, sentiment label and rating.",
    references=(Reference("order_id", "orders", "order_id", "error"),),
    columns=(
        Column("feedback_id", INT, required=True, minimum=1),
        Column("order_id", INT, required=True, minimum=1),
        Column("customer_name", TXT),
        Column("feedback_text", TXT),
        Column("sentiment", TXT, enum=SENTIMENTS),
        Column("rating", INT, minimum=1, maximum=5),
        Column("created_at", TS),
    ),
)

DOMAINS: dict[str, Domain] = {
    d.name: d
    for d in (
        CLIENTS,
        WAREHOUSES,
        DRIVERS,
        ORDERS,
        WAREHOUSE_LOGS,
        FLEET_LOGS,
        EXTERNAL_FACTORS,
        FEEDBACK,
    )
}

#: Domains whose rows hang off an order (several rows per order are normal).
LOG_DOMAINS = ("warehouse_logs", "fleet_logs", "external_factors", "feedback")
