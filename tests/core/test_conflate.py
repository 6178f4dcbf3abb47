"""Behaviour of hft.core.conflate: the conflating quote board, owned and in shared memory."""

from __future__ import annotations

import multiprocessing
import struct
import sys
import uuid
from collections import OrderedDict
from multiprocessing import resource_tracker
from multiprocessing.shared_memory import SharedMemory

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.core.conflate import BOARD_MAGIC, LAYOUT_VERSION, QuoteBoard, board_layout
from hft.core.encoding import QUOTE_DTYPE, QuoteMsg, encode_quote


def shm_name() -> str:
    return f"hft-test-{uuid.uuid4().hex[:12]}"


def quotes(ids, seqs) -> np.ndarray:
    """Return quote records whose fields all derive from the sequence (a torn read shows)."""
    seqs = np.asarray(seqs, dtype=np.int64)
    a = np.zeros(len(seqs), QUOTE_DTYPE)
    a["version"] = 1
    a["record_type"] = 2
    a["price_precision"] = 2
    a["instrument_id"] = ids
    a["ts_event"] = seqs
    a["ts_init"] = seqs + 1
    a["bid_price"] = seqs * 3
    a["ask_price"] = seqs * 3 + 1
    a["bid_size"] = seqs
    a["ask_size"] = seqs * 2
    a["sequence"] = seqs
    return a


def consistent(r) -> bool:
    s = int(r["sequence"])
    return (r["bid_size"] == s and r["ask_size"] == 2 * s and r["bid_price"] == 3 * s
            and r["ask_price"] == 3 * s + 1 and r["ts_event"] == s and r["ts_init"] == s + 1)


def one(instrument_id: int, seq: int) -> bytes:
    return quotes([instrument_id], [seq]).tobytes()


# -- unit ------------------------------------------------------------------------------------

def test_poll_returns_nothing_on_a_fresh_board():
    board = QuoteBoard(4)
    assert board.poll(np.zeros(4, QUOTE_DTYPE)) == 0
    assert board.stats()["writes"] == 0


def test_poll_returns_the_latest_quote_of_each_changed_symbol_once():
    board = QuoteBoard(8)
    board.publish_batch(quotes([1, 2, 1, 3, 1], [10, 20, 11, 30, 12]))
    out = np.zeros(8, QUOTE_DTYPE)
    n = board.poll(out)
    assert n == 3
    assert list(out[:n]["instrument_id"]) == [1, 2, 3]
    assert list(out[:n]["sequence"]) == [12, 20, 30]
    assert board.poll(out) == 0


def test_conflated_counts_quotes_overwritten_before_a_poll():
    board = QuoteBoard(8)
    board.publish_batch(quotes([1] * 5 + [2] * 3, range(8)))
    board.poll(np.zeros(8, QUOTE_DTYPE))
    s = board.stats()
    assert (s["writes"], s["reads"], s["conflated"], s["unread"]) == (8, 2, 6, 0)
    assert board.slot_stats(1) == {"slot": 0, "writes": 5, "reads": 1, "conflated": 4,
                                   "read_version": 5}


def test_poll_takes_at_most_len_out_and_keeps_the_rest_queued():
    board = QuoteBoard(8)
    board.publish_batch(quotes([1, 2, 3, 4], [1, 2, 3, 4]))
    out = np.zeros(3, QUOTE_DTYPE)
    assert board.poll(out) == 3
    assert board.poll(out) == 1
    assert out[0]["instrument_id"] == 4


def test_publish_accepts_bytes_and_poll_accepts_uint8_rows():
    board = QuoteBoard(2)
    board.publish(encode_quote(QuoteMsg(instrument_id=7, bid_price=1, ask_price=2, bid_size=3,
                                        ask_size=4, sequence=5)))
    out = np.zeros((2, 64), np.uint8)
    assert board.poll(out) == 1
    assert out[0].view(QUOTE_DTYPE)[0]["sequence"] == 5


def test_new_symbol_past_n_slots_is_refused_with_a_value_error():
    board = QuoteBoard(2)
    board.publish(one(1, 1))
    board.publish(one(2, 1))
    with pytest.raises(ValueError, match=r"instrument 3: every slot is taken.*n_slots=2"):
        board.publish(one(3, 1))
    board.publish(one(1, 2))   # known symbols still publish
    assert board.stats()["refused"] == 1


def test_publish_batch_stops_at_the_first_refused_symbol():
    board = QuoteBoard(1)
    with pytest.raises(ValueError, match=r"record 2: every slot is taken.*2 records published"):
        board.publish_batch(quotes([5, 5, 6, 5], [1, 2, 3, 4]))
    assert board.stats()["writes"] == 2


@pytest.mark.parametrize("field, value, name", [
    ("version", 9, "version"),
    ("record_type", 3, "record_type"),
    ("bid_size", -1, "bid_size"),
    ("price_precision", 19, "price_precision"),
])
def test_publish_names_the_bad_field_of_an_invalid_quote(field, value, name):
    board = QuoteBoard(2)
    bad = quotes([1], [1])
    bad[field] = value
    with pytest.raises(ValueError, match=f"field '{name}' is invalid"):
        board.publish(bad.tobytes())
    with pytest.raises(ValueError, match=f"quote batch: record 1: field '{name}'"):
        board.publish_batch(np.concatenate([quotes([1], [1]), bad]))
    assert board.stats()["writes"] == 0    # a bad batch publishes nothing


def test_publish_rejects_a_record_of_the_wrong_size_or_type():
    with pytest.raises(ValueError, match="63 bytes, expected 64"):
        QuoteBoard(2).publish(b"\x00" * 63)
    with pytest.raises(TypeError, match="bytes-like"):
        QuoteBoard(2).publish(12)


def test_poll_rejects_an_array_of_the_wrong_itemsize():
    with pytest.raises(ValueError, match="expected a 1-D QUOTE_DTYPE array"):
        QuoteBoard(2).poll(np.zeros(4, np.int64))


@pytest.mark.parametrize("n_slots", [0, -1, 2 ** 21])
def test_n_slots_out_of_range_is_refused(n_slots):
    with pytest.raises(ValueError, match="n_slots"):
        QuoteBoard(n_slots)


def test_latest_reads_without_counting_a_delivery():
    board = QuoteBoard(2)
    assert board.latest(1) is None
    board.publish(one(1, 42))
    assert np.frombuffer(board.latest(1), QUOTE_DTYPE)[0]["sequence"] == 42
    assert board.stats()["reads"] == 0
    assert board.poll(np.zeros(2, QUOTE_DTYPE)) == 1


def test_register_claims_slots_in_order_and_is_idempotent():
    board = QuoteBoard(4)
    assert [board.register(i) for i in (9, 3, 9, 4)] == [0, 1, 0, 2]
    assert board.symbols() == [9, 3, 4]
    assert board.latest(9) is None   # claimed, never written


def test_closed_board_raises_on_every_operation():
    board = QuoteBoard(2)
    board.close()
    board.close()
    assert board.closed
    for call in (lambda: board.publish(one(1, 1)), lambda: board.poll(np.zeros(1, QUOTE_DTYPE)),
                 board.stats, board.symbols):
        with pytest.raises(ValueError, match="quote board is closed"):
            call()


# -- model test ------------------------------------------------------------------------------

OPS = st.lists(st.one_of(
    st.tuples(st.just("pub"), st.integers(1, 5)),
    st.tuples(st.just("poll"), st.integers(1, 6)),
), max_size=60)


@given(OPS)
def test_board_behaves_like_a_dict_of_latest_values(ops):
    board = QuoteBoard(4)
    latest: dict[int, int] = {}
    writes: dict[int, int] = {}
    delivered: dict[int, int] = {}
    dirty: OrderedDict[int, None] = OrderedDict()   # symbols in the order they changed
    conflated = reads = total = 0
    for seq, (op, arg) in enumerate(ops, 1):
        if op == "pub":
            fits = arg in latest or len(latest) < 4
            if not fits:
                with pytest.raises(ValueError):
                    board.publish(one(arg, seq))
                continue
            board.publish(one(arg, seq))
            latest[arg] = seq
            writes[arg] = writes.get(arg, 0) + 1
            total += 1
            dirty.setdefault(arg, None)
        else:
            out = np.zeros(arg, QUOTE_DTYPE)
            n = board.poll(out)
            want = list(dirty)[:arg]
            assert [int(i) for i in out[:n]["instrument_id"]] == want
            assert [int(s) for s in out[:n]["sequence"]] == [latest[i] for i in want]
            for i in want:
                del dirty[i]
                conflated += writes[i] - delivered.get(i, 0) - 1
                delivered[i] = writes[i]
                reads += 1
    s = board.stats()
    assert (s["writes"], s["reads"], s["conflated"]) == (total, reads, conflated)
    assert s["reads"] + s["conflated"] + s["unread"] == s["writes"]
    for i, seq in latest.items():
        assert np.frombuffer(board.latest(i), QUOTE_DTYPE)[0]["sequence"] == seq


# -- shared memory ---------------------------------------------------------------------------

def test_attach_sees_the_creators_symbols_and_quotes():
    name = shm_name()
    with QuoteBoard.create_shared(name, 16, symbols=[5, 6]) as owner:
        try:
            with QuoteBoard.attach(name) as reader:
                assert reader.n_slots == 16 and reader.name == name
                assert reader.symbols() == [5, 6]
                owner.publish(one(6, 3))
                out = np.zeros(16, QUOTE_DTYPE)
                assert reader.poll(out) == 1 and out[0]["instrument_id"] == 6
                assert owner.stats()["reads"] == 1   # counters live in the shared block
        finally:
            owner.unlink()


def test_attach_names_the_bad_header_field():
    name = shm_name()
    size = board_layout(4)["total_size"]
    shm = SharedMemory(name=name, create=True, size=size)
    try:
        with pytest.raises(ValueError, match=r"field 'magic' is 0x0.*not a quote board"):
            QuoteBoard.attach(name)
        struct.pack_into("<QII", shm.buf, 0, BOARD_MAGIC, LAYOUT_VERSION + 1, 64)
        with pytest.raises(ValueError, match=f"field 'version' is {LAYOUT_VERSION + 1}, "
                                             f"expected {LAYOUT_VERSION}"):
            QuoteBoard.attach(name)
    finally:
        shm.close()
        shm.unlink()
    with QuoteBoard.create_shared(name, 4) as board:
        try:
            with pytest.raises(ValueError, match=r"field 'n_slots' is 4, expected 8"):
                QuoteBoard.attach(name, n_slots=8)
        finally:
            board.unlink()


def test_attach_to_a_missing_block_raises_file_not_found():
    with pytest.raises(FileNotFoundError):
        QuoteBoard.attach(shm_name())


def test_unlink_of_an_owned_board_raises():
    with pytest.raises(ValueError, match="not in shared memory"):
        QuoteBoard(1).unlink()


N_QUOTES = 1_000_000
N_SYMBOLS = 8
CHUNK = 4096


def _produce(name: str) -> None:
    board = QuoteBoard.attach(name)
    # a forked child shares the parent's resource tracker, from which attach just removed
    # the block: put it back so the creator's unlink does not trip the tracker (cpython#82300)
    if sys.version_info < (3, 13):
        resource_tracker.register(board.shm._name, "shared_memory")
    seqs = np.arange(N_QUOTES, dtype=np.int64)
    ids = (seqs * 7 + seqs // 3) % N_SYMBOLS + 1      # an irregular symbol order
    records = quotes(ids, seqs)
    for at in range(0, N_QUOTES, CHUNK):
        board.publish_batch(records[at:at + CHUNK])
    board.close()


def test_two_processes_slow_consumer_sees_every_final_quote_untorn():
    seqs = np.arange(N_QUOTES, dtype=np.int64)
    ids = (seqs * 7 + seqs // 3) % N_SYMBOLS + 1
    final = {int(i): int(seqs[ids == i][-1]) for i in range(1, N_SYMBOLS + 1)}
    name = shm_name()
    board = QuoteBoard.create_shared(name, N_SYMBOLS)
    try:
        proc = multiprocessing.get_context("fork").Process(target=_produce, args=(name,))
        proc.start()
        out = np.zeros(N_SYMBOLS, QUOTE_DTYPE)
        last = {}
        polls = 0
        while True:
            done = not proc.is_alive()   # read before the poll: a final poll follows the end
            n = board.poll(out)
            polls += 1
            for r in out[:n]:
                assert consistent(r), r           # the seqlock never hands out a torn record
                i = int(r["instrument_id"])
                assert int(r["sequence"]) > last.get(i, -1)   # never older than delivered
                last[i] = int(r["sequence"])
            if done and n == 0:
                break
        proc.join()
        assert proc.exitcode == 0
        assert last == final
        s = board.stats()
        assert s["writes"] == N_QUOTES
        assert s["reads"] + s["conflated"] == s["writes"]
        assert s["unread"] == 0
        assert s["conflated"] > 0      # the Python consumer is slower than the C producer
    finally:
        board.close()
        board.unlink()
