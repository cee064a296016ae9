"""The app factory: routes, auth, limits, error mapping, metrics, logs and lifetime."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from ..pipeline import Extractor
from .access_log import RequestObserverMiddleware
from .auth import require_token
from .health import health_router
from .limits import BodySizeLimitMiddleware
from .metrics import ServiceMetrics
from .models import Problem
from .ops import ops_router
from .problems import InternalErrorMiddleware, install_handlers
from .readiness import Readiness
from .routes import extraction_router
from .runner import Runner
from .settings import ServiceSettings, load_service_settings

log = logging.getLogger("extractor.service")

DESCRIPTION = """Typed, source-grounded events from news articles.

POST an article to `/v1/extract`, or several to `/v1/extract/batch`. Errors
carry a Problem body with a stable `error` code; 503 comes with Retry-After.
"""


def create_app(
    extractor: Extractor | None = None,
    settings: ServiceSettings | None = None,
    *,
    close_extractor: bool = True,
) -> FastAPI:
    """The HTTP service around `extractor` (default: configured from EXTRACTOR_* variables).

    On shutdown, after in-flight requests finish, the extractor is closed (which
    stops an embedded model server this process started) unless `close_extractor`
    is False.
    """
    settings = settings or load_service_settings()
    extractor = extractor or Extractor()
    metrics = ServiceMetrics()
    readiness = Readiness(extractor, settings.ready_probe_timeout_s, settings.ready_recent_s)
    runner = Runner(extractor, settings, metrics, readiness)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if close_extractor:
            log.info("closing the extractor")
            await asyncio.to_thread(extractor.close)

    app = FastAPI(
        title="extractor",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    token = extractor.settings.api_token
    guarded: dict[str, Any] = {}
    if token is not None:
        unauthorized = {"model": Problem, "description": "missing or wrong bearer token"}
        guarded = {
            "dependencies": [Depends(require_token(token))],
            "responses": {401: unauthorized},
        }
    app.include_router(health_router(readiness))
    app.include_router(extraction_router(runner), **guarded)
    app.include_router(ops_router(app, metrics), **guarded)
    install_handlers(app)
    # Starlette puts the last added outermost: observe -> body limit -> catch-all -> routes.
    app.add_middleware(InternalErrorMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestObserverMiddleware, metrics=metrics)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("extractor")
    except PackageNotFoundError:
        return "0"
