"""Outcomes a question can be about, as the glossary defines them.

Each outcome has a population (the orders its rate is over) and an event, both as SQL over the
delivery fact; ``delay`` is a measured value instead of an event.

Example:
    >>> OUTCOMES["failure"].population
    'is_closed'
"""

from __future__ import annotations

from dataclasses import dataclass

from dfras.domain.errors import UserError


@dataclass(frozen=True)
class Outcome:
    name: str
    label: str
    #: SQL condition: the orders the rate is computed over
    population: str
    #: SQL condition: the orders that had the outcome (None for a measured outcome)
    event: str | None
    #: SQL expression: the measured value (delay hours), for measured outcomes
    value: str | None = None
    noun: str = "orders"

    @property
    def measured(self) -> bool:
        return self.value is not None


OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome("failure", "failure rate", "is_closed", "is_failed", noun="failed orders"),
        Outcome("return", "return rate", "is_closed", "is_returned", noun="returned orders"),
        Outcome("late", "late rate", "is_delivered", "is_late", noun="late deliveries"),
        Outcome(
            "delay",
            "delay hours",
            "is_delivered AND delay_hours IS NOT NULL",
            None,
            value="delay_hours",
            noun="delay-hours",
        ),
    )
}

ALIASES = {
    "fail": "failure",
    "failed": "failure",
    "failures": "failure",
    "returns": "return",
    "returned": "return",
    "rto": "return",
    "lateness": "late",
    "delayed": "late",
    "delays": "delay",
    "delay_hours": "delay",
}


def get_outcome(name: str) -> Outcome:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in OUTCOMES:
        raise UserError(f"unknown outcome {name!r}", hint=f"use {', '.join(OUTCOMES)}")
    return OUTCOMES[key]
