"""Helpers for the service tests: an app on a fixture backend, and metric lookups."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from extractor import Extractor, load_settings
from extractor.service import create_app, load_service_settings

FAST_RETRIES: dict[str, Any] = {"backoff_initial_s": 0.01, "backoff_max_s": 0.05}


def build_app(base_url: str, *, service: dict[str, Any] | None = None, **settings: Any) -> FastAPI:
    """The service on `base_url` (a fixture server), with quick transport retries."""
    extractor = Extractor(
        load_settings(base_url=base_url, model="fixture", **{**FAST_RETRIES, **settings})
    )
    return create_app(extractor, load_service_settings(**(service or {})))


@contextmanager
def client_for(
    base_url: str, *, service: dict[str, Any] | None = None, **settings: Any
) -> Iterator[TestClient]:
    with TestClient(build_app(base_url, service=service, **settings)) as client:
        yield client


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 if absent."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0
