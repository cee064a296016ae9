"""Options several commands share, and how they become Settings."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..config import Settings, load_settings

BaseUrl = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        envvar="EXTRACTOR_BASE_URL",
        show_envvar=True,
        help="OpenAI-compatible endpoint. Unset: the embedded llama.cpp server.",
    ),
]
Model = Annotated[
    str | None,
    typer.Option("--model", envvar="EXTRACTOR_MODEL", show_envvar=True, help="Model name."),
]
MaxReasks = Annotated[
    int | None,
    typer.Option("--max-reasks", help="Validation re-asks after the first answer [default: 2]."),
]


def settings_from(**options: Any) -> Settings:
    """Environment first, then the options the user gave (unset ones ignored)."""
    return load_settings(**options)
