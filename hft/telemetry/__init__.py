"""Latency recorders (HDR histograms) and counters for a trading node; Prometheus text export."""

from hft.telemetry.latency import LatencyRecorder
from hft.telemetry.metrics import (
    ORDER_ROUND_TRIP,
    STANDARD_COUNTERS,
    STANDARD_RECORDERS,
    TICK_TO_ORDER,
    Counter,
    Telemetry,
)

__all__ = [
    "ORDER_ROUND_TRIP",
    "STANDARD_COUNTERS",
    "STANDARD_RECORDERS",
    "TICK_TO_ORDER",
    "Counter",
    "LatencyRecorder",
    "Telemetry",
]
