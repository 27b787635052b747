"""Rule, channel and rules-file validation: every refusal names the setting and the rule broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from dfras.alerts.channels import build_channel
from dfras.alerts.outbox import RetryPolicy
from dfras.alerts.rulefile import read_rule_file
from dfras.alerts.rules import build_rule
from dfras.alerts.secrets import read_secret
from dfras.domain.errors import UserError


def test_threshold_defaults() -> None:
    rule = build_rule(name="r", kind="threshold", params={"above": 0.2})
    assert rule.params == {
        "outcome": "failure",
        "metric": "rate",
        "above": 0.2,
        "basis": "lower",
        "period": "past 14 days",
        "min_volume": 30,
        "group_by": None,
        "scope": {},
    }


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("threshold", {}, "needs `above`"),
        ("threshold", {"above": 1.5}, "above must be between 0 and 1"),
        ("threshold", {"above": 0.1, "outcome": "delay"}, "outcome must be one of"),
        ("threshold", {"above": 0.1, "group_by": "colour"}, "cannot group by 'colour'"),
        ("threshold", {"above": 0.1, "scope": {"planet": "Mars"}}, "unknown scope filter"),
        ("threshold", {"above": 0.1, "min_volume": 0}, "between 1"),
        ("pattern", {"pattern_type": "Spike"}, "pattern_type must be one of"),
        ("quality_drop", {}, "needs `floor`, `drop` or both"),
        ("quality_drop", {"floor": 120}, "floor must be between 0 and 100"),
        ("at_risk", {"probability": "high"}, "must be a number, got 'high'"),
        ("at_risk", {"above": 0.5}, "unknown setting(s) above"),
        ("anomaly", {}, "unknown kind 'anomaly'"),
    ],
)
def test_bad_rules_are_refused(kind: str, params: dict, message: str) -> None:
    with pytest.raises(UserError) as info:
        build_rule(name="r", kind=kind, params=params)
    assert message in info.value.message and "rule 'r'" in info.value.message


def test_bad_severity() -> None:
    with pytest.raises(UserError, match="unknown severity 'urgent'"):
        build_rule(name="r", kind="quality_drop", severity="urgent", params={"floor": 80})


def test_channels_refuse_literal_secrets_and_bad_addresses() -> None:
    with pytest.raises(UserError, match="must reference a secret"):
        build_channel(name="h", type="webhook", config={"url": "https://x/y", "secret": "abc"})
    with pytest.raises(UserError, match="needs a signing secret"):
        build_channel(name="h", type="webhook", config={"url": "https://x/y"})
    with pytest.raises(UserError, match="url must be an http"):
        build_channel(name="s", type="slack", config={"url": "ftp://x"})
    with pytest.raises(UserError, match="to must be one or more e-mail addresses"):
        build_channel(name="m", type="smtp", config={"host": "h", "sender": "a@b", "to": "nobody"})
    with pytest.raises(UserError, match="username given without password"):
        build_channel(
            name="m",
            type="smtp",
            config={"host": "h", "sender": "a@b", "to": ["c@d"], "username": "u"},
        )
    smtp = build_channel(
        name="m", type="smtp", config={"host": "h", "sender": "a@b", "to": "c@d", "security": "ssl"}
    )
    assert smtp.config["port"] == 465 and smtp.config["to"] == ["c@d"]


def test_secret_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DFRAS_UNIT_SECRET", "from-env")
    assert read_secret("env:DFRAS_UNIT_SECRET") == "from-env"
    (tmp_path / "s").write_text("from-file\n")
    assert read_secret(f"file:{tmp_path / 's'}") == "from-file"
    monkeypatch.delenv("DFRAS_UNIT_SECRET")
    with pytest.raises(UserError, match="DFRAS_UNIT_SECRET is not set"):
        read_secret("env:DFRAS_UNIT_SECRET")
    with pytest.raises(UserError, match="cannot read"):
        read_secret(f"file:{tmp_path / 'missing'}")


def test_rules_file_yaml_and_toml(tmp_path: Path) -> None:
    yaml_file = tmp_path / "a.yaml"
    yaml_file.write_text(
        "channels:\n  - {name: s, type: slack, url: 'https://hooks.example/x'}\n"
        "rules:\n  - {name: q, kind: quality_drop, floor: 80, severity: high, channels: [s]}\n"
    )
    rules, channels = read_rule_file(yaml_file)
    assert [(r.name, r.severity, r.params["floor"], r.channels) for r in rules] == [
        ("q", "high", 80.0, ["s"])
    ]
    assert channels[0].config == {"url": "https://hooks.example/x"}
    toml_file = tmp_path / "a.toml"
    toml_file.write_text(
        '[[rules]]\nname = "t"\nkind = "threshold"\nabove = 0.2\ngroup_by = "warehouse_id"\n'
    )
    (rule,), _ = read_rule_file(toml_file)
    assert rule.params["group_by"] == "warehouse_id"


def test_rules_file_errors_name_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n  - {name: ok, kind: quality_drop, floor: 1}\n  - {name: x, kind: nope}\n"
    )
    with pytest.raises(UserError, match=r"bad.yaml: rules\[1\]: rule 'x': unknown kind"):
        read_rule_file(bad)
    bad.write_text("rules: [1, 2]\n")
    with pytest.raises(UserError, match="must be a list of mappings"):
        read_rule_file(bad)
    bad.write_text(
        "rules:\n  - {name: a, kind: quality_drop, floor: 1}\n  - {name: a, kind: quality_drop, floor: 2}\n"
    )
    with pytest.raises(UserError, match="used twice: a"):
        read_rule_file(bad)
    bad.write_text("rules: [\n")
    with pytest.raises(UserError, match="not valid YAML"):
        read_rule_file(bad)


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(base_seconds=30, max_seconds=600)
    assert [policy.delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]
