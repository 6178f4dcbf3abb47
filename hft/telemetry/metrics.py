"""Keep a node's named latency recorders and counters; print them and export Prometheus text.

Prometheus export (text and an HTTP endpoint) goes through prometheus_client, in
hft.telemetry.prometheus.
"""

from __future__ import annotations

import re

from hft.telemetry.latency import PERCENTILES, LatencyRecorder

TICK_TO_ORDER = "tick_to_order"
ORDER_ROUND_TRIP = "order_round_trip"
HANDLER_PREFIX = "handler."
STANDARD_RECORDERS = (TICK_TO_ORDER, ORDER_ROUND_TRIP)
STANDARD_COUNTERS = ("orders", "fills", "rejects", "reconnects", "conflations")

_METRIC_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


class Counter:
    """Count events of one kind (orders sent, fills, reconnects ...); never decreases."""

    __slots__ = ("name", "value")

    def __init__(self, name: str) -> None:
        self.name = name
        self.value = 0

    def inc(self, n: int = 1) -> None:
        """Add n (>= 0) to the count."""
        if n < 0:
            raise ValueError(f"counter {self.name!r}: increment is {n}, expected >= 0")
        self.value += n

    def __repr__(self) -> str:
        return f"Counter({self.name!r}, value={self.value})"


def _check_counter_name(name: str) -> None:
    if not _METRIC_NAME.match(name):
        raise ValueError(f"counter name is {name!r}, expected letters, digits and '_' "
                         f"(not starting with a digit)")


class Telemetry:
    """Hold a node's latency recorders and counters by name.

    Starts with the recorders `tick_to_order` (frame received to order frame written) and
    `order_round_trip` (order sent to acknowledged), and the counters orders, fills, rejects,
    reconnects and conflations; `handler(strategy_id)` gives the per-strategy handler-time
    recorder. Recorder options (lowest_ns, highest_ns, significant_figures) apply to every
    recorder it creates.
    """

    def __init__(self, namespace: str = "hft", *, lowest_ns: int = 1,
                 highest_ns: int | float = 60e9, significant_figures: int = 3) -> None:
        _check_counter_name(namespace)
        self.namespace = namespace
        self._options = dict(lowest_ns=lowest_ns, highest_ns=highest_ns,
                             significant_figures=significant_figures)
        self._recorders: dict[str, LatencyRecorder] = {}
        self._counters: dict[str, Counter] = {}
        for name in STANDARD_RECORDERS:
            self.recorder(name)
        for name in STANDARD_COUNTERS:
            self.counter(name)

    def recorder(self, name: str) -> LatencyRecorder:
        """Return the latency recorder called name, creating it on first use."""
        rec = self._recorders.get(name)
        if rec is None:
            if not name:
                raise ValueError("recorder name is empty, expected a non-empty string")
            rec = self._recorders[name] = LatencyRecorder(name, **self._options)
        return rec

    def handler(self, strategy_id: str) -> LatencyRecorder:
        """Return the handler-time recorder of one strategy (`handler.<strategy_id>`)."""
        return self.recorder(HANDLER_PREFIX + str(strategy_id))

    def counter(self, name: str) -> Counter:
        """Return the counter called name, creating it on first use."""
        c = self._counters.get(name)
        if c is None:
            _check_counter_name(name)
            c = self._counters[name] = Counter(name)
        return c

    def inc(self, name: str, n: int = 1) -> None:
        """Add n to the counter called name."""
        self.counter(name).inc(n)

    @property
    def recorders(self) -> dict[str, LatencyRecorder]:
        """Return a copy of the name -> recorder map, in creation order."""
        return dict(self._recorders)

    @property
    def counters(self) -> dict[str, int]:
        """Return name -> current value of every counter, in creation order."""
        return {name: c.value for name, c in self._counters.items()}

    def reset(self) -> None:
        """Zero every recorder and counter (names are kept)."""
        for rec in self._recorders.values():
            rec.reset()
        for c in self._counters.values():
            c.value = 0

    def summary_lines(self) -> list[str]:
        """Return one summary line per recorder that has values."""
        return [r.summary_line() for r in self._recorders.values() if r.count]

    def format_table(self) -> str:
        """Return a fixed-width table of every recorder (µs) followed by every counter."""
        head = (f"{'latency (us)':<24}{'count':>10}{'p50':>10}{'p90':>10}{'p99':>10}"
                f"{'p99.9':>10}{'max':>10}{'mean':>10}")
        lines = [head, "-" * len(head)]
        for name, rec in self._recorders.items():
            p = rec.percentiles()
            lines.append(
                f"{name:<24}{p['count']:>10}" + "".join(
                    f"{p[k + '_us']:>10.1f}" for k in ("p50", "p90", "p99", "p99_9", "max",
                                                        "mean")))
        lines.append("")
        lines += [f"{name:<24}{c.value:>10}" for name, c in self._counters.items()]
        return "\n".join(lines)

    def to_prometheus(self) -> str:
        """Return every recorder and counter in the Prometheus text exposition format.

        See hft.telemetry.prometheus (prometheus_client) for the metric names; the same
        collector backs the HTTP endpoint `start_metrics_server`.
        """
        from hft.telemetry.prometheus import exposition

        return exposition(self)

    def __repr__(self) -> str:
        return (f"Telemetry({self.namespace!r}, recorders={list(self._recorders)}, "
                f"counters={self.counters})")
