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


_SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-z_]+="(?:[^"\\\n]|\\.)*"(,[a-z_]+="(?:[^"\\\n]|\\.)*")*\})? \S+$')


def test_prometheus_text_is_well_formed_and_carries_the_figures():
    t = Telemetry()
    t.recorder("tick_to_order").record_many([1000, 2000, 3000])
    t.recorder('we"ird\\name')
    t.inc("fills", 2)
    text = t.to_prometheus()
    assert text.endswith("\n")
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or _SAMPLE.match(line), line
    assert 'hft_latency_seconds{recorder="tick_to_order",quantile="0.5"} 2e-06' in text
    assert 'hft_latency_seconds_count{recorder="tick_to_order"} 3' in text
    assert 'recorder="we\\"ird\\\\name"' in text
    assert 'hft_latency_seconds{recorder="order_round_trip",quantile="0.99"} NaN' in text
    assert "# TYPE hft_fills_total counter\nhft_fills_total 2\n" in text
