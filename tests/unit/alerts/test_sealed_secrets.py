"""Literal channel secrets: sealed by the vault when the service holds a key (never stored in
clear, never shown), refused without one; references are kept as they are."""

from __future__ import annotations

import pytest

from dfras.alerts.channels import build_channel
from dfras.alerts.secrets import HIDDEN, read_secret
from dfras.domain.errors import UserError
from dfras.privacy.vault import new_key


def test_literal_secret_is_sealed_and_hidden(monkeypatch):
    monkeypatch.setenv("DFRAS_VAULT_KEY", new_key())
    ch = build_channel(
        name="ops", type="webhook", config={"url": "https://hooks.example/x", "secret": "s3cr3t!"}
    )
    stored = ch.config["secret"]
    assert stored.startswith("vault:v1:") and "s3cr3t!" not in stored
    assert read_secret(stored) == "s3cr3t!"
    shown = ch.to_dict()
    assert shown["config"]["secret"] == HIDDEN and "s3cr3t!" not in str(shown)


def test_literal_secret_refused_without_a_vault_key(monkeypatch):
    monkeypatch.delenv("DFRAS_VAULT_KEY", raising=False)
    monkeypatch.delenv("DFRAS_VAULT_KEY_FILE", raising=False)
    with pytest.raises(UserError, match="DFRAS_VAULT_KEY"):
        build_channel(
            name="ops", type="webhook", config={"url": "https://hooks.example/x", "secret": "x"}
        )


def test_references_are_kept(monkeypatch):
    monkeypatch.setenv("DFRAS_VAULT_KEY", new_key())
    ch = build_channel(
        name="ops", type="webhook", config={"url": "https://h.example/x", "secret": "env:HOOK"}
    )
    assert ch.config["secret"] == "env:HOOK" and ch.to_dict()["config"]["secret"] == "env:HOOK"


def test_a_sealed_secret_needs_the_right_key(monkeypatch):
    monkeypatch.setenv("DFRAS_VAULT_KEY", new_key())
    ch = build_channel(
        name="ops", type="webhook", config={"url": "https://h.example/x", "secret": "abc"}
    )
    monkeypatch.setenv("DFRAS_VAULT_KEY", new_key())
    with pytest.raises(UserError, match="cannot be decrypted"):
        read_secret(ch.config["secret"])
