"""State and printing shared by the CLI commands."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import typer
from rich.console import Console

from zerotrail.errors import DataError
from zerotrail.store.workspace import Workspace, open_workspace

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@dataclass
class State:
    db: str | None = None


STATE = State()


@contextmanager
def workspace(create: bool = False) -> Iterator[Workspace]:
    ws = open_workspace(STATE.db, create=create)
    try:
        yield ws
    finally:
        ws.close()


@contextmanager
def progress(label: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr; yields a function that names the current step."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label)
        yield lambda step: bar.update(task, description=f"{label}: {step}")


def print_problems(exc: DataError) -> None:
    err.print(f"[red]rejected:[/red] {exc}", highlight=False)
    for p in exc.problems:
        err.print(f"  {p}", highlight=False, markup=False)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout (dates and other values as text)."""
    typer.echo(json.dumps(data, indent=2, default=str))


def tonnes(x: float) -> str:
    return f"{x:,.2f}"
