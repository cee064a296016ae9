"""`extractor serve`: the extraction service over HTTP (FastAPI on uvicorn)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from ..errors import BackendUnavailable
from ..pipeline import Extractor
from .options import BaseUrl, MaxReasks, Model, settings_from

log = logging.getLogger("extractor.service")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    host: Annotated[
        str | None,
        typer.Option(
            "--host", help="Address to listen on (EXTRACTOR_SERVE_HOST), default 127.0.0.1."
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port (EXTRACTOR_SERVE_PORT), default 8000.")
    ] = None,
    base_url: BaseUrl = None,
    model: Model = None,
    max_reasks: MaxReasks = None,
) -> None:
    """Serve extraction over HTTP until stopped (Ctrl-C or SIGTERM finish in-flight requests).

    POST /v1/extract {"text": ..., "published"?: "YYYY-MM-DD", "id"?: ...} returns
    one result; POST /v1/extract/batch {"articles": [...]} one record per article.
    GET /healthz, /readyz, /metrics (Prometheus) and /docs (OpenAPI). Logs are
    JSON lines on stderr. Limits: EXTRACTOR_SERVE_* variables; auth:
    EXTRACTOR_API_TOKEN.

    Examples:

      extractor serve

      curl -s localhost:8000/v1/extract -H 'content-type: application/json' \\
        -d @<(jq -Rs '{text: .}' seeds/000_0cd24d71fac579ce.txt)
    """
    import uvicorn

    from ..service import create_app, load_service_settings
    from ..service.access_log import configure_logging

    settings = settings_from(base_url=base_url, model=model, max_reasks=max_reasks)
    service = load_service_settings(host=host, port=port)
    secrets = [s.get_secret_value() for s in (settings.api_key, settings.api_token) if s]
    configure_logging(secrets=secrets)
    extractor = Extractor(settings)
    try:
        extractor.connect()  # starts the embedded model server; a wrong setting stops us here
    except BackendUnavailable as exc:
        log.warning("the backend does not answer yet (/readyz says so until it does): %s", exc)
    except BaseException:
        extractor.close()
        raise
    if settings.api_token is None and service.host not in LOOPBACK:
        log.warning(
            "EXTRACTOR_API_TOKEN is not set: anyone who reaches %s may call it", service.host
        )
    config = uvicorn.Config(
        create_app(extractor, service),
        host=service.host,
        port=service.port,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=int(service.graceful_shutdown_s),
    )
    uvicorn.Server(config).run()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
