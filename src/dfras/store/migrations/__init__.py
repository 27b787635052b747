"""Alembic migrations of the PostgreSQL schema (the DuckDB store creates its tables itself).

Each revision under ``versions/`` freezes its DDL as text, so the schema of a release never
changes when the model code does; a new table or column is a new revision (see
``docs/postgres.md``). :mod:`dfras.store.migrations.tenancy` makes tenant tables uniformly.
:mod:`dfras.store.migrations.runner` runs them (``dfras db upgrade/downgrade/current``).
"""
