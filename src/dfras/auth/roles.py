"""The roles of the reference design and the permission matrix every endpoint and page enforces.

A role is a fixed bundle of permissions; a user may also carry *scopes* that narrow what she
sees (a warehouse manager her warehouses, a fleet manager his partners or cities). The matrix is
data, so the documentation and the role x endpoint tests are generated from the same table.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    """One thing a caller may do."""

    VIEW_ANALYTICS = "view_analytics"  # overview, explain, compare, ask, patterns, KPIs
    VIEW_ORDERS = "view_orders"  # order lists and order pages (without personal data)
    VIEW_PII = "view_pii"  # customer names, phones and addresses unmasked
    MANAGE_CAUSES = "manage_causes"  # the resolution workflow of per-order causes
    IMPORT_DATA = "import_data"  # uploads and imports
    MANAGE_ALERTS = "manage_alerts"  # alert rules, channels; acknowledge and resolve
    VIEW_ALERTS = "view_alerts"
    RUN_MODELS = "run_models"  # train models, run simulations
    VIEW_PREDICTIONS = "view_predictions"  # at-risk orders, simulation results
    EXPORT = "export"  # reports and exports
    MANAGE_USERS = "manage_users"  # users and API keys of the company
    VIEW_AUDIT = "view_audit"  # the audit log of the company
    MANAGE_TENANTS = "manage_tenants"  # platform only: create and remove companies


class Role(StrEnum):
    """The company roles of the reference design, and the platform's own super-admin."""

    COMPANY_ADMIN = "company_admin"
    OPERATIONS_MANAGER = "operations_manager"
    FLEET_MANAGER = "fleet_manager"
    WAREHOUSE_MANAGER = "warehouse_manager"
    DATA_ANALYST = "data_analyst"
    CUSTOMER_SERVICE = "customer_service"
    PLATFORM_ADMIN = "platform_admin"


P = Permission
_MANAGER = {
    P.VIEW_ANALYTICS,
    P.VIEW_ORDERS,
    P.MANAGE_CAUSES,
    P.VIEW_ALERTS,
    P.MANAGE_ALERTS,
    P.VIEW_PREDICTIONS,
    P.EXPORT,
}

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.COMPANY_ADMIN: frozenset(set(Permission) - {P.MANAGE_TENANTS}),
    Role.OPERATIONS_MANAGER: frozenset(_MANAGER | {P.IMPORT_DATA, P.RUN_MODELS, P.VIEW_PII}),
    Role.FLEET_MANAGER: frozenset(_MANAGER),
    Role.WAREHOUSE_MANAGER: frozenset(_MANAGER),
    Role.DATA_ANALYST: frozenset(
        {
            P.VIEW_ANALYTICS,
            P.VIEW_ORDERS,
            P.VIEW_ALERTS,
            P.VIEW_PREDICTIONS,
            P.RUN_MODELS,
            P.EXPORT,
            P.IMPORT_DATA,
        }
    ),
    Role.CUSTOMER_SERVICE: frozenset({P.VIEW_ORDERS, P.VIEW_PII, P.MANAGE_CAUSES}),
    Role.PLATFORM_ADMIN: frozenset({P.MANAGE_TENANTS}),
}

# The attributes a per-user scope may narrow, per role that may carry one.
SCOPE_ATTRIBUTES: dict[Role, frozenset[str]] = {
    Role.WAREHOUSE_MANAGER: frozenset({"warehouse_id", "city"}),
    Role.FLEET_MANAGER: frozenset({"partner_company", "city", "driver_id"}),
    Role.OPERATIONS_MANAGER: frozenset({"city", "client_id"}),
    Role.CUSTOMER_SERVICE: frozenset({"city", "client_id"}),
    Role.DATA_ANALYST: frozenset({"city"}),
}


def parse_role(value: str) -> Role:
    """A role from its name, or a ValueError that lists the valid ones."""
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role {value!r}; roles are: {names}") from None


def permissions_of(role: Role | str) -> frozenset[Permission]:
    return MATRIX[parse_role(str(role))]


def check_scopes(role: Role, scopes: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """Validate a user's scopes against what her role may be narrowed by."""
    allowed = SCOPE_ATTRIBUTES.get(role, frozenset())
    out: dict[str, tuple[str, ...]] = {}
    for attr, values in scopes.items():
        if attr not in allowed:
            ok = ", ".join(sorted(allowed)) or "none"
            raise ValueError(f"role {role.value} cannot be scoped by {attr!r} (allowed: {ok})")
        if not values:
            raise ValueError(f"scope {attr!r} needs at least one value")
        out[attr] = tuple(str(v) for v in values)
    return out


def matrix_markdown() -> str:
    """The permission matrix as a Markdown table (docs/security.md is generated from it)."""
    roles = list(Role)
    head = "| permission | " + " | ".join(r.value for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| {p.value} | " + " | ".join("yes" if p in MATRIX[r] else "" for r in roles) + " |"
        for p in Permission
    ]
    return "\n".join([head, rule, *rows])
