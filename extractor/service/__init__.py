"""`extractor serve`: the extractor as an HTTP service (FastAPI on uvicorn)."""

from .app import create_app
from .settings import ServiceSettings, load_service_settings

__all__ = ["ServiceSettings", "create_app", "load_service_settings"]
