import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.backtest.stream import DataStream


def _records(ts, tag):
    """64-byte rows with ts_event at byte 8 and a tag at byte 56 to tell sources apart."""
    out = np.zeros((len(ts), 64), dtype=np.uint8)
    out[:, 8:16] = np.asarray(ts, dtype="<i8").view(np.uint8).reshape(-1, 8)
    out[:, 56:64] = np.asarray([tag * 1_000_000 + i for i in range(len(ts))], dtype="<u8").view(np.uint8).reshape(-1, 8)
    return out


def _chunked(arr, size):
    return [arr[i:i + size] for i in range(0, len(arr), size)]


def _ts(rows):
    return rows[:, 8:16].copy().view("<i8").ravel()


def _tags(rows):
    return rows[:, 56:64].copy().view("<u8").ravel()


def test_merge_orders_by_timestamp_and_keeps_source_order_on_ties():
    a = _records([1, 3, 3, 7], tag=1)
    b = _records([2, 3, 8], tag=2)
    rows = DataStream([_chunked(a, 2), _chunked(b, 1)]).read()
    assert list(_ts(rows)) == [1, 2, 3, 3, 3, 7, 8]
    # ties at ts=3: source 0's rows first, in their own order, then source 1's
    assert list(_tags(rows)) == [1_000_000, 2_000_000, 1_000_001, 1_000_002, 2_000_001,
                                 1_000_003, 2_000_002]


def test_empty_sources_and_empty_chunks_are_skipped():
    a = _records([5, 6], tag=1)
    s = DataStream([[], [a[:0], a, a[:0]], iter(())])
    assert list(_ts(s.read())) == [5, 6]
    assert s.count == 2
    assert s.next_ts() is None


def test_rejects_rows_that_are_not_64_bytes():
    with pytest.raises(ValueError, match="64-byte"):
        DataStream([[np.zeros((3, 32), dtype=np.uint8)]]).read()


@given(st.lists(st.lists(st.integers(0, 50), max_size=30), min_size=1, max_size=6),
       st.integers(1, 7))
def test_merge_equals_a_stable_sort_of_all_sources(lists, chunk):
    sources = [_records(sorted(ts), tag=i) for i, ts in enumerate(lists)]
    rows = DataStream([_chunked(s, chunk) for s in sources]).read()
    everything = np.concatenate(sources) if sources else np.zeros((0, 64), np.uint8)
    # reference: stable sort on (ts, source index) keeps each source's own order
    src = np.concatenate([np.full(len(s), i) for i, s in enumerate(sources)])
    order = np.lexsort((np.arange(len(everything)), src, _ts(everything)))
    assert np.array_equal(rows, everything[order])
