"""GET /metrics (Prometheus text format) and the API docs (/docs, /openapi.json).

The docs page loads Swagger UI from this server (the files fastapi-offline ships), not
from a CDN, so it works on a machine without internet.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from .metrics import CONTENT_TYPE, ServiceMetrics

OPENAPI_PATH = "/openapi.json"
DOCS_ASSETS_PATH = "/docs-assets"
_DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"


def ops_router(app: FastAPI, metrics: ServiceMetrics) -> APIRouter:
    router = APIRouter(tags=["operations"])
    app.mount(DOCS_ASSETS_PATH, StaticFiles(directory=_DOCS_ASSETS), name="docs-assets")

    @router.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
        summary="Prometheus metrics",
    )
    async def metrics_text() -> Response:
        """Requests by route and status, latency, extractions by outcome, tokens, retries."""
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    @router.get(OPENAPI_PATH, include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @router.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_PATH,
            title=f"{app.title} API",
            swagger_js_url=f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS_PATH}/favicon.png",
        )

    return router
