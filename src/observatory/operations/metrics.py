"""Metrics in Prometheus's text format, with prometheus_client (the Prometheus project's own
Python library). Why not django-prometheus: it instruments every model and database call
(more series than anyone reads here, and its own migrations check), while what the service
must show is a handful of series: requests, latency, queue depth, job durations and OCR
pages. Those are a few lines on the library it is itself built on.

Web processes under gunicorn share their figures through prometheus_client's multiprocess
mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``observatory serve``). Queue figures are read
from the database at scrape time, so any web process answers for the whole cluster. Job
durations and OCR pages are counted in the worker that runs them and served by the worker
itself (``observatory worker --metrics-port``), because workers live on other machines."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter("observatory_http_requests_total", "HTTP requests answered",
                   ["method", "route", "status"])
LATENCY = Histogram("observatory_http_request_duration_seconds", "Time to answer a request",
                    ["route"], buckets=(.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
JOB_DURATION = Histogram("observatory_task_duration_seconds", "Background task run time",
                         ["task", "status"],
                         buckets=(.1, .5, 1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600))
OCR_PAGES = Counter("observatory_ocr_pages_total", "Pages read by OCR")


class QueueCollector(Collector):
    """Queue depth and worker liveness, read from the database when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from .queue import queue_summary

        summary = queue_summary()
        depth = GaugeMetricFamily("observatory_queue_tasks", "Background tasks by state",
                                  labels=["queue", "status"])
        for (queue, status), count in sorted(summary.counts.items()):
            depth.add_metric([queue, status], count)
        yield depth
        yield GaugeMetricFamily("observatory_queue_oldest_ready_seconds",
                                "Age of the oldest task waiting to run",
                                value=summary.oldest_ready_seconds)
        yield GaugeMetricFamily("observatory_workers_alive",
                                "Workers that sent a heartbeat within the lease",
                                value=summary.workers_alive)


def exposition() -> tuple[bytes, str]:
    """This process's series (or, under gunicorn, every web process's), then the queue's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        own = CollectorRegistry()
        multiprocess.MultiProcessCollector(own)
    else:
        from prometheus_client import REGISTRY as own
    queue = CollectorRegistry()
    queue.register(QueueCollector())
    return generate_latest(own) + generate_latest(queue), CONTENT_TYPE_LATEST


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(route).observe(seconds)


def count_ocr_page() -> None:
    OCR_PAGES.inc()


def observe_job(task: str, status: str, seconds: float) -> None:
    JOB_DURATION.labels(task, status).observe(seconds)


def serve_worker_metrics(port: int, addr: str = "127.0.0.1") -> Any:
    """A worker's own /metrics (job durations, OCR pages) on ``addr:port``."""
    from prometheus_client import REGISTRY, start_http_server

    return start_http_server(port, addr=addr, registry=REGISTRY)
