"""One query layer: SQL written once in the canonical dialect, compiled for each engine.

The canonical dialect is DuckDB's SQL. DuckDB runs it as written; PostgreSQL and Spark get it
transpiled by SQLGlot, so every query (the fact build, segment counts, quality checks) is defined
once and each new engine is a backend, not a rewrite. Compiled text is cached per engine.
See ``docs/architecture.md`` for why SQLGlot rather than an expression library.

Example:
    >>> compile_sql("SELECT epoch(ts) FROM t", "duckdb")
    'SELECT epoch(ts) FROM t'
"""

from __future__ import annotations

from functools import lru_cache

CANONICAL = "duckdb"
ENGINES = ("duckdb", "postgres", "spark")


def literal(text: str) -> str:
    """``text`` as an SQL string literal (quotes doubled); the same in every dialect."""
    return "'" + text.replace("'", "''") + "'"


@lru_cache(maxsize=512)
def compile_sql(sql: str, engine: str) -> str:
    """``sql`` (canonical dialect) as the given engine's SQL."""
    if engine == CANONICAL:
        return sql
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    import sqlglot  # imported here: only non-DuckDB engines pay for it

    statements = sqlglot.transpile(sql, read=CANONICAL, write=engine, pretty=True)
    return ";\n".join(statements)
