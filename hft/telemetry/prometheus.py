"""Export a node's Telemetry to Prometheus with prometheus_client: a collector and an
opt-in HTTP endpoint on 127.0.0.1.

    server = start_metrics_server(node.telemetry, port=9464)   # GET http://127.0.0.1:9464/
    ...
    server.close()

Recorders form one summary, `<ns>_latency_seconds{recorder="..."}` with quantiles
0.5/0.9/0.99/0.999 (HDR histogram, 3 significant figures) plus `_sum` and `_count`, and a
gauge `<ns>_latency_max_seconds{recorder="..."}`; each counter is `<ns>_<name>_total`.
Values are read when Prometheus scrapes, so the node's hot path never formats anything.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

_QUANTILES = (("0.5", "p50_ns"), ("0.9", "p90_ns"), ("0.99", "p99_ns"), ("0.999", "p99_9_ns"))


class TelemetryCollector:
    """A prometheus_client collector over a `hft.telemetry.Telemetry`."""

    def __init__(self, telemetry: Any) -> None:
        self.telemetry = telemetry

    def collect(self) -> Iterator[Metric]:
        """Yield the latency summary, the max gauge and one counter per telemetry counter."""
        t = self.telemetry
        ns = t.namespace
        summary = Metric(f"{ns}_latency_seconds", "Latency by recorder (HDR histogram, 3 figures).",
                         "summary")
        maxes = GaugeMetricFamily(f"{ns}_latency_max_seconds",
                                  "Largest latency recorded, by recorder.", labels=["recorder"])
        for name, rec in t.recorders.items():
            p = rec.percentiles()
            for q, key in _QUANTILES:  # an empty summary's quantiles are NaN by convention
                value = p[key] / 1e9 if p["count"] else math.nan
                summary.add_sample(f"{ns}_latency_seconds", {"recorder": name, "quantile": q}, value)
            summary.add_sample(f"{ns}_latency_seconds_sum", {"recorder": name},
                               p["mean_ns"] * p["count"] / 1e9)
            summary.add_sample(f"{ns}_latency_seconds_count", {"recorder": name}, p["count"])
            maxes.add_metric([name], p["max_ns"] / 1e9)
        yield summary
        yield maxes
        for name, value in t.counters.items():
            yield CounterMetricFamily(f"{ns}_{name}", f"Count of {name}.", value=value)


def registry_for(telemetry: Any) -> CollectorRegistry:
    """Return a fresh registry holding only this telemetry's collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(TelemetryCollector(telemetry))
    return registry


def exposition(telemetry: Any) -> str:
    """Return the telemetry in the Prometheus text exposition format."""
    return generate_latest(registry_for(telemetry)).decode()


class MetricsServer:
    """A running metrics endpoint; `port` is the bound port, `close()` stops it."""

    def __init__(self, server: Any, thread: Any) -> None:
        self._server, self._thread = server, thread
        self.host, self.port = server.server_address[:2]

    @property
    def url(self) -> str:
        """The endpoint's URL."""
        return f"http://{self.host}:{self.port}/metrics"

    def close(self) -> None:
        """Stop serving and wait for the server thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_metrics_server(telemetry: Any, port: int = 0, host: str = "127.0.0.1",
                         allow_remote: bool = False) -> MetricsServer:
    """Serve the telemetry over HTTP in a background thread; port 0 picks a free port.

    Raises ValueError for a non-loopback host unless allow_remote: metrics name the venue and
    the strategies, so they stay on this machine by default.
    """
    if not allow_remote:
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError(f"metrics: host {host!r} is not a loopback address; pass "
                             f"allow_remote=True to expose metrics beyond this machine")
    server, thread = start_http_server(port, addr=host, registry=registry_for(telemetry))
    return MetricsServer(server, thread)
