"""Rows of the order table and the three master tables (clients, warehouses, drivers).

The order row shows what the extract knows: the status at extract time, the actual delivery
date only for delivered orders (the last attempt's arrival), the recorded failure reason
exactly on failed orders, the customer's address (line 2 left blank on some orders whose
address was wrong) and phone (written in the customer's usual format, or now and then in
another one).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dfras.generate import causes as cz
from dfras.generate import messiness as mess
from dfras.generate import vocab
from dfras.generate.entities import World
from dfras.generate.evidence import Evidence
from dfras.generate.orders import Orders
from dfras.generate.outcomes import Outcomes
from dfras.generate.sampling import Streams
from dfras.generate.timeline import STATUS_DELIVERED, STATUS_FAILED, Timeline
from dfras.generate.writer import Fixed, Ints, Stamps, Table, Text

DAY = 86_400


def _take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return values.take(pa.array(idx))


def orders_table(
    streams: Streams,
    orders: Orders,
    world: World,
    out: Outcomes,
    t: Timeline,
    ev: Evidence,
    extract_ts: int,
) -> Table:
    rng = streams.rng("order-rows")
    n = orders.count
    k = world.customers
    cust = orders.customer
    line2 = pc.if_else(pa.array(ev.line2_blank), "", _take(k.line2, cust))
    failed = t.status == STATUS_FAILED
    reason = np.where(failed, out.recorded, 0)
    created = np.minimum(orders.ts + rng.integers(0, 300, n), extract_ts)
    return Table(
        "orders",
        (
            "order_id",
            "client_id",
            "customer_name",
            "customer_phone",
            "delivery_address_line1",
            "delivery_address_line2",
            "city",
            "state",
            "pincode",
            "order_date",
            "promised_delivery_date",
            "actual_delivery_date",
            "status",
            "payment_mode",
            "amount",
            "failure_reason",
            "created_at",
        ),
        (
            Ints(np.arange(1, n + 1)),
            Ints(orders.client + 1),
            Text(_take(k.name, cust)),
            Text(mess.format_phones(k.phone_digits[cust], orders.phone_style)),
            Text(_take(k.line1, cust)),
            Text(line2),
            Text(mess.from_vocab(vocab.CITY_NAMES, orders.city)),
            Text(mess.from_vocab(vocab.CITY_STATES, orders.city)),
            Text(_take(k.pincode, cust)),
            Stamps(orders.ts),
            Stamps(orders.ts + orders.promised_days * DAY),
            Stamps(t.closure, t.status == STATUS_DELIVERED),
            Text(mess.from_vocab(vocab.STATUSES, t.status)),
            Text(mess.from_vocab(vocab.PAYMENT_MODES, np.where(orders.cod, 0, 1))),
            Fixed(orders.amount_paise),
            Text(
                pc.if_else(
                    pa.array(failed),
                    mess.from_vocab(cz.FAILURE_CAUSES, reason),
                    pa.scalar(None, pa.string()),
                )
            ),
            Stamps(created),
        ),
        n,
    )


def clients_table(world: World) -> Table:
    c = world.clients
    n = c.count
    return Table(
        "clients",
        (
            "client_id",
            "client_name",
            "gst_number",
            "contact_person",
            "contact_phone",
            "contact_email",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "pincode",
            "created_at",
        ),
        (
            Ints(np.arange(1, n + 1)),
            Text(c.name),
            Text(c.gst),
            Text(c.contact),
            Text(c.phone),
            Text(c.email),
            Text(c.line1),
            Text(c.line2),
            Text(mess.from_vocab(vocab.CITY_NAMES, c.city)),
            Text(mess.from_vocab(vocab.CITY_STATES, c.city)),
            Text(c.pincode),
            Stamps(c.created),
        ),
        n,
    )


def warehouses_table(world: World) -> Table:
    w = world.warehouses
    n = w.count
    ids = np.arange(1, n + 1)
    return Table(
        "warehouses",
        (
            "warehouse_id",
            "warehouse_name",
            "state",
            "city",
            "pincode",
            "capacity",
            "manager_name",
            "contact_phone",
            "created_at",
        ),
        (
            Ints(ids),
            Text(mess.join("Warehouse ", mess.int_text(ids))),
            Text(mess.from_vocab(vocab.CITY_STATES, w.city)),
            Text(mess.from_vocab(vocab.CITY_NAMES, w.city)),
            Text(w.pincode),
            Ints(w.capacity),
            Text(w.manager),
            Text(w.phone),
            Stamps(w.created),
        ),
        n,
    )


def drivers_table(world: World) -> Table:
    d = world.drivers
    n = d.count
    return Table(
        "drivers",
        (
            "driver_id",
            "driver_name",
            "phone",
            "license_number",
            "partner_company",
            "city",
            "state",
            "status",
            "created_at",
        ),
        (
            Ints(np.arange(1, n + 1)),
            Text(d.name),
            Text(d.phone),
            Text(d.license),
            Text(mess.from_vocab(vocab.PARTNERS, d.partner)),
            Text(mess.from_vocab(vocab.CITY_NAMES, d.city)),
            Text(mess.from_vocab(vocab.CITY_STATES, d.city)),
            Text(mess.from_vocab(vocab.DRIVER_STATUSES, np.where(d.active, 0, 1))),
            Stamps(d.created),
        ),
        n,
    )
