"""Binary records: the Python-object round trip against msgspec msgpack with a typed Decoder,
and the nogil batch encode from numpy columns (absolute target, no baseline)."""

import msgspec
import numpy as np

from hft.core.encoding import (
    ORDER_TYPE_LIMIT,
    SIDE_BUY,
    TIF_GTC,
    OrderMsg,
    decode_order,
    encode_order,
    encode_orders_batch,
    validate_batch,
)
from perf_tests._figures import best_seconds, pedantic_min, record

N_ROUNDTRIP = 20_000
BATCH = 4096
BATCHES_PER_ROUND = 16


class OrderStruct(msgspec.Struct):
    """The same sixteen fields as OrderMsg, as plain ints."""

    side: int
    order_type: int
    time_in_force: int
    flags: int
    price_precision: int
    size_precision: int
    instrument_id: int
    strategy_id: int
    client_order_id: int
    venue_order_id: int
    price: int
    trigger_price: int
    quantity: int
    ts_init: int
    ts_expire: int
    trader_id: int


FIELDS = dict(
    side=SIDE_BUY, order_type=ORDER_TYPE_LIMIT, time_in_force=TIF_GTC, flags=0,
    price_precision=2, size_precision=0, instrument_id=42, strategy_id=7,
    client_order_id=1_000_001, venue_order_id=0, price=10125, trigger_price=0, quantity=300,
    ts_init=1_700_000_000_123_456_789, ts_expire=0, trader_id=3,
)


def test_order_roundtrip(benchmark):
    msg = OrderMsg(**FIELDS)
    struct = OrderStruct(**{k: int(v) for k, v in FIELDS.items()})
    encoder, decoder = msgspec.msgpack.Encoder(), msgspec.msgpack.Decoder(OrderStruct)

    def ours():
        m = msg
        for _ in range(N_ROUNDTRIP):
            m = decode_order(encode_order(m))
        return m

    def base():
        s = struct
        for _ in range(N_ROUNDTRIP):
            s = decoder.decode(encoder.encode(s))
        return s

    assert ours() == msg and base() == struct
    ours_s = pedantic_min(benchmark, ours, rounds=7)
    base_s = best_seconds(base, repeat=7)
    # interleave a second pair: on a shared machine a burst of load should hit both sides
    ours_s = min(ours_s, best_seconds(ours, repeat=5))
    base_s = min(base_s, best_seconds(base, repeat=5))
    value, baseline = N_ROUNDTRIP / ours_s, N_ROUNDTRIP / base_s
    ratio = value / baseline
    record("encoding.order_roundtrip", value, "round-trips/s", baseline=baseline, ratio=ratio,
           target="ratio >= 2")
    assert ratio >= 2


def test_order_batch_nogil(benchmark):
    rng = np.random.default_rng(7)
    side = rng.integers(1, 3, BATCH).astype(np.uint8)
    order_type = np.full(BATCH, ORDER_TYPE_LIMIT, np.uint8)
    tif = np.full(BATCH, TIF_GTC, np.uint8)
    price = rng.integers(9_000, 11_000, BATCH).astype(np.int64)
    quantity = rng.integers(1, 1_000, BATCH).astype(np.int64)
    price_precision = np.full(BATCH, 2, np.uint8)
    instrument_id = rng.integers(1, 50, BATCH).astype(np.uint32)
    client_order_id = np.arange(1, BATCH + 1, dtype=np.uint64)
    ts_init = 1_700_000_000_000_000_000 + np.arange(BATCH, dtype=np.int64) * 1_000
    out = np.empty((BATCH, 128), np.uint8)

    def ours():
        for _ in range(BATCHES_PER_ROUND):
            encode_orders_batch(out, side, order_type, tif, price, quantity,
                                price_precision=price_precision, instrument_id=instrument_id,
                                client_order_id=client_order_id, ts_init=ts_init)

    ours()
    assert validate_batch(out) == (-1, 0)
    assert (out.reshape(-1).view(np.int64).reshape(BATCH, 16)[:, 4] == price).all()
    seconds = min(pedantic_min(benchmark, ours, rounds=20), best_seconds(ours, repeat=20))
    value = BATCHES_PER_ROUND * BATCH / seconds
    record("encoding.order_batch_nogil", value, "records/s", target="value >= 50M/s")
    assert value >= 50e6
