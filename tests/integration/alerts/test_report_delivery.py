"""Scheduled reports over the alert channels: e-mail with the file attached, a signed webhook
carrying the file base64-encoded, the folder for schedules without channels and as fallback."""

from __future__ import annotations

import base64
from datetime import datetime
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from alerts_support import SECRET, HttpReceiver, free_port

from dfras.alerts.channels import build_channel, save_channel
from dfras.reports import schedule
from dfras.reports.delivery import EVENT, ChannelDelivery

DUE = datetime(2025, 9, 12, 8, 0)


def _schedule(store: Any, name: str, channels: list[str]) -> None:
    schedule.save(
        store,
        schedule.Schedule(name=name, frequency="daily", hour=7, format="html", channels=channels),
    )


def test_report_by_mail_and_signed_webhook(
    planted_store: Any,
    http_receiver: HttpReceiver,
    smtp_server: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "out"
    monkeypatch.setenv("DFRAS_TEST_HOOK_SECRET", SECRET)
    save_channel(
        planted_store,
        build_channel(
            name="hook",
            type="webhook",
            config={"url": http_receiver.url, "secret": "env:DFRAS_TEST_HOOK_SECRET"},
        ),
    )
    save_channel(
        planted_store,
        build_channel(
            name="mail",
            type="smtp",
            config={
                "host": "127.0.0.1",
                "port": smtp_server.port,
                "sender": "dfras@example.org",
                "to": ["ops@example.org"],
            },
        ),
    )
    _schedule(planted_store, "daily ops", ["hook", "mail"])
    sent = schedule.run_due(planted_store, ChannelDelivery.from_store(planted_store, out), now=DUE)
    assert len(sent) == 1 and "hook (HTTP 200)" in sent[0]["delivered_to"]
    assert "mail (SMTP accepted for 1 recipient(s))" in sent[0]["delivered_to"]
    assert not out.exists()  # delivered: nothing fell back to the folder

    (hook,) = http_receiver.received
    assert hook.verified and hook.headers["x-dfras-event"] == EVENT
    doc = hook.json()
    report = base64.b64decode(doc["content_base64"])
    assert doc["filename"] == sent[0]["file"] and len(report) == doc["bytes"] == sent[0]["bytes"]
    assert report.startswith(b"<!DOCTYPE html") or b"<html" in report[:200]

    (mail,) = smtp_server.handler.messages
    assert mail[1] == ["ops@example.org"]
    message = message_from_bytes(mail[2])
    assert "daily ops" in message["Subject"]
    (attachment,) = [p for p in message.walk() if p.get_filename()]
    assert attachment.get_filename() == sent[0]["file"]
    assert attachment.get_payload(decode=True) == report


def test_no_channel_or_failing_channel_goes_to_the_folder(
    planted_store: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    monkeypatch.setenv("DFRAS_TEST_HOOK_SECRET", SECRET)
    dead = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    save_channel(
        planted_store,
        build_channel(
            name="dead",
            type="webhook",
            config={"url": dead, "secret": "env:DFRAS_TEST_HOOK_SECRET"},
        ),
    )
    _schedule(planted_store, "plain", [])
    _schedule(planted_store, "unlucky", ["dead", "missing"])
    sent = schedule.run_due(planted_store, ChannelDelivery.from_store(planted_store, out), now=DUE)
    where = {s["schedule"]: s["delivered_to"] for s in sent}
    assert set(where) == {"plain", "unlucky"}
    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(s["file"] for s in sent)
    assert all(where[s["schedule"]] == str(out / s["file"]) for s in sent)
