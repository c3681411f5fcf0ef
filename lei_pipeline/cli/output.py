"""Printing for the CLI: readable in 80 columns, colour only when stdout is a terminal."""
from __future__ import annotations

import json
import sys

from rich.console import Console

_console: Console | None = None


def console() -> Console:
    global _console
    if _console is None:
        tty = sys.stdout.isatty()
        _console = Console(width=None if tty else 80, no_color=not tty, highlight=False,
                           force_terminal=False if not tty else None, soft_wrap=not tty)
    return _console


def print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


def echo(text: str = "") -> None:
    console().print(text, markup=False, emoji=False)
