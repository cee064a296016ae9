"""GET /metrics (Prometheus text format) and the API docs (/docs, /openapi.json)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from .metrics import CONTENT_TYPE, ServiceMetrics

OPENAPI_PATH = "/openapi.json"


def ops_router(app: FastAPI, metrics: ServiceMetrics) -> APIRouter:
    router = APIRouter(tags=["operations"])

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
        return get_swagger_ui_html(openapi_url=OPENAPI_PATH, title=f"{app.title} API")

    return router
