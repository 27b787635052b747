"""Webhook signatures: checked against an HMAC computed here independently, tampering and the
replay window refused."""

from __future__ import annotations

import hashlib
import hmac

from dfras.alerts.signing import signature_header, verify_signature

BODY = b'{"event":"alert.opened","alert":{"alert_id":1}}'


def test_signature_matches_an_independent_hmac() -> None:
    header = signature_header(BODY, "k", timestamp=1_700_000_000)
    expected = hmac.new(b"k", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_verification_refuses_tampering_wrong_secret_and_replays() -> None:
    header = signature_header(BODY, "k", timestamp=1_000)
    assert verify_signature(header, BODY, "k", now=1_000)
    assert verify_signature(header, BODY, "k", now=1_300)  # edge of the 300 s window
    assert not verify_signature(header, BODY, "k", now=1_301)
    assert not verify_signature(header, BODY, "k", now=699)
    assert not verify_signature(header, BODY + b" ", "k", now=1_000)
    assert not verify_signature(header, BODY, "K", now=1_000)
    # a timestamp changed to pass the window no longer matches the digest
    forged = header.replace("t=1000", "t=5000")
    assert not verify_signature(forged, BODY, "k", now=5_000)


def test_malformed_headers_are_refused() -> None:
    for header in ("", "v1=abc", "t=x,v1=abc", "t=1000", "garbage"):
        assert not verify_signature(header, BODY, "k", now=1_000)


def test_several_v1_values_accepted_during_secret_rotation() -> None:
    new = signature_header(BODY, "new", timestamp=1_000)
    old = signature_header(BODY, "old", timestamp=1_000).split(",")[1]
    assert verify_signature(f"{new},{old}", BODY, "old", now=1_000)


def test_the_documented_receiver_recipe_verifies_a_real_signature() -> None:
    """The Python recipe in docs/alerts.md, run as written, against our signer."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "alerts.md").read_text()
    recipe = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(recipe, namespace)
    verify = namespace["verify"]
    header = signature_header(BODY, "k")
    assert verify(header, BODY, "k")  # type: ignore[operator]
    assert not verify(header, BODY + b"x", "k")  # type: ignore[operator]
    assert not verify(signature_header(BODY, "k", timestamp=1_000), BODY, "k")  # type: ignore[operator]
