"""The CLI reference in Markdown, generated from the commands themselves.

``docs/cli.md`` is written by ``python -m dfras.cli.reference > docs/cli.md``; a test fails
when it is stale, so the reference never drifts from the code.
"""

from __future__ import annotations

from typing import Any

import typer
import typer.main

from dfras.cli.app import _register, app


def _command_doc(name: str, cmd: Any, lines: list[str]) -> None:
    title = f"dfras {name}".strip()
    lines.append(f"## `{title}`\n")
    lines.append((cmd.help or "").strip() + "\n")
    ctx = typer.Context(cmd, info_name=title)
    lines.append("```")
    lines.append(cmd.get_usage(ctx).strip())
    lines.append("```\n")
    params = [p for p in cmd.params if not getattr(p, "hidden", False)]
    if params:
        lines.append("| argument / option | meaning | default |\n| --- | --- | --- |")
        for p in params:
            if getattr(p, "param_type_name", "") == "option":
                names = ", ".join(f"`{o}`" for o in p.opts)
                default = "" if p.default in (None, False) or p.is_flag else f"`{p.default}`"
                if hasattr(p.default, "value"):
                    default = f"`{p.default.value}`"
                lines.append(f"| {names} | {(p.help or '').strip()} | {default} |")
            else:
                lines.append(f"| `{p.name.upper() if p.name else ''}` | argument | |")
        lines.append("")


def render() -> str:
    """The whole reference as Markdown."""
    _register()
    root: Any = typer.main.get_command(app)
    lines = [
        "# Command reference",
        "",
        "Generated from the code by `python -m dfras.cli.reference`; do not edit by hand.",
        "",
        "Global options go before the command: `dfras [--db PATH] COMMAND ...`.",
        "",
    ]
    _command_doc("", root, lines)
    _walk("", root, lines)
    return "\n".join(lines).rstrip() + "\n"


def _walk(prefix: str, group: Any, lines: list[str]) -> None:
    """Document every command under ``group``; a group that runs on its own (``dfras alerts``
    lists alerts) is documented too, then its subcommands, to any depth."""
    for name in sorted(group.commands):
        cmd = group.commands[name]
        path = f"{prefix} {name}".strip()
        if hasattr(cmd, "commands"):
            if getattr(cmd, "invoke_without_command", False):
                _command_doc(path, cmd, lines)
            _walk(path, cmd, lines)
        else:
            _command_doc(path, cmd, lines)


if __name__ == "__main__":
    print(render(), end="")
