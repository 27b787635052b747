"""The HTTP face of DFRAS: a FastAPI app over the same core services the CLI uses.

The API lives under ``/api/v1``; the dashboard (:mod:`dfras.web`) is mounted by the same app.
Every request carries a :class:`~dfras.service.principal.Principal` (tenant and user), so the
multi-tenant store can isolate data by construction.
"""
