"""Alerts: user-defined rules evaluated after imports and on a schedule, deduplicated into
alerts with a lifecycle (open → acknowledged → resolved), delivered through an outbox to
webhooks, Slack-compatible webhooks and e-mail. ``service`` is the entry the faces call."""
