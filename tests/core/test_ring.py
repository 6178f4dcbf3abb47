"""Behaviour of hft.core.ring: SpscRing and MpmcRing, owned and in shared memory."""

from __future__ import annotations

import multiprocessing
import os
import struct
import threading
import uuid
from collections import deque
from multiprocessing.shared_memory import SharedMemory

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.core import _baseline_ring as loops
from hft.core.ring import (
    HEADER_SIZE, LAYOUT_VERSION, RING_MAGIC, SLOTS_OFFSET, MpmcRing, RingEmpty, RingError,
    RingFull, SpscRing,
)

KINDS = [SpscRing, MpmcRing]
RECORD = np.dtype([("seq", "<i8"), ("payload", "V48"), ("check", "<i8")])  # 64 bytes


def rec(i: int, size: int = 64) -> bytes:
    return i.to_bytes(8, "little") + bytes(size - 8)


def shm_name() -> str:
    return f"hft-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=KINDS, ids=["spsc", "mpmc"])
def kind(request):
    return request.param


@pytest.fixture
def shared(kind):
    ring = kind.create_shared(shm_name(), 8, 64)
    yield ring
    ring.close()
    ring.unlink()


# ---- single-threaded behaviour -----------------------------------------------------------

def test_records_come_out_in_push_order(kind):
    ring = kind(8, 64)
    for i in range(8):
        assert ring.push(rec(i)) is True
    assert [ring.pop() for _ in range(8)] == [rec(i) for i in range(8)]


def test_push_returns_false_when_full(kind):
    ring = kind(4, 16)
    assert all(ring.push(rec(i, 16)) for i in range(4))
    assert ring.push(rec(99, 16)) is False
    assert len(ring) == 4
    assert ring.pop() == rec(0, 16)     # the refused record did not overwrite anything


def test_pop_returns_none_when_empty(kind):
    ring = kind(4, 8)
    assert ring.pop() is None
    ring.push(rec(1, 8))
    ring.pop()
    assert ring.pop() is None
    assert ring.pop_into(bytearray(8)) is False


def test_popped_records_stay_intact_while_referenced_and_hash_by_content(kind):
    ring = kind(4, 8)
    kept = []
    for i in range(20):
        ring.push(rec(i, 8))
        kept.append(ring.pop())             # held: pop must not rewrite it
        ring.push(rec(100 + i, 8))
        hash(ring.pop())                    # dropped: pop may reuse it, hash must follow
    assert kept == [rec(i, 8) for i in range(20)]
    ring.push(rec(7, 8))
    assert {ring.pop(): 1} == {rec(7, 8): 1}


def test_wraps_around_many_times(kind):
    ring = kind(4, 8)
    expected = 0
    for i in range(3000):
        assert ring.push(rec(i, 8))
        if i % 3 == 2:
            for _ in range(3):
                assert ring.pop() == rec(expected, 8)
                expected += 1
    assert len(ring) == 0


def test_batches_wrap_around_and_keep_order(kind):
    ring = kind(8, 64)
    src = np.zeros(5, RECORD)
    out = np.zeros(5, RECORD)
    seq = 0
    for _ in range(50):
        src["seq"] = np.arange(seq, seq + 5)
        assert ring.push_batch(src) == 5
        assert ring.pop_batch(out) == 5
        assert out["seq"].tolist() == list(range(seq, seq + 5))
        seq += 5


def test_push_batch_stops_at_full_and_pop_batch_at_empty(kind):
    ring = kind(8, 64)
    src = np.arange(12 * 64, dtype=np.uint8).reshape(12, 64)
    assert ring.push_batch(src) == 8
    assert ring.push_batch(src) == 0
    out = np.zeros((12, 64), np.uint8)
    assert ring.pop_batch(out) == 8
    assert np.array_equal(out[:8], src[:8])
    assert ring.pop_batch(out) == 0


def test_accepts_any_bytes_like_record(kind):
    ring = kind(4, 16)
    ring.push(bytearray(rec(1, 16)))
    ring.push(memoryview(rec(2, 16)))
    ring.push(np.frombuffer(rec(3, 16), np.uint8))
    out = bytearray(16)
    assert ring.pop_into(out) and out == rec(1, 16)
    assert ring.pop_into(memoryview(out)) and out == rec(2, 16)
    assert ring.pop() == rec(3, 16)


def test_len_capacity_slot_size_and_repr(kind):
    ring = kind(16, 24)
    ring.push(bytes(24))
    assert (len(ring), ring.capacity, ring.slot_size, ring.name) == (1, 16, 24, None)
    assert kind.__name__ in repr(ring)


@pytest.mark.parametrize("capacity", [0, -4, 3, 6, 100, 1 << 41])
def test_capacity_must_be_a_power_of_two(kind, capacity):
    with pytest.raises(ValueError, match=r"capacity: .*power of two"):
        kind(capacity, 64)


@pytest.mark.parametrize("slot_size", [0, -8, 1, 7, 12, 63])
def test_slot_size_must_be_a_positive_multiple_of_8(kind, slot_size):
    with pytest.raises(ValueError, match=r"slot_size: .*multiple of 8"):
        kind(8, slot_size)


def test_sizes_must_be_ints(kind):
    with pytest.raises(TypeError, match="capacity"):
        kind(8.0, 64)
    with pytest.raises(TypeError, match="slot_size"):
        kind(8, "64")


@pytest.mark.parametrize("record", [b"", bytes(63), bytes(65), bytearray(8)])
def test_push_rejects_a_record_of_the_wrong_length(kind, record):
    ring = kind(8, 64)
    with pytest.raises(ValueError, match=r"record: \d+ bytes, expected 64"):
        ring.push(record)
    with pytest.raises(ValueError, match=r"record: \d+ bytes, expected 64"):
        ring.push_wait(record, 0.0)
    assert len(ring) == 0


def test_pop_into_rejects_a_short_or_read_only_buffer(kind):
    ring = kind(8, 64)
    ring.push(bytes(64))
    with pytest.raises(ValueError, match=r"record: 32 bytes, expected 64"):
        ring.pop_into(bytearray(32))
    with pytest.raises(ValueError, match="record: .*expected a writable contiguous buffer"):
        ring.pop_into(bytes(64))
    assert len(ring) == 1


@pytest.mark.parametrize("array", [
    np.zeros(64, np.uint8),                 # 1-D bytes, not records
    np.zeros((4, 32), np.uint8),            # wrong row length
    np.zeros((4, 8), np.int64),             # 2-D of 8-byte items
    np.zeros(4, np.dtype([("a", "<i8")])),  # 8-byte records
    np.zeros((2, 4, 64), np.uint8),         # 3-D
], ids=["flat", "short-rows", "int64-rows", "small-records", "3d"])
def test_batches_reject_arrays_of_the_wrong_shape(kind, array):
    ring = kind(8, 64)
    with pytest.raises(ValueError, match=r"records: shape .* expected a 1-D array of 64-byte"):
        ring.push_batch(array)
    with pytest.raises(ValueError, match=r"records: shape"):
        ring.pop_batch(array)


def test_batches_reject_non_contiguous_and_read_only_arrays(kind):
    ring = kind(8, 64)
    with pytest.raises(ValueError, match="records: .*expected a C-contiguous array"):
        ring.push_batch(np.zeros((8, 64), np.uint8)[::2])
    frozen = np.zeros((4, 64), np.uint8)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="records: .*expected a writable C-contiguous array"):
        ring.pop_batch(frozen)
    with pytest.raises(TypeError):
        ring.push_batch([bytes(64)])


@given(ops=st.lists(st.one_of(
    st.tuples(st.just("push"), st.integers(0, 2**63 - 1)),
    st.tuples(st.just("pop"), st.just(0)),
    st.tuples(st.just("push_batch"), st.integers(0, 11)),
    st.tuples(st.just("pop_batch"), st.integers(0, 11)),
)))
@pytest.mark.parametrize("ring_type", KINDS, ids=["spsc", "mpmc"])
def test_ring_behaves_like_a_bounded_deque(ring_type, ops):
    ring, model, seq = ring_type(8, 8), deque(), 0
    for op, arg in ops:
        if op == "push":
            fits = len(model) < 8
            assert ring.push(rec(arg, 8)) is fits
            if fits:
                model.append(rec(arg, 8))
        elif op == "pop":
            assert ring.pop() == (model.popleft() if model else None)
        elif op == "push_batch":
            batch = np.arange(seq, seq + arg, dtype="<i8").view(np.dtype("V8"))
            seq += arg
            pushed = ring.push_batch(batch)
            assert pushed == min(arg, 8 - len(model))
            model.extend(batch[:pushed].tobytes()[i * 8:i * 8 + 8] for i in range(pushed))
        else:
            out = np.zeros((arg, 8), np.uint8)
            popped = ring.pop_batch(out)
            assert popped == min(arg, len(model))
            assert [out[i].tobytes() for i in range(popped)] == [
                model.popleft() for _ in range(popped)]
        assert len(ring) == len(model)


# ---- lifetime: close, context manager, shared memory -------------------------------------

def test_closed_ring_refuses_every_operation(kind):
    ring = kind(8, 64)
    ring.close()
    ring.close()                            # a second close does nothing
    assert ring.closed
    for call in (lambda: ring.push(bytes(64)), ring.pop, lambda: len(ring),
                 lambda: ring.pop_into(bytearray(64)), lambda: ring.pop_wait(0),
                 lambda: ring.push_batch(np.zeros((1, 64), np.uint8))):
        with pytest.raises(ValueError, match="ring is closed"):
            call()


def test_context_manager_closes_the_ring(kind):
    with kind(8, 64) as ring:
        ring.push(bytes(64))
    assert ring.closed


def test_unlink_of_an_owned_ring_is_an_error(kind):
    with pytest.raises(ValueError, match="not in shared memory"):
        kind(8, 64).unlink()


def test_attached_handle_sees_records_of_the_creator(kind, shared):
    with kind.attach(shared.name, capacity=8, slot_size=64) as other:
        assert (other.capacity, other.slot_size, other.name) == (8, 64, shared.name)
        shared.push(rec(7))
        assert len(other) == 1
        assert other.pop() == rec(7)
        assert other.push(rec(8))
    assert shared.pop() == rec(8)


def test_unlink_removes_the_block(kind):
    ring = kind.create_shared(shm_name(), 8, 64)
    name = ring.name
    ring.close()
    ring.unlink()
    with pytest.raises(FileNotFoundError):
        kind.attach(name)


def _corrupt(name: str, offset: int, fmt: str, value: int) -> None:
    shm = SharedMemory(name=name)
    try:
        struct.pack_into(fmt, shm.buf, offset, value)
    finally:
        shm.close()


@pytest.mark.parametrize("field, offset, fmt, value", [
    ("magic", 0, "<Q", 0x1234),
    ("version", 8, "<I", LAYOUT_VERSION + 1),
    ("kind", 12, "<I", 7),
    ("capacity", 16, "<q", 6),
    ("slot_size", 24, "<q", 60),
    ("total_size", 32, "<q", 12345),
])
def test_attach_names_the_bad_header_field(kind, shared, field, offset, fmt, value):
    _corrupt(shared.name, offset, fmt, value)
    with pytest.raises(ValueError, match=rf"field '{field}' is {value if field != 'magic' else '0x'}"):
        kind.attach(shared.name)


def test_attach_refuses_the_other_ring_kind(kind, shared):
    other = MpmcRing if kind is SpscRing else SpscRing
    with pytest.raises(ValueError, match=r"field 'kind' is \d \((SPSC|MPMC)\), expected"):
        other.attach(shared.name)


@pytest.mark.parametrize("expected", [{"capacity": 16}, {"slot_size": 128}])
def test_attach_checks_the_expected_geometry(kind, shared, expected):
    field, value = next(iter(expected.items()))
    with pytest.raises(ValueError, match=rf"field '{field}' is \d+, expected {value}"):
        kind.attach(shared.name, **expected)


def test_attach_refuses_a_block_smaller_than_the_header_or_the_ring(kind):
    name = shm_name()
    shm = SharedMemory(name=name, create=True, size=64)
    try:
        with pytest.raises(ValueError, match="smaller than the 128-byte header"):
            kind.attach(name)
    finally:
        shm.close()
        shm.unlink()
    ring = kind.create_shared(shm_name(), 8, 64)
    try:
        # claim a larger ring in the header than the block holds
        _corrupt(ring.name, 16, "<q", 1024)
        size = SLOTS_OFFSET + 1024 * (64 if kind is SpscRing else 72)
        _corrupt(ring.name, 32, "<q", size)
        with pytest.raises(ValueError, match=f"smaller than the ring's total_size {size}"):
            kind.attach(ring.name)
    finally:
        ring.close()
        ring.unlink()


def test_header_holds_magic_version_kind_and_geometry(kind, shared):
    shm = SharedMemory(name=shared.name)
    try:
        header = bytes(shm.buf[:HEADER_SIZE])
    finally:
        shm.close()
    magic, version, kind_id, capacity, slot_size, total = struct.unpack_from("<QIIqqq", header)
    assert header[:8] == b"HFTRING\0" and magic == RING_MAGIC
    assert (version, kind_id, capacity, slot_size) == (LAYOUT_VERSION, 1 if kind is SpscRing else 2, 8, 64)
    assert total == SLOTS_OFFSET + 8 * (64 if kind is SpscRing else 72)
    assert header[40:] == bytes(HEADER_SIZE - 40)


# ---- blocking forms ----------------------------------------------------------------------

def test_push_wait_raises_ring_full_after_the_timeout(kind):
    ring = kind(2, 8)
    ring.push_wait(rec(1, 8), 0.0)
    ring.push_wait(rec(2, 8), 0.0)
    with pytest.raises(RingFull, match="full"):
        ring.push_wait(rec(3, 8), 0.01)
    assert issubclass(RingFull, RingError)
    assert [ring.pop(), ring.pop()] == [rec(1, 8), rec(2, 8)]


def test_pop_wait_raises_ring_empty_after_the_timeout(kind):
    ring = kind(2, 8)
    with pytest.raises(RingEmpty, match="empty"):
        ring.pop_wait(0.01)
    assert issubclass(RingEmpty, RingError)


def test_wait_timeout_must_not_be_negative(kind):
    ring = kind(2, 8)
    with pytest.raises(ValueError, match="timeout_s"):
        ring.pop_wait(-1.0)


def test_pop_wait_returns_a_record_pushed_by_another_thread(kind):
    ring = kind(2, 8)
    got = []
    consumer = threading.Thread(target=lambda: got.extend(ring.pop_wait(30.0) for _ in range(50)))
    consumer.start()
    for i in range(50):
        ring.push_wait(rec(i, 8), 30.0)     # waits without the GIL while the ring is full
    consumer.join()
    assert got == [rec(i, 8) for i in range(50)]


# ---- concurrency: threads in nogil loops, processes over shared memory -------------------

def test_two_threads_pass_ten_million_records_in_order():
    n = 10_000_000
    ring = SpscRing(1024, 64)
    result = []
    consumer = threading.Thread(target=lambda: result.append(loops.spsc_consume(ring, n)))
    producer = threading.Thread(target=loops.spsc_produce, args=(ring, n))
    consumer.start()
    producer.start()
    producer.join()
    consumer.join()
    assert result == [(n, -1)]
    assert len(ring) == 0


def test_mpmc_two_producers_two_consumers_deliver_each_record_exactly_once():
    n, producers = 500_000, 2
    ring = MpmcRing(256, 64)
    popped = np.zeros(1, np.int64)
    seen = [np.zeros((producers, n), np.uint8) for _ in range(2)]
    errors = []
    threads = [threading.Thread(target=loops.mpmc_produce, args=(ring, p, n))
               for p in range(producers)]
    threads += [threading.Thread(
        target=lambda s=s: errors.append(loops.mpmc_consume(ring, s, popped, producers * n)))
        for s in seen]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [0, 0]
    total = seen[0].astype(np.int64) + seen[1]
    assert (total == 1).all(), f"{(total == 0).sum()} lost, {(total > 1).sum()} duplicated"
    assert popped[0] == producers * n and len(ring) == 0


N_BATCH, N_SINGLE, CHUNK = 1_000_000, 2_000, 4096


def _records(start: int, stop: int) -> np.ndarray:
    out = np.zeros(stop - start, RECORD)
    out["seq"] = np.arange(start, stop)
    out["check"] = ~out["seq"]
    return out


def _shm_producer(name: str) -> None:
    ring = SpscRing.attach(name, slot_size=64)
    for start in range(0, N_BATCH, CHUNK):
        batch = _records(start, min(start + CHUNK, N_BATCH))
        sent = 0
        while sent < len(batch):
            k = ring.push_batch(batch[sent:])
            sent += k
            if k == 0:
                os.sched_yield()
    for i in range(N_BATCH, N_BATCH + N_SINGLE):
        ring.push_wait(_records(i, i + 1).tobytes(), 60.0)
    ring.close()


def _shm_consumer(name: str, results) -> None:
    ring = SpscRing.attach(name, slot_size=64)
    out = np.zeros(CHUNK, RECORD)
    got, bad = 0, 0
    while got < N_BATCH:
        k = ring.pop_batch(out[:min(CHUNK, N_BATCH - got)])
        if k == 0:
            os.sched_yield()
            continue
        seq = out["seq"][:k]
        bad += int((seq != np.arange(got, got + k)).sum() + (out["check"][:k] != ~seq).sum())
        got += k
    for i in range(N_BATCH, N_BATCH + N_SINGLE):
        r = np.frombuffer(ring.pop_wait(60.0), RECORD)[0]
        bad += int(r["seq"] != i or r["check"] != ~i)
        got += 1
    results.put((got, bad, ring.pop()))
    ring.close()


def test_producer_and_consumer_processes_share_a_ring_exactly_once_in_order():
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    with SpscRing.create_shared(shm_name(), 1024, 64) as ring:
        try:
            procs = [ctx.Process(target=_shm_consumer, args=(ring.name, results)),
                     ctx.Process(target=_shm_producer, args=(ring.name,))]
            for p in procs:
                p.start()
            outcome = results.get(timeout=120)
            for p in procs:
                p.join(timeout=60)
            assert [p.exitcode for p in procs] == [0, 0]
            assert outcome == (N_BATCH + N_SINGLE, 0, None)
            assert len(ring) == 0
        finally:
            ring.unlink()
