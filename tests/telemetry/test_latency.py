import numpy as np
import pytest
from hdrh.histogram import HdrHistogram
from hypothesis import given
from hypothesis import strategies as st

from hft.telemetry import LatencyRecorder

# 3 significant figures: a reported value is within 0.1 % of the exact one (plus 1 ns)
REL = 1e-3


def _lognormal(n, seed=7):
    return np.random.default_rng(seed).lognormal(9.0, 1.2, n).astype(np.int64)


def test_percentiles_match_numpy_within_hdr_precision():
    values = _lognormal(50_000)
    rec = LatencyRecorder("t")
    rec.record_many(values)
    p = rec.percentiles()
    for key, q in (("p50", 50), ("p90", 90), ("p99", 99), ("p99_9", 99.9)):
        exact = np.percentile(values, q, method="inverted_cdf")
        assert p[key + "_ns"] == pytest.approx(exact, rel=REL, abs=1)
        assert p[key + "_us"] == pytest.approx(p[key + "_ns"] / 1e3)
    assert p["max_ns"] == values.max()
    assert p["mean_ns"] == pytest.approx(values.mean(), rel=1e-12)
    assert p["count"] == len(values)


def test_c_recording_fills_the_same_counts_as_hdrh_record_value():
    values = _lognormal(5_000, seed=3)
    rec = LatencyRecorder("t")
    for v in values:
        rec.record(int(v))
    ref = HdrHistogram(1, int(60e9), 3)
    for v in values:
        ref.record_value(int(v))
    assert list(rec.histogram.counts) == list(ref.counts)
    assert rec.histogram.get_total_count() == ref.get_total_count()


@given(st.lists(st.integers(0, 10**10), min_size=1, max_size=200))
def test_record_and_record_many_agree(values):
    one, many = LatencyRecorder("a"), LatencyRecorder("b")
    for v in values:
        one.record(v)
    many.record_many(np.array(values, dtype=np.int64))
    assert one.percentiles() == many.percentiles()


@given(st.lists(st.integers(0, 10**9), max_size=100), st.lists(st.integers(0, 10**9), max_size=100))
def test_merge_equals_one_pass(a, b):
    ra, rb, both = LatencyRecorder("a"), LatencyRecorder("b"), LatencyRecorder("ab")
    ra.record_many(np.array(a, dtype=np.int64))
    rb.record_many(np.array(b, dtype=np.int64))
    both.record_many(np.array(a + b, dtype=np.int64))
    ra.merge(rb)
    pa, pb = ra.percentiles(), both.percentiles()
    assert pa.pop("mean_ns") == pytest.approx(pb.pop("mean_ns"))
    assert pa.pop("mean_us") == pytest.approx(pb.pop("mean_us"))
    assert pa == pb


def test_merge_refuses_a_recorder_with_other_precision():
    with pytest.raises(ValueError, match="significant_figures"):
        LatencyRecorder("a").merge(LatencyRecorder("b", significant_figures=2))


def test_reset_forgets_every_value():
    rec = LatencyRecorder("t")
    rec.record_many([5, 6, 7])
    rec.reset()
    assert rec.count == 0
    assert rec.percentiles()["p99_ns"] == 0
    rec.record(10)
    assert rec.percentiles()["max_ns"] == 10


def test_out_of_range_values_are_clamped_and_counted():
    rec = LatencyRecorder("t", highest_ns=1_000_000)
    rec.record(-5)
    rec.record(10**12)
    assert rec.clamped == 2
    p = rec.percentiles()
    assert p["max_ns"] == 1_000_000
    assert rec.value_at_percentile(0) == 0


def test_empty_recorder_reports_zeros():
    p = LatencyRecorder("t").percentiles()
    assert p["count"] == 0 and p["p50_ns"] == 0 and p["max_us"] == 0.0


def test_summary_line_names_the_recorder_and_percentiles_in_us():
    rec = LatencyRecorder("tick_to_order")
    rec.record_many([1000, 2000, 3000])
    line = rec.summary_line()
    assert line.startswith("tick_to_order: n=3 p50=2.0us")
    assert "max=3.0us" in line


@pytest.mark.parametrize(
    "kwargs, field",
    [({"lowest_ns": 0}, "lowest_ns"), ({"highest_ns": 1}, "highest_ns"),
     ({"significant_figures": 6}, "significant_figures")],
)
def test_constructor_names_the_bad_option(kwargs, field):
    with pytest.raises(ValueError, match=field):
        LatencyRecorder("t", **kwargs)


def test_value_at_percentile_rejects_out_of_range():
    with pytest.raises(ValueError, match="percentile"):
        LatencyRecorder("t").value_at_percentile(101)
