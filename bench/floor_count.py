"""The floor for explain: a bare count of every single attribute and pair in one engine query.

Usage: python bench/floor_count.py STORE [OUTCOME]
Counts closed orders and outcomes for every attribute DFRAS searches and every pair of them
(the same attribute list, no pruning, no statistics), in one GROUPING SETS query over the fact.
"""

from __future__ import annotations

import sys
from itertools import combinations

import duckdb

from dfras.analysis.attributes import ATTRIBUTES

#: population and event per outcome; for delay the floor counts delayed orders like an event
#: (explain also sums the hours, their squares and their ranks: the floor leaves that out)
OUTCOMES = {
    "failure": ("is_closed", "is_failed"),
    "late": ("is_delivered", "is_late"),
    "delay": ("is_delivered AND delay_hours IS NOT NULL", "delay_hours > 0"),
}


def main() -> None:
    store = sys.argv[1]
    pop, event = OUTCOMES[sys.argv[2] if len(sys.argv) > 2 else "failure"]
    names = [n for n, a in ATTRIBUTES.items() if not a.binned]
    cols = ", ".join(f"{ATTRIBUTES[n].expr or n} AS a_{n}" for n in names)
    sets = [f"(a_{n})" for n in names] + [f"(a_{a}, a_{b})" for a, b in combinations(names, 2)]
    con = duckdb.connect(store, read_only=True, config={"memory_limit": "4GB"})
    rows = con.execute(
        f"""WITH base AS (SELECT {cols}, CASE WHEN {event} THEN 1 ELSE 0 END AS y
                          FROM delivery_fact WHERE {pop})
            SELECT count(*) FROM (
              SELECT count(*) AS n, sum(y) AS k FROM base GROUP BY GROUPING SETS ({", ".join(sets)})
            ) t"""
    ).fetchall()
    print(rows[0][0], "groups")


if __name__ == "__main__":
    main()
