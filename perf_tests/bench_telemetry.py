"""Telemetry: ns per latency record (one Python call into the C recorder) against appending
the value to a Python list, measured in the same run. No target: the figure is for the report."""

from hft.telemetry import LatencyRecorder
from perf_tests._figures import best_seconds, pedantic_min, record

N = 200_000


def test_record_ns(benchmark):
    rec = LatencyRecorder("bench")
    values = [1_000 + (i * 7919) % 500_000 for i in range(N)]

    def ours():
        r = rec.record
        for v in values:
            r(v)

    def baseline():
        out = []
        a = out.append
        for v in values:
            a(v)

    ours_s = pedantic_min(benchmark, ours)
    base_s = best_seconds(baseline)
    ns, base_ns = ours_s / N * 1e9, base_s / N * 1e9
    record("telemetry.record_ns", ns, "ns", baseline=base_ns, ratio=base_ns / ns)
    assert rec.count == N * 6
