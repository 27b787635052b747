"""Every ``Example:`` in the package's docstrings runs and shows what it says."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import dfras


def _modules_with_examples() -> list[str]:
    found = []
    for info in pkgutil.walk_packages(dfras.__path__, prefix="dfras."):
        if ".migrations" in info.name:  # Alembic's env module runs only inside Alembic
            continue
        spec = importlib.util.find_spec(info.name)
        origin = spec.origin if spec else None
        if origin and origin.endswith(".py"):
            with open(origin, encoding="utf-8") as source:
                if ">>>" in source.read():
                    found.append(info.name)
    return sorted(found)


@pytest.mark.parametrize("name", _modules_with_examples())
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    tests = doctest.DocTestFinder().find(module)
    assert any(t.examples for t in tests), f"{name} mentions >>> but has no runnable example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed"
