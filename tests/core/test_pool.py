"""hft.core.pool: ObjectPool counters and ownership, BlockPool exhaustion and release checks."""

import ctypes
import gc
import sys
import weakref

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.core.pool import BlockPool, ObjectPool


class Order:
    def __init__(self):
        self.qty = 0


def test_acquire_misses_on_an_empty_pool_then_hits_after_release():
    pool = ObjectPool(Order, capacity=4)
    a = pool.acquire()
    assert (pool.hits, pool.misses) == (0, 1)
    pool.release(a)
    assert pool.size == 1
    assert pool.acquire() is a
    assert (pool.hits, pool.misses, pool.size) == (1, 1, 0)


def test_release_calls_reset_before_pooling():
    seen = []

    def reset(o):
        seen.append(o)
        o.qty = 0

    pool = ObjectPool(Order, 2, reset=reset)
    a = pool.acquire()
    a.qty = 7
    pool.release(a)
    assert seen == [a] and pool.acquire().qty == 0


def test_a_failing_reset_leaves_the_pool_unchanged():
    def reset(o):
        raise RuntimeError("boom")

    pool = ObjectPool(Order, 2, reset=reset)
    with pytest.raises(RuntimeError):
        pool.release(pool.acquire())
    assert pool.size == 0


def test_release_beyond_capacity_discards():
    pool = ObjectPool(Order, capacity=2)
    objs = [pool.acquire() for _ in range(3)]
    for o in objs:
        pool.release(o)
    assert (pool.size, pool.discarded, pool.capacity) == (2, 1, 2)
    assert len(pool) == 2


def test_release_of_a_foreign_type_is_a_type_error():
    pool = ObjectPool(Order, 2)
    pool.acquire()
    with pytest.raises(TypeError, match="expected a Order"):
        pool.release(object())


def test_releasing_the_same_object_twice_is_a_value_error():
    pool = ObjectPool(Order, 4)
    a = pool.acquire()
    pool.release(a)
    with pytest.raises(ValueError, match="double release"):
        pool.release(a)
    assert pool.size == 1


def test_prefill_makes_objects_without_counting_misses():
    made = []
    pool = ObjectPool(lambda: made.append(1) or Order(), 3)
    assert pool.prefill() == 3 and pool.size == 3 and len(made) == 3
    pool.acquire()
    assert (pool.hits, pool.misses) == (1, 0)
    assert pool.prefill(1) == 0  # already holds two >= 1


def test_pool_holds_exactly_one_reference_per_pooled_object():
    pool = ObjectPool(Order, 4)
    a = pool.acquire()
    before = sys.getrefcount(a)
    pool.release(a)
    assert sys.getrefcount(a) == before + 1
    b = pool.acquire()
    assert b is a
    del b
    assert sys.getrefcount(a) == before


@pytest.mark.parametrize("drop", ["clear", "del"])
def test_dropping_the_pool_frees_the_pooled_objects(drop):
    pool = ObjectPool(Order, 4)
    a, b = pool.acquire(), pool.acquire()
    refs = [weakref.ref(a), weakref.ref(b)]
    pool.release(a)
    pool.release(b)
    del a, b
    assert all(r() is not None for r in refs)
    if drop == "clear":
        pool.clear()
        assert pool.size == 0
    else:
        del pool
    gc.collect()
    assert all(r() is None for r in refs)


@pytest.mark.parametrize(
    "args, exc, name",
    [((42, 2), TypeError, "factory"), ((Order, 0), ValueError, "capacity"),
     ((Order, 2, 5), TypeError, "reset")],
)
def test_object_pool_names_the_bad_argument(args, exc, name):
    with pytest.raises(exc, match=name):
        ObjectPool(*args)


# --- BlockPool ----------------------------------------------------------------------------------


def test_block_pool_exhausts_then_recovers_after_release():
    pool = BlockPool(block_size=24, capacity=3)
    blocks = [pool.acquire() for _ in range(3)]
    assert None not in blocks and pool.acquire() is None and pool.available == 0
    pool.release(blocks[1])
    assert pool.acquire() == blocks[1]  # LIFO: the block just released comes back first
    assert pool.in_use == 3


def test_blocks_are_distinct_aligned_and_do_not_overlap():
    pool = BlockPool(block_size=20, capacity=8)
    blocks = [pool.acquire() for _ in range(8)]
    assert pool.stride == 32 and len(set(blocks)) == 8
    assert all(b % 16 == 0 and pool.owns(b) for b in blocks)
    for i, b in enumerate(blocks):
        ctypes.memset(b, i + 1, pool.block_size)
    for i, b in enumerate(blocks):
        assert ctypes.string_at(b, pool.block_size) == bytes([i + 1]) * pool.block_size


def test_double_release_of_a_block_is_refused():
    pool = BlockPool(16, 2)
    b = pool.acquire()
    pool.release(b)
    with pytest.raises(ValueError, match="double release"):
        pool.release(b)
    assert pool.available == 2


def test_release_of_a_block_never_acquired_is_refused():
    pool = BlockPool(16, 2)
    b = pool.acquire()
    with pytest.raises(ValueError, match="already free"):
        pool.release(b + pool.stride)  # the other block: inside the pool, but never handed out
    assert pool.in_use == 1


@pytest.mark.parametrize("offset, why", [(8, "inside a block"), (10_000, "not a block")])
def test_release_of_a_foreign_or_misaligned_address_is_refused(offset, why):
    pool = BlockPool(16, 4)
    b = pool.acquire()
    with pytest.raises(ValueError, match=why):
        pool.release(b + offset)
    with pytest.raises(ValueError, match="not a block"):
        pool.release(0)


@pytest.mark.parametrize("args, name", [((0, 4), "block_size"), ((16, 0), "capacity")])
def test_block_pool_names_the_bad_argument(args, name):
    with pytest.raises(ValueError, match=name):
        BlockPool(*args)


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 7)), max_size=200))
def test_block_pool_behaves_like_a_set_of_free_blocks(ops):
    pool = BlockPool(8, 5)
    out = []
    for take, pick in ops:
        if take:
            b = pool.acquire()
            if len(out) == 5:
                assert b is None
            else:
                assert b is not None and b not in out
                out.append(b)
        elif out:
            pool.release(out.pop(pick % len(out)))
        assert pool.in_use == len(out) and pool.available == 5 - len(out)
