"""Schemathesis over the whole OpenAPI schema against a live server on a small store: no 5xx,
every response (problems included) matches the schema, content types and status codes are
documented. A few examples per operation keep it under a minute."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import Server, start_server, stop


@pytest.fixture(scope="module")
def live(small_store: Path) -> Iterator[Server]:
    # 1,500 orders: training, simulation and backtest jobs finish in about a second each
    s = start_server(
        small_store, env={"DFRAS_SCHEDULE_TICK": "0", "DFRAS_MAX_SIMULATION_RUNS": "200"}
    )
    yield s
    stop(s)


#: Examples per operation; the slow ones (a report runs two explanations) get fewer.
EXAMPLES = 5
SLOW = {"POST /api/v1/reports": 2, "POST /api/v1/comparisons": 3, "POST /api/v1/ask": 2}


def test_api_conforms(live: Server) -> None:
    schema = schemathesis.openapi.from_url(f"{live.base_url}/openapi.json")
    failures: list[str] = []
    calls: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=SLOW.get(operation.label, EXAMPLES),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            calls.append(case.operation.label)
            case.call_and_validate(
                checks=[
                    not_a_server_error,
                    response_schema_conformance,
                    content_type_conformance,
                    status_code_conformance,
                ],
                timeout=60,
            )

        started = time.perf_counter()
        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}")
        print(f"{operation.label}: {time.perf_counter() - started:.1f} s")
    assert operations >= 15 and len(set(calls)) == operations
    assert not failures, "\n\n".join(failures)
