import re

import pytest

from hft.telemetry import STANDARD_COUNTERS, STANDARD_RECORDERS, Telemetry


def test_starts_with_the_standard_recorders_and_counters():
    t = Telemetry()
    assert list(t.recorders) == list(STANDARD_RECORDERS)
    assert t.counters == {name: 0 for name in STANDARD_COUNTERS}


def test_recorder_and_counter_are_created_once_and_reused():
    t = Telemetry()
    assert t.recorder("x") is t.recorder("x")
    assert t.handler("ema") is t.recorder("handler.ema")
    t.inc("fills", 3)
    t.counter("fills").inc()
    assert t.counters["fills"] == 4


def test_counter_refuses_negative_increment_and_bad_name():
    t = Telemetry()
    with pytest.raises(ValueError, match="increment"):
        t.inc("orders", -1)
    with pytest.raises(ValueError, match="counter name"):
        t.counter("bad name")


def test_format_table_lists_every_recorder_and_counter():
    t = Telemetry()
    t.recorder("tick_to_order").record_many([1000, 2000, 3000])
    t.inc("orders", 7)
    table = t.format_table()
    row = next(line for line in table.splitlines() if line.startswith("tick_to_order"))
    assert row.split() == ["tick_to_order", "3", "2.0", "3.0", "3.0", "3.0", "3.0", "2.0"]
    assert re.search(r"^orders\s+7$", table, re.M)


def test_reset_zeroes_recorders_and_counters():
    t = Telemetry()
    t.recorder("tick_to_order").record(5)
    t.inc("rejects")
    t.reset()
    assert t.recorder("tick_to_order").count == 0
    assert t.counters["rejects"] == 0




def test_prometheus_text_is_well_formed_and_carries_the_figures():
    from prometheus_client.parser import text_string_to_metric_families

    t = Telemetry()
    t.recorder("tick_to_order").record_many([1000, 2000, 3000])
    t.recorder('we"ird\\name')
    t.inc("fills", 2)
    families = {f.name: f for f in text_string_to_metric_families(t.to_prometheus())}
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in families.values() for s in f.samples}
    assert families["hft_latency_seconds"].type == "summary"
    assert samples[("hft_latency_seconds", (("quantile", "0.5"), ("recorder", "tick_to_order")))] == 2e-06
    assert samples[("hft_latency_seconds_count", (("recorder", "tick_to_order"),))] == 3
    assert ("hft_latency_seconds_count", (("recorder", 'we"ird\\name'),)) in samples
    empty = samples[("hft_latency_seconds", (("quantile", "0.99"), ("recorder", "order_round_trip")))]
    assert empty != empty  # NaN: an empty summary has no quantiles
    assert families["hft_fills"].type == "counter"
    assert samples[("hft_fills_total", ())] == 2


def test_metrics_endpoint_serves_the_telemetry_on_loopback_only():
    import urllib.request

    import pytest

    from hft.telemetry.prometheus import start_metrics_server

    t = Telemetry()
    t.recorder("tick_to_order").record(5000)
    t.inc("orders", 7)
    server = start_metrics_server(t, port=0)
    try:
        text = urllib.request.urlopen(server.url, timeout=5).read().decode()
    finally:
        server.close()
    assert 'hft_orders_total 7.0' in text
    assert 'hft_latency_seconds_count{recorder="tick_to_order"} 1.0' in text
    with pytest.raises(ValueError, match="not a loopback address"):
        start_metrics_server(t, port=0, host="0.0.0.0")
