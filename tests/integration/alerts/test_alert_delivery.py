"""Alert delivery against real receivers started here: a webhook server that verifies the
HMAC signature and timestamp, a Slack-compatible endpoint, an SMTP server (aiosmtpd); and a
receiver that is down: retried with backoff, delivered exactly once when it comes back."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from alerts_support import SECRET, HttpReceiver, free_port

from dfras.alerts import service
from dfras.alerts.channels import build_channel, save_channel
from dfras.alerts.outbox import RetryPolicy, deliver_due, list_deliveries
from dfras.alerts.rules import build_rule, save_rule
from dfras.alerts.signing import HEADER, verify_signature

T0 = datetime(2026, 1, 5, 9, 0, 0)


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFRAS_TEST_HOOK_SECRET", SECRET)


def _webhook(store: Any, url: str, name: str = "hook") -> None:
    save_channel(
        store,
        build_channel(
            name=name, type="webhook", config={"url": url, "secret": "env:DFRAS_TEST_HOOK_SECRET"}
        ),
    )


def _firing_rule(store: Any, **extra: Any) -> None:
    """A rule the generated data trips: the whole scope's failure rate above 1%."""
    save_rule(
        store,
        build_rule(
            name="failures",
            kind="threshold",
            severity="high",
            params={"outcome": "failure", "above": 0.01, "period": "past 90 days"},
            **extra,
        ),
    )


def test_webhook_is_signed_and_verifiable(planted_store: Any, http_receiver: HttpReceiver) -> None:
    _webhook(planted_store, http_receiver.url)
    _firing_rule(planted_store)
    report = service.tick(planted_store, now=T0)
    assert report.opened == 1 and report.delivery is not None
    assert len(report.delivery.delivered) == 1
    assert len(http_receiver.received) == 1
    got = http_receiver.received[0]
    assert got.verified
    doc = got.json()
    assert doc["event"] == "alert.opened"
    assert doc["alert"]["rule_name"] == "failures"
    assert doc["alert"]["severity"] == "high"
    figures = doc["alert"]["figures"]
    assert figures["ci_low"] < figures["rate"] < figures["ci_high"]
    assert figures["ci_low"] > 0.01
    assert got.headers["x-dfras-delivery"] == doc["delivery_id"]
    # the signature binds body and timestamp: a changed body or a stale timestamp fails
    signature = got.headers[HEADER.lower()]
    assert not verify_signature(signature, got.body + b" ", SECRET)
    assert not verify_signature(signature, got.body, "another secret")
    t = int(signature.split(",")[0].split("=")[1])
    assert not verify_signature(signature, got.body, SECRET, now=t + 301)
    assert verify_signature(signature, got.body, SECRET, now=t + 299)


def test_wrong_secret_is_refused_and_retried(
    planted_store: Any, http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DFRAS_TEST_HOOK_SECRET", "not the receiver's secret")
    _webhook(planted_store, http_receiver.url)
    _firing_rule(planted_store)
    report = service.tick(planted_store, now=T0)
    assert report.delivery is not None and len(report.delivery.retrying) == 1
    assert [r.verified for r in http_receiver.received] == [False]
    (row,) = list_deliveries(planted_store)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "HTTP 401" in row["last_error"]


def test_slack_payload_shape(
    planted_store: Any, http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a Slack webhook URL is itself a secret: kept as a reference, resolved when sending
    monkeypatch.setenv("DFRAS_TEST_SLACK_URL", f"http://127.0.0.1:{http_receiver.port}/slack")
    save_channel(
        planted_store,
        build_channel(name="slack", type="slack", config={"url": "env:DFRAS_TEST_SLACK_URL"}),
    )
    _firing_rule(planted_store)
    service.tick(planted_store, now=T0)
    (got,) = http_receiver.received
    assert got.path == "/slack" and HEADER.lower() not in got.headers
    msg = got.json()
    assert isinstance(msg["text"], str) and "failures" in msg["text"]
    assert msg["blocks"][0]["type"] == "section"
    assert msg["blocks"][0]["text"]["type"] == "mrkdwn"
    assert all(b["type"] in ("section", "context") for b in msg["blocks"])
    assert "failure rate" in msg["blocks"][1]["text"]["text"]


def test_email_over_smtp(planted_store: Any, smtp_server: Any) -> None:
    save_channel(
        planted_store,
        build_channel(
            name="mail",
            type="smtp",
            config={
                "host": smtp_server.hostname,
                "port": smtp_server.port,
                "sender": "dfras@example.test",
                "to": ["ops@example.test", "lead@example.test"],
            },
        ),
    )
    _firing_rule(planted_store)
    report = service.tick(planted_store, now=T0)
    assert report.delivery is not None and len(report.delivery.delivered) == 1
    (message,) = smtp_server.handler.messages
    mail_from, rcpt, content = message
    assert mail_from == "dfras@example.test"
    assert sorted(rcpt) == ["lead@example.test", "ops@example.test"]
    parsed = message_from_bytes(content)
    assert "[high] failures" in parsed["Subject"]
    body = parsed.get_payload(decode=True).decode()
    assert "failure rate" in body and "dfras alerts ack" in body


def test_down_receiver_is_retried_with_backoff_then_delivered_once(planted_store: Any) -> None:
    receiver = HttpReceiver(port=free_port())  # not started: connections are refused
    _webhook(planted_store, receiver.url)
    _firing_rule(planted_store)
    policy = RetryPolicy(base_seconds=60, max_seconds=600, max_attempts=10, timeout_seconds=2)

    report = service.tick(planted_store, now=T0, policy=policy)
    assert report.delivery is not None and len(report.delivery.retrying) == 1
    (row,) = list_deliveries(planted_store)
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["next_attempt_at"] == T0 + timedelta(seconds=60)
    assert "cannot reach" in row["last_error"]

    # not yet due: no attempt
    assert (
        deliver_due(planted_store, now=T0 + timedelta(seconds=30), policy=policy).to_dict()[
            "retrying"
        ]
        == 0
    )
    # due: second failure, the wait doubles
    t2 = T0 + timedelta(seconds=61)
    service.tick(planted_store, now=t2, policy=policy)
    (row,) = list_deliveries(planted_store)
    assert row["attempts"] == 2 and row["next_attempt_at"] == t2 + timedelta(seconds=120)

    receiver.start()
    try:
        # still within the backoff: the receiver is up but nothing is sent yet
        service.tick(planted_store, now=t2 + timedelta(seconds=60), policy=policy)
        assert receiver.received == []
        t3 = t2 + timedelta(seconds=121)
        report = service.tick(planted_store, now=t3, policy=policy)
        assert report.delivery is not None and len(report.delivery.delivered) == 1
        for k in range(3):  # later ticks send nothing more
            service.tick(planted_store, now=t3 + timedelta(hours=k + 1), policy=policy)
    finally:
        receiver.stop()
    assert len(receiver.received) == 1 and receiver.received[0].verified
    (row,) = list_deliveries(planted_store)
    assert (row["status"], row["attempts"], row["delivered_at"]) == ("delivered", 3, t3)
    # the ongoing problem stayed one alert; the evaluation ticks only updated it
    alerts = planted_store.fetchall("SELECT occurrences, state FROM alerts")
    assert alerts == [(7, "open")]


def test_given_up_after_max_attempts_and_requeued(planted_store: Any) -> None:
    receiver = HttpReceiver(port=free_port())
    _webhook(planted_store, receiver.url)
    _firing_rule(planted_store)
    policy = RetryPolicy(base_seconds=1, max_seconds=1, max_attempts=2, timeout_seconds=2)
    service.evaluate(planted_store, now=T0)
    deliver_due(planted_store, now=T0, policy=policy)
    report = deliver_due(planted_store, now=T0 + timedelta(seconds=2), policy=policy)
    assert len(report.failed) == 1
    (row,) = list_deliveries(planted_store)
    assert row["status"] == "failed" and row["attempts"] == 2
    events = [e[0] for e in planted_store.fetchall("SELECT event FROM alert_history")]
    assert "delivery_failed" in events
    from dfras.alerts.outbox import retry_failed

    assert retry_failed(planted_store, now=T0 + timedelta(seconds=3)) == 1
    receiver.start()
    try:
        report = deliver_due(planted_store, now=T0 + timedelta(seconds=3), policy=policy)
    finally:
        receiver.stop()
    assert len(report.delivered) == 1 and len(receiver.received) == 1


def test_channel_severity_floor_and_rule_channel_choice(
    planted_store: Any, http_receiver: HttpReceiver
) -> None:
    save_channel(
        planted_store,
        build_channel(
            name="pager",
            type="webhook",
            config={"url": http_receiver.url, "secret": "env:DFRAS_TEST_HOOK_SECRET"},
            min_severity="critical",
        ),
    )
    _webhook(planted_store, http_receiver.url + "?b", name="other")
    _firing_rule(planted_store, channels=["pager"])  # high: below the pager's floor
    service.tick(planted_store, now=T0)
    assert http_receiver.received == []
    assert list_deliveries(planted_store) == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_uses_the_referenced_password(
    planted_store: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    logins: list[tuple[bytes, bytes]] = []
    delivered: list[bytes] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        assert isinstance(auth, LoginPassword)
        logins.append((auth.login, auth.password))
        return AuthResult(success=auth.password == b"pa55word")

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            delivered.append(envelope.content)
            return "250 OK"

    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,  # a local test server: no certificate to offer
    )
    controller.start()
    try:
        (tmp_path / "smtp-password").write_text("wrong\n")
        save_channel(
            planted_store,
            build_channel(
                name="mail",
                type="smtp",
                config={
                    "host": "127.0.0.1",
                    "port": controller.port,
                    "sender": "dfras@example.test",
                    "to": ["ops@example.test"],
                    "username": "dfras",
                    "password": f"file:{tmp_path / 'smtp-password'}",
                },
            ),
        )
        _firing_rule(planted_store)
        # after the refused login the client tries its next mechanism, which this test server
        # leaves unanswered: a short timeout ends that wait (10 s by default)
        report = service.tick(planted_store, now=T0, policy=RetryPolicy(timeout_seconds=1.0))
        assert report.delivery is not None and len(report.delivery.retrying) == 1
        (row,) = list_deliveries(planted_store)
        assert "SMTP" in row["last_error"] and "wrong" not in row["last_error"]
        # the password is fixed in its file: the retry logs in and delivers
        (tmp_path / "smtp-password").write_text("pa55word\n")
        report = deliver_due(planted_store, now=T0 + timedelta(hours=1))
        assert len(report.delivered) == 1
    finally:
        controller.stop()
    assert logins == [(b"dfras", b"wrong"), (b"dfras", b"pa55word")]
    assert len(delivered) == 1
