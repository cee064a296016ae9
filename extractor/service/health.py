"""GET /healthz (the process is up) and GET /readyz (the LLM backend answers); no auth."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .models import Health
from .readiness import Readiness

NOT_READY_RETRY_AFTER_S = 5


def health_router(readiness: Readiness) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", response_model=Health, summary="The process is up")
    async def healthz() -> Health:
        return Health(status="ok")

    @router.get(
        "/readyz",
        response_model=Health,
        responses={503: {"model": Health, "description": "the backend does not answer"}},
        summary="The LLM backend answers",
    )
    async def readyz() -> Health | JSONResponse:
        """Ready if the backend answered an extraction recently or answers a bounded probe."""
        ready, reason = await readiness.check()
        if ready:
            return Health(status="ready", reason=reason)
        body = Health(status="not_ready", reason=reason).model_dump(mode="json")
        return JSONResponse(
            body, status_code=503, headers={"retry-after": str(NOT_READY_RETRY_AFTER_S)}
        )

    return router
