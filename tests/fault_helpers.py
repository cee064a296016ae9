"""Helpers for the tests that run the extractor against the fault server (a FIXTURE)."""

from __future__ import annotations

import json
from typing import Any

from extractor import Extractor, load_settings
from tests.fakes.fault_server import FaultServer
from tests.fakes.scripted_server import ScriptedServer

# Two trigger sentences: the fault server answers a meeting and an agreement.
ARTICLE = (
    " date 2025-05-27 ASTANA, May 27. President Kassym-Jomart Tokayev met Xi Gohua, "
    "Chairman of CITIC Group, in Astana. They discussed oil refineries. KazMunayGas signed "
    "an agreement with Sinopec Engineering on Friday. The company was founded in 2002."
)
FAST = {"backoff_initial_s": 0.01, "backoff_max_s": 0.05}


def fault_extractor(server: FaultServer | ScriptedServer, **overrides: Any) -> Extractor:
    """An extractor pointed at the fault server, with short backoff unless overridden."""
    settings = load_settings(
        base_url=server.base_url, model="fault-server", **{**FAST, **overrides}
    )
    return Extractor(settings)


def prompts(server: FaultServer) -> str:
    """Every message sent to the server, as one string to search."""
    return json.dumps([request["messages"] for request in server.requests])
