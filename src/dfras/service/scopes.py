"""A scope as the API receives it (query string or JSON body), resolved against the store.

Relative periods ("past week", "last month") are resolved on the data's own clock when the
request runs, so the raw words are what a cached answer is keyed by.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from dfras.analysis.scope import Scope, make_scope
from dfras.store.base import Store

Id32 = Annotated[int, Field(ge=0, le=2_147_483_647)]
Text = Annotated[str, Field(min_length=1, max_length=100)]
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(9999, 12, 30))]
DateField = Literal["order_date", "actual_delivery_date", "promised_delivery_date"]


_SCOPABLE = ("city", "state", "client_id", "warehouse_id", "driver_id", "partner_company")
_INT_ATTRS = ("client_id", "warehouse_id", "driver_id")


class ScopeModel(BaseModel):
    """Which orders: entity filters (each a list: any of) and a period (words or dates)."""

    model_config = ConfigDict(extra="forbid")

    city: list[Text] | None = Field(None, max_length=50)
    state: list[Text] | None = Field(None, max_length=50)
    client_id: list[Id32] | None = Field(None, max_length=50)
    warehouse_id: list[Id32] | None = Field(None, max_length=50)
    driver_id: list[Id32] | None = Field(None, max_length=50)
    partner_company: list[Text] | None = Field(None, max_length=50)
    route_code: list[Text] | None = Field(None, max_length=50)
    period: Annotated[str, Field(min_length=1, max_length=60)] | None = Field(
        None, description="Words: yesterday, past week, last month, in August, 2025-08, ..."
    )
    start: Day | None = None
    end: Day | None = None
    date_field: DateField = "order_date"
    as_of: Day | None = Field(None, description="The day relative periods count from.")

    def key(self) -> dict[str, Any]:
        """What cached answers are keyed by: the request, and the caller's own scopes
        (a narrowed answer is never served to someone else, nor the other way round)."""
        from dfras.service.runtime import REQUEST_SCOPES

        out = self.model_dump(mode="json", exclude_none=True)
        user = REQUEST_SCOPES.get() or {}
        if user:
            out["_user_scopes"] = {k: list(v) for k, v in sorted(user.items())}
        return out

    def narrowed(self) -> ScopeModel:
        """This scope within the caller's per-user scopes: a filter the caller did not give
        becomes her allowed values; one she gave keeps only the allowed ones, and nothing
        allowed matches no order (a warehouse manager asking for another warehouse gets an
        empty answer, never its data)."""
        from dfras.service.runtime import REQUEST_SCOPES

        user = REQUEST_SCOPES.get() or {}
        if not user:
            return self
        update: dict[str, Any] = {}
        for attr, allowed in user.items():
            if attr not in _SCOPABLE:
                continue
            as_int = attr in _INT_ATTRS
            permitted: list[Any] = []
            for v in allowed:
                try:
                    permitted.append(int(v) if as_int else str(v))
                except ValueError:
                    continue
            asked = getattr(self, attr)
            values = permitted if asked is None else [v for v in asked if v in permitted]
            update[attr] = values or ([-1] if as_int else ["(outside your scope)"])
        return self.model_copy(update=update)

    def build(self, store: Store) -> Scope:
        """The scope (within the caller's per-user scopes), relative periods resolved on the
        data's clock."""
        scope = self.narrowed()
        as_of = scope.as_of
        if scope.period and as_of is None:
            from dfras.analysis.explain import default_as_of

            as_of = default_as_of(store)
        return make_scope(
            period=scope.period,
            start=scope.start.isoformat() if scope.start else None,
            end=scope.end.isoformat() if scope.end else None,
            date_field=scope.date_field,
            as_of=as_of or date.today(),
            city=scope.city,
            state=scope.state,
            client_id=scope.client_id,
            warehouse_id=scope.warehouse_id,
            driver_id=scope.driver_id,
            partner_company=scope.partner_company,
            route_code=scope.route_code,
        )

    def as_of_time(self) -> datetime | None:
        return datetime.combine(self.as_of, datetime.max.time()) if self.as_of else None


def within_user_scopes(scope: Scope) -> Scope:
    """A core Scope narrowed to the caller's per-user scopes (see :meth:`ScopeModel.narrowed`)."""
    from dataclasses import replace

    from dfras.service.runtime import REQUEST_SCOPES

    user = REQUEST_SCOPES.get() or {}
    if not user:
        return scope
    filters = dict(scope.filters)
    for attr, allowed in user.items():
        if attr not in _SCOPABLE:
            continue
        as_int = attr in _INT_ATTRS
        permitted = [int(v) if as_int else str(v) for v in allowed if not as_int or v.isdigit()]
        asked = filters.get(attr)
        values = permitted if not asked else [v for v in asked if v in permitted]
        filters[attr] = values or ([-1] if as_int else ["(outside your scope)"])
    return replace(scope, filters=filters)


async def scope_query(
    city: Annotated[list[Text] | None, Query(max_length=50)] = None,
    state: Annotated[list[Text] | None, Query(max_length=50)] = None,
    client_id: Annotated[list[Id32] | None, Query(max_length=50)] = None,
    warehouse_id: Annotated[list[Id32] | None, Query(max_length=50)] = None,
    driver_id: Annotated[list[Id32] | None, Query(max_length=50)] = None,
    partner_company: Annotated[list[Text] | None, Query(max_length=50)] = None,
    route_code: Annotated[list[Text] | None, Query(max_length=50)] = None,
    period: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    start: Annotated[Day | None, Query()] = None,
    end: Annotated[Day | None, Query()] = None,
    date_field: Annotated[DateField, Query()] = "order_date",
    as_of: Annotated[Day | None, Query()] = None,
) -> ScopeModel:
    """The scope named by the query string (repeat a filter for several values)."""
    return ScopeModel(
        city=city,
        state=state,
        client_id=client_id,
        warehouse_id=warehouse_id,
        driver_id=driver_id,
        partner_company=partner_company,
        route_code=route_code,
        period=period,
        start=start,
        end=end,
        date_field=date_field,
        as_of=as_of,
    )
