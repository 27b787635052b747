"""Sending one notification over one channel; any failure is a :class:`DeliveryFailed`.

HTTP uses the standard library (one request per attempt, a short timeout); a 2xx answer is
success, anything else (refused connection, timeout, 4xx/5xx) a failure the outbox retries.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Any

from dfras.alerts.channels import Channel
from dfras.alerts.payloads import email_message, encode, slack_message
from dfras.alerts.secrets import is_reference, read_secret
from dfras.alerts.signing import HEADER, signature_header
from dfras.domain.errors import UserError

USER_AGENT = "dfras-alerts/1"


class DeliveryFailed(Exception):
    """A channel did not accept the notification (the outbox will retry)."""


def send(channel: Channel, document: dict[str, Any], *, timeout: float) -> str:
    """Send ``document`` over ``channel``; returns a short receipt, raises DeliveryFailed."""
    try:
        if channel.type == "webhook":
            body = encode(document)
            secret = read_secret(channel.config["secret"])
            headers = {
                HEADER: signature_header(body, secret),
                "X-DFRAS-Event": document["event"],
                "X-DFRAS-Delivery": document["delivery_id"],
            }
            return _post(channel.config["url"], body, headers, timeout)
        if channel.type == "slack":
            return _post(
                channel.config["url"], json.dumps(slack_message(document)).encode(), {}, timeout
            )
        return _mail(channel.config, document, timeout)
    except UserError as exc:  # a missing secret: retried, it may be set before the next try
        raise DeliveryFailed(exc.message) from exc


def _post(target: str, body: bytes, headers: dict[str, str], timeout: float) -> str:
    """POST to ``target`` (a URL, or a reference to one: then messages name the reference)."""
    url, shown = (read_secret(target), target) if is_reference(target) else (target, target)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code} from {shown}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryFailed(f"cannot reach {shown}: {reason}") from exc


def _mail(config: dict[str, Any], document: dict[str, Any], timeout: float) -> str:
    subject, text = email_message(document)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["sender"]
    message["To"] = ", ".join(config["to"])
    message["X-DFRAS-Delivery"] = document["delivery_id"]
    message.set_content(text)
    return send_mail(config, message, timeout)


def post_json(target: str, payload: dict[str, Any], timeout: float) -> str:
    """POST a JSON payload to a URL or a secret reference to one (a Slack webhook)."""
    return _post(target, json.dumps(payload).encode(), {}, timeout)


def send_mail(config: dict[str, Any], message: EmailMessage, timeout: float) -> str:
    """Send a built message through an smtp channel's server (its security and login)."""
    host, port, security = config["host"], int(config["port"]), config.get("security", "none")
    try:
        smtp: smtplib.SMTP
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.get("username"):
                smtp.login(config["username"], read_secret(config["password"]))
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP {host}:{port}: {exc}") from exc
    # all refused raises above; a partial refusal is not retried (the others have it already)
    accepted = len(config["to"]) - len(refused)
    note = f", refused {', '.join(refused)}" if refused else ""
    return f"SMTP accepted for {accepted} recipient(s){note}"
