"""Where the login sends the browser afterwards: a path on this site, never another host."""

from __future__ import annotations

import pytest

from dfras.web.pages.login import safe_next


@pytest.mark.parametrize(
    "value",
    [
        "/orders?outcome=failure",
        "/orders/12",
        "/explore?city=Pune&period=last+month",
    ],
)
def test_paths_on_this_site_are_kept(value: str) -> None:
    assert safe_next(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",  # browsers drop tabs and newlines: this is //evil.example
        "/\n/evil.example",
        "/\r\nSet-Cookie: x=1",
        "evil.example",
        "/login?next=/x",  # no loops back to the form
        "/session/renew",
    ],
)
def test_anything_else_goes_to_the_overview(value: str | None) -> None:
    assert safe_next(value) == "/"
