"""Root of the CLI: shared options, plugin commands, one-line errors."""

from __future__ import annotations

import logging
import signal
import sys
from importlib.metadata import entry_points, version
from types import FrameType

import typer
from rich.console import Console
from rich.text import Text

from ..errors import ExtractorError

PLUGIN_GROUP = "extractor.commands"

app = typer.Typer(
    name="extractor",
    help=(
        "Extract typed, source-grounded events from news articles with an LLM.\n\n"
        "With no configuration it runs a local llama.cpp server with the bundled Gemma 3 270M. "
        "Point it at any OpenAI-compatible endpoint with EXTRACTOR_BASE_URL, EXTRACTOR_MODEL "
        "and EXTRACTOR_API_KEY."
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
stderr = Console(stderr=True)


def _show_version(value: bool) -> None:
    if value:
        print(f"extractor {version('extractor')}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress and HTTP retries."),
    show_version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version."
    ),
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        logging.getLogger("httpx2").setLevel(logging.WARNING)
        # Their failures reach the user as our one-line errors and failure records.
        logging.getLogger("instructor").setLevel(logging.CRITICAL)


_registered = False


def _register_commands() -> None:
    """Add the built-in and plugin commands once."""
    global _registered
    if _registered:
        return
    _registered = True
    from . import batch_cmd, extract_cmd, serve_cmd

    extract_cmd.register(app)
    batch_cmd.register(app)
    serve_cmd.register(app)
    for entry_point in entry_points(group=PLUGIN_GROUP):
        entry_point.load()(app)


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends a command with cleanup, so the embedded server it started stops too."""
    raise SystemExit(128 + signum)


def _interrupted() -> None:
    stderr.print(
        "interrupted: every record written so far is kept; "
        "`extractor batch` resumes when the same command is run again",
        highlight=False,
        markup=False,
    )


def _error(message: str) -> None:
    """One line on stderr; the message is plain text (no markup is read in it)."""
    stderr.print(Text.assemble(("error: ", "bold red"), message), highlight=False, soft_wrap=True)


def main() -> None:
    """Console entry point: run the app, turning our errors into one readable line."""
    _register_commands()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = app(standalone_mode=False)  # click returns typer.Exit's code in this mode
    except ExtractorError as exc:
        _error(str(exc))
        sys.exit(2)
    except OSError as exc:  # an output path that cannot be written, a folder given as a file
        where = f"{exc.filename}: " if exc.filename else ""
        _error(f"{where}{exc.strerror or exc}")
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _interrupted()
        sys.exit(130)
    except Exception as exc:  # usage errors: typer bundles its own click
        from typer._click.exceptions import ClickException

        if isinstance(exc, ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    if code == 130:  # Ctrl-C: typer returns its Exit(130) in this mode
        _interrupted()
    if isinstance(code, int) and code:
        sys.exit(code)
