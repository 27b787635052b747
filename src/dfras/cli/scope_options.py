"""Scope options shared by every analysis command (one definition, the same everywhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import typer

from dfras.domain.errors import UserError

if TYPE_CHECKING:
    from dfras.analysis.scope import Scope

CityOpt = typer.Option(None, "--city", help="City (repeat for several).")
StateOpt = typer.Option(None, "--state", help="State (repeat for several).")
ClientOpt = typer.Option(None, "--client", help="Client id (repeat for several).")
WarehouseOpt = typer.Option(None, "--warehouse", help="Warehouse id (repeat for several).")
DriverOpt = typer.Option(None, "--driver", help="Driver id (repeat for several).")
PartnerOpt = typer.Option(None, "--partner", help="Partner company (repeat for several).")
RouteOpt = typer.Option(None, "--route", help="Route code (repeat for several).")
PeriodOpt = typer.Option(
    None, "--period", help="yesterday, today, 'past week', 'last month', 'in August', 2025-08 …"
)
StartOpt = typer.Option(None, "--start", help="First day, YYYY-MM-DD (inclusive).")
EndOpt = typer.Option(None, "--end", help="Last day, YYYY-MM-DD (inclusive).")
DateFieldOpt = typer.Option(
    "order_date",
    "--date-field",
    help="Date the period filters: order_date, actual_delivery_date, promised_delivery_date.",
)
AsOfOpt = typer.Option(
    None, "--as-of", help="The 'now' of relative periods (default: latest order)."
)


@dataclass
class ScopeArgs:
    city: list[str] | None = None
    state: list[str] | None = None
    client: list[int] | None = None
    warehouse: list[int] | None = None
    driver: list[int] | None = None
    partner: list[str] | None = None
    route: list[str] | None = None
    period: str | None = None
    start: str | None = None
    end: str | None = None
    date_field: str = "order_date"
    as_of: str | None = None


def parse_as_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise UserError(f"--as-of {text!r} is not a date", hint="write YYYY-MM-DD") from exc


def build_scope(args: ScopeArgs, *, default_as_of: date | None) -> Scope:
    """A Scope from the options (imported lazily: analysis modules stay off start-up)."""
    from dfras.analysis.scope import make_scope

    if args.date_field not in ("order_date", "actual_delivery_date", "promised_delivery_date"):
        raise UserError(f"--date-field {args.date_field!r} is not a date column")
    as_of = parse_as_of(args.as_of)
    return make_scope(
        period=args.period,
        start=args.start,
        end=args.end,
        date_field=args.date_field,  # type: ignore[arg-type]
        as_of=as_of.date() if as_of else default_as_of,
        city=args.city,
        state=args.state,
        client_id=args.client,
        warehouse_id=args.warehouse,
        driver_id=args.driver,
        partner_company=args.partner,
        route_code=args.route,
    )
