"""One query layer: SQL written once in the canonical dialect, compiled for each engine.

The canonical dialect is DuckDB's SQL. DuckDB runs it as written; PostgreSQL and Spark get it
transpiled by SQLGlot, so every query (the fact build, segment counts, quality checks) is defined
once and each new engine is a backend, not a rewrite. Compiled text is cached per engine.
See ``docs/architecture.md`` for why SQLGlot rather than an expression library.

Where SQLGlot's own translation to Spark differs from DuckDB's meaning, :func:`_for_spark`
rewrites the tree first (each rule says what it keeps equal):
- ``GROUPING_ID(a, b, c)`` becomes ``grouping(a) * 4 + grouping(b) * 2 + grouping(c)``: Spark
  insists GROUPING_ID's arguments are exactly the grouping columns, in their order;
- decimal literals (``60.0``) become doubles: DuckDB's arithmetic on them yields doubles, Spark's
  would stay DECIMAL;
- ``epoch(ts)`` keeps its fractional seconds (SQLGlot's UNIX_TIMESTAMP drops them);
- ``EXTRACT(isodow ...)`` is Spark's ``weekday(...) + 1`` (Monday = 1); ``AS MATERIALIZED`` hints are dropped;
- ``list_slice(l, a, b)`` (inclusive ends) is Spark's ``slice(l, a, b - a + 1)`` (start, length).

Example:
    >>> compile_sql("SELECT epoch(ts) FROM t", "duckdb")
    'SELECT epoch(ts) FROM t'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

CANONICAL = "duckdb"
ENGINES = ("duckdb", "postgres", "spark")


def literal(text: str) -> str:
    """``text`` as an SQL string literal (quotes doubled); the same in every dialect."""
    return "'" + text.replace("'", "''") + "'"


@lru_cache(maxsize=512)
def compile_sql(sql: str, engine: str) -> str:
    """``sql`` (canonical dialect) as the given engine's SQL (statements joined by ``;``)."""
    return ";\n".join(compile_statements(sql, engine))


_TRY_CASTS: dict[Any, str] = {}

#: Stands in for a parameter while the SQL is generated, so that ``%`` can be escaped.
_PARAM = "dfras_param_5b1e"


@lru_cache(maxsize=1024)
def compile_statements(sql: str, engine: str) -> tuple[str, ...]:
    """``sql`` (canonical dialect) as one or more statements of the given engine.

    For PostgreSQL (run through psycopg): parameters (``?``) become ``%s`` and a literal ``%``
    becomes ``%%``; ``CREATE OR REPLACE [TEMP] TABLE t AS`` (which PostgreSQL lacks) becomes a
    ``DROP TABLE IF EXISTS`` followed by the ``CREATE``; ``json_object`` becomes
    ``json_build_object``.
    """
    if engine == CANONICAL:
        return (sql,)
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    import sqlglot  # imported here: only non-DuckDB engines pay for it

    out: list[str] = []
    for tree in sqlglot.parse(sql, read=CANONICAL):
        if tree is None:
            continue
        if engine == "postgres":
            out.extend(_postgres(tree))
        else:
            out.append(_for_spark(tree).sql(dialect=engine, pretty=True))
    return tuple(out)


def _try_casts() -> dict[Any, str]:
    from sqlglot import exp

    t = exp.DataType.Type
    return {
        t.BIGINT: "dfras_try_bigint",
        t.DECIMAL: "dfras_try_decimal",
        t.TIMESTAMP: "dfras_try_timestamp",
        t.TIMESTAMPNTZ: "dfras_try_timestamp",
        t.DATETIME: "dfras_try_timestamp",
    }


def _postgres(tree: Any) -> list[str]:
    from sqlglot import exp

    global _TRY_CASTS
    _TRY_CASTS = _TRY_CASTS or _try_casts()

    pre: list[str] = []
    if isinstance(tree, exp.Create) and tree.args.get("replace") and tree.kind == "TABLE":
        tree = tree.copy()
        tree.set("replace", False)
        table = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        pre.append(f"DROP TABLE IF EXISTS {table.sql(dialect='postgres')}")

    aliases = iter(range(1, 1 << 30))

    def rewrite(node: Any) -> Any:
        if (
            isinstance(node, exp.Subquery)
            and not node.alias
            and isinstance(node.parent, exp.From | exp.Join)
        ):  # PostgreSQL (before 16) wants every derived table named
            node.set("alias", exp.TableAlias(this=exp.to_identifier(f"_dfras_q{next(aliases)}")))
            return node
        if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries):
            # DuckDB's range()/generate_series() name their column after the function
            name = "range" if node.this.args.get("is_end_exclusive") else "generate_series"
            alias = node.args.get("alias") or exp.TableAlias(
                this=exp.to_identifier(f"_dfras_q{next(aliases)}")
            )
            if not alias.columns:
                alias.set("columns", [exp.to_identifier(name)])
            node.set("alias", alias)
            return node
        if isinstance(node, exp.Placeholder):
            return exp.column(_PARAM)
        if isinstance(node, exp.TryCast):
            # PostgreSQL has no TRY_CAST: revision 0001 defines dfras_try_<type>(text)
            fn = _TRY_CASTS.get(node.to.this)
            if fn is not None:
                arg = exp.cast(node.this, exp.DataType.build("TEXT"))
                return exp.Anonymous(this=fn, expressions=[arg])
            return exp.cast(node.this, node.to)
        if isinstance(node, exp.JSONExtractScalar | exp.JSONExtract) and not isinstance(
            node.this, exp.Cast
        ):  # text holding JSON must be typed json for PostgreSQL's extractors
            node.set("this", exp.cast(node.this, exp.DataType.build("JSON")))
            return node
        if isinstance(node, exp.Split):  # string_split → string_to_array
            return exp.Anonymous(this="string_to_array", expressions=[node.this, node.expression])
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "contains":
            a, b = node.expressions
            return exp.GT(
                this=exp.Anonymous(this="strpos", expressions=[a, b]),
                expression=exp.Literal.number(0),
            )
        if isinstance(node, exp.Contains):
            return exp.GT(
                this=exp.Anonymous(this="strpos", expressions=[node.this, node.expression]),
                expression=exp.Literal.number(0),
            )
        if isinstance(node, exp.JSONObject):
            args: list[Any] = []
            for kv in node.expressions:
                args += [kv.this, kv.expression]
            return exp.Anonymous(this="json_build_object", expressions=args)
        return node

    text = tree.transform(rewrite).sql(dialect="postgres", pretty=True)
    return [*pre, text.replace("%", "%%").replace(_PARAM, "%s")]


def _for_spark(tree: Any) -> Any:
    from sqlglot import exp

    def rewrite(node: Any) -> Any:
        if isinstance(node, exp.GroupingId) or (
            isinstance(node, exp.Anonymous) and node.name.lower() == "grouping_id"
        ):
            width = len(node.expressions)
            terms: Any = None
            for i, col in enumerate(node.expressions):
                term: Any = exp.func("grouping", col.copy())
                weight = 1 << (width - 1 - i)
                if weight > 1:
                    term = exp.Mul(this=term, expression=exp.Literal.number(weight))
                terms = term if terms is None else exp.Add(this=terms, expression=term)
            return exp.Paren(this=terms) if terms is not None else node
        if isinstance(node, exp.Literal) and not node.is_string:
            text = str(node.this)
            if "." in text or "e" in text.lower():
                return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
        if isinstance(node, exp.TimeToUnix):
            micros = exp.Anonymous(
                this="unix_micros",
                expressions=[exp.Cast(this=node.this.copy(), to=exp.DataType.build("TIMESTAMP"))],
            )
            return exp.Div(
                this=exp.Cast(this=micros, to=exp.DataType.build("DOUBLE")),
                expression=exp.Literal.number(1000000),
            )
        if isinstance(node, exp.Extract) and node.this.name.lower() == "isodow":
            weekday = exp.Anonymous(this="weekday", expressions=[node.expression.copy()])
            return exp.Paren(this=exp.Add(this=weekday, expression=exp.Literal.number(1)))
        if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
            node.set("materialized", None)
        if isinstance(node, exp.Anonymous) and node.name.lower() == "list_slice":
            items, begin, end = (e.copy() for e in node.expressions)
            length = exp.Add(
                this=exp.Paren(this=exp.Sub(this=end, expression=begin.copy())),
                expression=exp.Literal.number(1),
            )
            return exp.Anonymous(this="slice", expressions=[items, begin, length])
        return node

    return tree.transform(rewrite)


@dataclass(frozen=True)
class CreateAs:
    """A ``CREATE [OR REPLACE] [TEMP] TABLE name AS SELECT ...`` taken apart, for engines that
    materialise tables their own way (Spark writes Parquet and registers a view)."""

    name: str
    temporary: bool
    select: str  # in the target engine's dialect


@lru_cache(maxsize=128)
def split_create_as(sql: str, engine: str) -> CreateAs | None:
    """``sql`` as a :class:`CreateAs` when it creates a table from a query, else None."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read=CANONICAL)
    except sqlglot.errors.ParseError:
        return None
    if not isinstance(tree, exp.Create) or tree.args.get("kind") != "TABLE":
        return None
    if tree.expression is None or not isinstance(tree.this, exp.Table):
        return None
    props = tree.args.get("properties")
    temporary = bool(props and any(isinstance(p, exp.TemporaryProperty) for p in props.expressions))
    select = tree.expression
    if engine == "spark":
        select = _for_spark(select)
    return CreateAs(name=tree.this.name, temporary=temporary, select=select.sql(dialect=engine))
