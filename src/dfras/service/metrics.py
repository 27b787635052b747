"""Prometheus metrics (``GET /metrics``): requests, latency, cache, compute time, jobs."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

REQUESTS = Counter(
    "dfras_http_requests_total",
    "HTTP requests by method, route template and status",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "dfras_http_request_seconds",
    "HTTP request latency by route template",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
CACHE = Counter(
    "dfras_cache_lookups_total", "Response cache lookups", ["kind", "result"], registry=REGISTRY
)
COMPUTE = Histogram(
    "dfras_compute_seconds",
    "Time computing uncached answers, by kind",
    ["kind"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60),
    registry=REGISTRY,
)
JOBS = Gauge("dfras_jobs_active", "Background jobs queued or running", registry=REGISTRY)
