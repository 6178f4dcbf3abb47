"""Ring throughput: nogil threads, one record per Python call, and two processes.

Every figure is measured with its baseline in the same run:
- ring.spsc_threads   SpscRing vs a textbook C11 SPSC ring (hft.core._baseline_ring), both
                      driven by the same nogil producer/consumer loops in two threads.
- ring.py_push_pop    push+pop of a 64-byte bytes from Python vs deque append+popleft.
- ring.shm_processes  a Python producer and consumer process over a shared SpscRing, one
                      record per call, vs the same over multiprocessing.Queue.
- ring.shm_batch      numpy batch push/pop between two processes (no baseline).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid
from collections import deque

import numpy as np

from hft.core import _baseline_ring as loops
from hft.core.ring import SpscRing
from perf_tests._figures import best_seconds, pedantic_min, record

RECORD = bytes(range(64))
THREAD_N = 5_000_000
THREAD_CAPACITY = 1024
PY_N = 50_000             # short runs, many interleaved rounds: the minimum dodges noise
SHM_N = 500_000             # one record per call, in both the ring and the Queue runs
SHM_CAPACITY = 4096
BATCH_N = 20_000_000
BATCH_CAPACITY = 1 << 16
CHUNK = 4096


# ---- ring.spsc_threads -------------------------------------------------------------------

_CPUS = sorted(os.sched_getaffinity(0))


def _on_cpu(index: int, fn, *args):
    # pin this thread: consumer and producer on two different CPUs in every round, for the
    # ring and its baseline alike (left to the scheduler, the pair sometimes shared a core and
    # ran ~2x faster, and whichever side drew that round won the ratio)
    if len(_CPUS) >= 2:
        os.sched_setaffinity(threading.get_native_id(), {_CPUS[index % len(_CPUS)]})
    return fn(*args)


def _two_threads(produce, consume, ring, n: int) -> None:
    result = []
    consumer = threading.Thread(target=lambda: result.append(_on_cpu(0, consume, ring, n)))
    producer = threading.Thread(target=_on_cpu, args=(1, produce, ring, n))
    consumer.start()
    producer.start()
    producer.join()
    consumer.join()
    good = result[0][0] if isinstance(result[0], tuple) else result[0]
    assert good == n, f"{n - good} records lost or out of order"


def test_spsc_threads(benchmark):
    ring = SpscRing(THREAD_CAPACITY, 64)
    plain = loops.PlainSpscRing(THREAD_CAPACITY)
    def run_base():
        _two_threads(loops.plain_produce, loops.plain_consume, plain, THREAD_N)

    def run_ring():
        _two_threads(loops.spsc_produce, loops.spsc_consume, ring, THREAD_N)

    # the host's speed drifts over seconds: time baseline and ring in alternation, so each
    # gets the same chances at a fast window (the best of each is compared)
    base_s = ring_s = float("inf")
    for _ in range(3):
        base_s = min(base_s, best_seconds(run_base, repeat=1, warmup=0))
        ring_s = min(ring_s, best_seconds(run_ring, repeat=1, warmup=0))
    ring_s = min(ring_s, pedantic_min(benchmark, run_ring, rounds=2))
    value, baseline = THREAD_N / ring_s, THREAD_N / base_s
    record("ring.spsc_threads", value, "msgs/s", baseline=baseline, ratio=value / baseline,
           target="ratio >= 0.7")
    assert value / baseline >= 0.7


# ---- ring.py_push_pop --------------------------------------------------------------------

def test_py_push_pop(benchmark):
    ring = SpscRing(8, 64)
    push, pop = ring.push, ring.pop
    d = deque()
    append, popleft = d.append, d.popleft
    rec = RECORD

    def ring_pairs():
        for _ in range(PY_N):
            push(rec)
            pop()

    def deque_pairs():
        for _ in range(PY_N):
            append(rec)
            popleft()

    # interleave the two so both see the same machine load
    base_s = ring_s = float("inf")
    for _ in range(30):
        base_s = min(base_s, best_seconds(deque_pairs, repeat=1, warmup=0))
        ring_s = min(ring_s, best_seconds(ring_pairs, repeat=1, warmup=0))
    ring_s = min(ring_s, pedantic_min(benchmark, ring_pairs, rounds=10))
    value, baseline = PY_N / ring_s, PY_N / base_s
    record("ring.py_push_pop", value, "ops/s", baseline=baseline, ratio=value / baseline,
           target="ratio >= 0.7")
    assert value / baseline >= 0.7


# ---- ring.shm_processes and ring.shm_batch: children run these (spawn imports them) ------

def _ring_producer(name: str, n: int, start) -> None:
    ring = SpscRing.attach(name, slot_size=64)
    push, rec = ring.push, RECORD
    start.wait()
    for _ in range(n):
        while not push(rec):
            pass
    ring.close()


def _ring_consumer(name: str, n: int, start, results) -> None:
    ring = SpscRing.attach(name, slot_size=64)
    pop = ring.pop
    start.wait()
    t0 = time.perf_counter()
    got = 0
    while got < n:
        if pop() is not None:
            got += 1
    results.put(time.perf_counter() - t0)
    ring.close()


def _queue_producer(q, n: int, start) -> None:
    put, rec = q.put, RECORD
    start.wait()
    for _ in range(n):
        put(rec)


def _queue_consumer(q, n: int, start, results) -> None:
    get = q.get
    start.wait()
    t0 = time.perf_counter()
    for _ in range(n):
        get()
    results.put(time.perf_counter() - t0)


def _batch_producer(name: str, n: int, start) -> None:
    ring = SpscRing.attach(name, slot_size=64)
    push_batch = ring.push_batch
    chunk = np.frombuffer(RECORD * CHUNK, np.uint8).reshape(CHUNK, 64).copy()
    start.wait()
    sent = 0
    while sent < n:
        k = push_batch(chunk if n - sent >= CHUNK else chunk[:n - sent])
        sent += k
        if k == 0:
            os.sched_yield()
    ring.close()


def _batch_consumer(name: str, n: int, start, results) -> None:
    ring = SpscRing.attach(name, slot_size=64)
    pop_batch = ring.pop_batch
    out = np.zeros((CHUNK, 64), np.uint8)
    start.wait()
    t0 = time.perf_counter()
    got = 0
    while got < n:
        k = pop_batch(out if n - got >= CHUNK else out[:n - got])
        got += k
        if k == 0:
            os.sched_yield()
    elapsed = time.perf_counter() - t0
    results.put(elapsed if out[-1].tobytes() == RECORD else -1.0)
    ring.close()


def _run_pair(ctx, producer, consumer, args) -> float:
    """Run producer(*args, start) and consumer(*args, start, results); return its seconds."""
    start, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=consumer, args=(*args, start, results)),
             ctx.Process(target=producer, args=(*args, start))]
    for p in procs:
        p.start()
    try:
        elapsed = results.get(timeout=300)
    finally:
        for p in procs:
            p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert elapsed > 0, "consumer saw a corrupt record"
    return elapsed


def _shared_ring(capacity: int) -> SpscRing:
    return SpscRing.create_shared(f"hft-bench-{uuid.uuid4().hex[:12]}", capacity, 64)


def test_shm_processes(benchmark):
    ctx = multiprocessing.get_context("spawn")
    ring = _shared_ring(SHM_CAPACITY)
    try:
        base_s = min(_run_pair(ctx, _queue_producer, _queue_consumer, (ctx.Queue(), SHM_N))
                     for _ in range(2))
        # pytest-benchmark times whole runs (process start-up included); the figure uses
        # the consumer's own clock, as the baseline does
        times = []
        benchmark.pedantic(lambda: times.append(_run_pair(
            ctx, _ring_producer, _ring_consumer, (ring.name, SHM_N))), rounds=3, iterations=1)
        ring_s = min(times)
    finally:
        ring.close()
        ring.unlink()
    value, baseline = SHM_N / ring_s, SHM_N / base_s
    record("ring.shm_processes", value, "msgs/s", baseline=baseline, ratio=value / baseline,
           target="ratio >= 25")
    assert value / baseline >= 25


def test_shm_batch(benchmark):
    ctx = multiprocessing.get_context("spawn")
    ring = _shared_ring(BATCH_CAPACITY)
    try:
        times = []
        benchmark.pedantic(lambda: times.append(_run_pair(
            ctx, _batch_producer, _batch_consumer, (ring.name, BATCH_N))), rounds=3, iterations=1)
        best = min(times)
    finally:
        ring.close()
        ring.unlink()
    value = BATCH_N / best
    record("ring.shm_batch", value, "records/s", baseline=None, ratio=None,
           target="value >= 20e6")
    assert value >= 20e6
