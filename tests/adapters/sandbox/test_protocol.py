import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.sandbox import protocol as p
from hft.core import encoding as e

U8, U16, U32, U64 = (st.integers(0, 2**b - 1) for b in (8, 16, 32, 64))
I64 = st.integers(-(2**63), 2**63 - 1)
PREC = st.integers(0, 18)
POS = st.integers(1, 2**63 - 1)
NONNEG = st.integers(0, 2**63 - 1)

hellos = st.builds(lambda lo, d, s, t: p.Hello(min_version=lo, max_version=min(lo + d, 255),
                                                session_id=s, ts_init=t),
                   st.integers(1, 255), U8, U64, I64)
welcomes = st.builds(p.Welcome, trader_id=U32, session_id=U64, ts_event=I64)
cancels = st.builds(p.Cancel, instrument_id=U32, client_order_id=st.integers(1, 2**64 - 1),
                    venue_order_id=U64, ts_init=I64, strategy_id=U32, trader_id=U32)
queries = st.one_of(
    st.builds(p.Query, query_kind=st.sampled_from([1, 3]), request_id=st.integers(1, 2**64 - 1),
              instrument_id=U32, ts_init=I64),
    st.builds(p.Query, query_kind=st.just(2), request_id=st.integers(1, 2**64 - 1),
              instrument_id=U32, since_ts_ns=NONNEG, ts_init=I64))


@st.composite
def reports(draw):
    kind = draw(st.integers(1, 8))
    filled = kind == p.REPORT_FILLED
    return p.ExecReport(
        report_kind=kind, side=draw(st.sampled_from([1, 2])),
        liquidity=draw(st.sampled_from([1, 2])) if filled else 0,
        price_precision=draw(PREC), size_precision=draw(PREC), fee_precision=draw(PREC),
        instrument_id=draw(U32), reason=draw(st.integers(1, 14)) if kind in (2, 8) else 0,
        strategy_id=draw(U32), trader_id=draw(U32), client_order_id=draw(U64),
        venue_order_id=draw(U64), trade_id=draw(U64) if filled else 0, price=draw(I64),
        quantity=draw(POS if filled else NONNEG), leaves_qty=draw(NONNEG), cum_qty=draw(NONNEG),
        fee=draw(I64) if filled else 0, ts_event=draw(I64), ts_init=draw(I64),
        request_id=draw(U64))


positions = st.builds(p.Position, price_precision=PREC, size_precision=PREC, instrument_id=U32,
                      quantity=I64, avg_price=I64, realized_pnl=I64, ts_last=I64, trader_id=U32)
errors = st.one_of(
    st.builds(p.ErrorReply, error_kind=st.just(1), detail=st.integers(1, 2**16 - 1),
              frame_type=U8, context_id=U64, ts_event=I64, error_count=U32),
    st.builds(p.ErrorReply, error_kind=st.just(2), detail=st.integers(1, 5)),
    st.builds(p.ErrorReply, error_kind=st.just(3), detail=st.integers(1, 4)))
quotes = st.builds(e.QuoteMsg, price_precision=PREC, size_precision=PREC, instrument_id=U32,
                   ts_event=I64, ts_init=I64, bid_price=I64, ask_price=I64, bid_size=NONNEG,
                   ask_size=NONNEG, sequence=U64)
any_record = st.one_of(hellos, welcomes, cancels, queries, reports(), positions, errors)


@given(any_record)
def test_record_round_trips(msg):
    raw = p.encode_record(msg)
    assert len(raw) == p.RECORD_SIZES[raw[1]]
    assert p.decode_record(raw) == msg


@given(st.lists(quotes, min_size=1, max_size=5))
def test_quotes_frame_round_trips(qs):
    frame = p.decode_frame(p.encode_frame(p.FRAME_QUOTES, qs))
    assert frame.count == len(qs) and frame.key_id is None
    assert frame.records() == qs
    assert list(frame.quotes()["sequence"]) == [q.sequence for q in qs]


@given(st.lists(reports(), min_size=1, max_size=4))
def test_reports_frame_round_trips(rs):
    assert p.decode_frame(p.encode_frame(p.FRAME_REPORTS, rs)).records() == rs


@given(st.lists(positions, max_size=4), st.integers(1, 2**64 - 1))
def test_query_reply_round_trips(ps, request_id):
    head = p.QueryReply(query_kind=p.QUERY_POSITIONS, request_id=request_id, count=len(ps))
    frame = p.decode_frame(p.encode_frame(p.FRAME_QUERY_REPLY, [head, *ps]))
    assert frame.count == len(ps)
    assert frame.records() == [head, *ps]


@given(st.one_of(hellos.map(lambda m: (p.FRAME_HELLO, m)), cancels.map(lambda m: (p.FRAME_CANCEL, m)),
                 queries.map(lambda m: (p.FRAME_QUERY, m))),
       st.integers(1, 2**63 - 1), U64)
def test_signed_frame_round_trips(kind_msg, ts_ms, nonce):
    frame_type, msg = kind_msg
    raw = p.signed_frame_body(frame_type, [msg], "KEY_1", ts_ms, nonce) + bytes(range(32))
    frame = p.decode_frame(raw)
    assert (frame.frame_type, frame.key_id, frame.ts_ms, frame.nonce) == (frame_type, "KEY_1",
                                                                          ts_ms, nonce)
    assert frame.records() == [msg]
    assert frame.signature == bytes(range(32)) and frame.signed_part == raw[:-32]


def _report(**kw):
    base = dict(report_kind=p.REPORT_FILLED, side=1, liquidity=1, quantity=5, trade_id=1)
    base.update(kw)
    return p.ExecReport(**base)


@pytest.mark.parametrize("msg, field", [
    (p.Hello(min_version=2, max_version=1), "max_version"),
    (p.Hello(min_version=0), "max_version"),
    (p.Welcome(accepted_version=2), "accepted_version"),
    (p.Cancel(), "client_order_id"),
    (p.Query(query_kind=4, request_id=1), "query_kind"),
    (p.Query(query_kind=1, request_id=0), "request_id"),
    (p.Query(query_kind=1, request_id=1, since_ts_ns=5), "since_ts_ns"),
    (p.Query(query_kind=2, request_id=1, since_ts_ns=-1), "since_ts_ns"),
    (_report(report_kind=9), "report_kind"),
    (_report(side=3), "side"),
    (_report(liquidity=0), "liquidity"),
    (_report(report_kind=1, trade_id=0, liquidity=1), "liquidity"),
    (_report(price_precision=19), "price_precision"),
    (_report(size_precision=19), "size_precision"),
    (_report(fee_precision=19), "fee_precision"),
    (_report(report_kind=2, liquidity=0, trade_id=0, reason=0), "reason"),
    (_report(report_kind=2, liquidity=0, trade_id=0, reason=15), "reason"),
    (_report(reason=1), "reason"),
    (_report(quantity=0), "quantity"),
    (_report(leaves_qty=-1), "leaves_qty"),
    (_report(cum_qty=-1), "cum_qty"),
    (_report(report_kind=4, liquidity=0, trade_id=0, fee=1), "fee"),
    (_report(report_kind=4, liquidity=0), "trade_id"),
    (p.Position(price_precision=19), "price_precision"),
    (p.QueryReply(query_kind=0, request_id=1), "query_kind"),
    (p.QueryReply(query_kind=1, request_id=0), "request_id"),
    (p.ErrorReply(error_kind=4, detail=1), "error_kind"),
    (p.ErrorReply(error_kind=1, detail=0), "detail"),
    (p.ErrorReply(error_kind=2, detail=6), "detail"),
    (p.ErrorReply(error_kind=3, detail=5), "detail"),
    (p.Hello(session_id=-1), "session_id"),
])
def test_encode_names_the_bad_field(msg, field):
    with pytest.raises(ValueError, match=f"field '{field}' is invalid"):
        p.encode_record(msg)


GOOD = {
    "hello": p.encode_record(p.Hello()),
    "cancel": p.encode_record(p.Cancel(client_order_id=1)),
    "report": p.encode_record(_report()),
    "error": p.encode_record(p.ErrorReply(error_kind=1, detail=3)),
}


@pytest.mark.parametrize("name, offset, value, field", [
    ("hello", 0, 2, "version"), ("hello", 1, 99, "record_type"), ("hello", 4, 1, "reserved"),
    ("hello", 31, 1, "reserved"), ("cancel", 2, 1, "reserved"), ("cancel", 63, 1, "reserved"),
    ("report", 14, 1, "reserved"), ("report", 127, 1, "reserved"), ("error", 6, 1, "reserved"),
    ("error", 28, 1, "reserved"),
])
def test_decode_names_the_bad_byte(name, offset, value, field):
    raw = bytearray(GOOD[name])
    raw[offset] = value
    with pytest.raises(ValueError, match=f"field '{field}' is invalid"):
        p.decode_record(bytes(raw))


def test_decode_record_checks_length():
    with pytest.raises(ValueError, match="31 bytes, expected 32"):
        p.decode_record(GOOD["hello"][:-1])


def _frame():
    return bytearray(p.encode_frame(p.FRAME_REPORTS, [_report()]))


def _signed():
    return bytearray(p.signed_frame_body(p.FRAME_CANCEL, [p.Cancel(client_order_id=1)], "K", 5, 1)
                     + bytes(32))


@pytest.mark.parametrize("mutate, field", [
    (lambda b: b.__setitem__(0, 0), "magic"),
    (lambda b: b.__setitem__(2, 2), "version"),
    (lambda b: b.__setitem__(3, 11), "frame_type"),
    (lambda b: b.__setitem__(3, 0), "frame_type"),
    (lambda b: b.__setitem__(4, 2), "flags"),
    (lambda b: b.__setitem__(4, 1), "flags"),
    (lambda b: b.__setitem__(5, 1), "reserved"),
    (lambda b: b.__setitem__(13, 1), "reserved"),
    (lambda b: b.__setitem__(8, 127), "length"),
    (lambda b: b.extend(b"\0"), "length"),
    (lambda b: b.__setitem__(16 + 3, 9), "side"),
])
def test_decode_frame_names_the_bad_field(mutate, field):
    raw = _frame()
    mutate(raw)
    with pytest.raises(ValueError, match=f"field '{field}' is invalid"):
        p.decode_frame(bytes(raw))


def test_bad_record_in_a_batch_is_named_with_its_index():
    raw = bytearray(p.encode_frame(p.FRAME_REPORTS, [_report(), _report()]))
    raw[16 + 128 + 64] = 0xFF   # leaves_qty of record 1 -> negative
    raw[16 + 128 + 71] = 0xFF
    with pytest.raises(ValueError, match=r"reports frame: record 1: .*'leaves_qty'"):
        p.decode_frame(bytes(raw))


@pytest.mark.parametrize("mutate, field", [
    (lambda b: b.__setitem__(3, p.FRAME_REPORTS), "flags"),          # signed server frame
    (lambda b: b.__setitem__(4, 0), "flags"),                        # unsigned client frame
    (lambda b: b.__setitem__(16 + 64, ord("a")), "key_id"),
    (lambda b: b.__setitem__(16 + 64, 0), "key_id"),
    (lambda b: b.__setitem__(16 + 64 + 2, ord("A")), "key_id"),      # text after the padding
    (lambda b: b.__setitem__(slice(16 + 64 + 16, 16 + 64 + 24), bytes(8)), "ts_ms"),
])
def test_signed_frame_checks_flags_key_id_and_timestamp(mutate, field):
    raw = _signed()
    mutate(raw)
    with pytest.raises(ValueError, match=f"field '{field}' is invalid"):
        p.decode_frame(bytes(raw))


def test_unsigned_client_frame_has_its_own_status():
    raw = _signed()
    raw[4] = 0
    assert p.frame_status(bytes(raw))[0] == p.PROTO_UNSIGNED


@pytest.mark.parametrize("frame_type, payload", [
    (p.FRAME_QUOTES, b""), (p.FRAME_QUOTES, bytes(65)), (p.FRAME_ERROR, bytes(64)),
    (p.FRAME_QUERY_REPLY, bytes(16)),
])
def test_payload_length_must_fit_the_frame_type(frame_type, payload):
    raw = p.frame_header(frame_type, len(payload)) + payload
    with pytest.raises(ValueError, match="field 'length' is invalid"):
        p.decode_frame(raw)


def test_query_reply_count_must_match_length():
    head = p.QueryReply(query_kind=p.QUERY_POSITIONS, request_id=1, count=2)
    with pytest.raises(ValueError, match="field 'count' is invalid"):
        p.encode_frame(p.FRAME_QUERY_REPLY, [head, p.Position()])


def test_encode_frame_refuses_client_frame_types():
    with pytest.raises(ValueError, match="must be signed"):
        p.encode_frame(p.FRAME_ORDER, [e.OrderMsg(quantity=1, price=1)])


def test_encode_key_id_refuses_bad_characters():
    for bad in ("", "lower", "A" * 17, "A-B"):
        with pytest.raises(ValueError, match="key_id"):
            p.encode_key_id(bad)


@given(st.binary(max_size=300))
def test_random_bytes_give_only_value_error(raw):
    try:
        p.decode_frame(raw)
    except ValueError:
        pass


@given(st.integers(0, 10**6), st.data())
def test_truncated_or_corrupted_frames_give_only_value_error(seed, data):
    good = bytes(_signed()) if seed % 2 else p.encode_frame(
        p.FRAME_QUOTES, [e.QuoteMsg(bid_size=1, ask_size=1)] * 2)
    cut = data.draw(st.integers(0, len(good) - 1))
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(good) - 1), U8), max_size=3))
    raw = bytearray(good[:cut] if seed % 3 == 0 else good)
    for i, v in flips:
        if i < len(raw):
            raw[i] = v
    try:
        p.decode_frame(bytes(raw))
    except ValueError:
        pass


def test_header_layout_is_as_documented():
    h = p.frame_header(p.FRAME_QUOTES, 64)
    assert h[:2] == b"HF" and h[2] == 1 and h[3] == 3 and h[4] == 0
    assert struct.unpack_from("<I", h, 8)[0] == 64 and len(h) == 16


# -- the live quote hot path: dispatch_quotes -------------------------------------------------

def test_dispatch_quotes_calls_the_handler_once_per_record_in_order():
    from hft.model.identifiers import InstrumentId

    quotes = [e.QuoteMsg(instrument_id=3, bid_price=100 + i, ask_price=101 + i, bid_size=1,
                         ask_size=1, price_precision=2, ts_event=i, ts_init=i)
              for i in range(3)]
    got = []
    n = p.dispatch_quotes(p.encode_frame(p.FRAME_QUOTES, quotes),
                          {3: InstrumentId("X.SANDBOX")}, got.append)
    assert n == 3
    assert [(q.instrument_id.value, q.bid_price.raw, q.ts_event) for q in got] == [
        ("X.SANDBOX", 100, 0), ("X.SANDBOX", 101, 1), ("X.SANDBOX", 102, 2)]


def test_dispatch_quotes_into_the_data_engine_keeps_what_a_handler_kept_unchanged():
    from hft.kernel.cache import Cache
    from hft.kernel.clock import TestClock
    from hft.kernel.data_engine import DataEngine
    from hft.model.identifiers import InstrumentId

    iid = InstrumentId("X.SANDBOX")
    cache = Cache()
    engine = DataEngine(TestClock(), cache)
    seen, kept = [], []
    engine.subscribe_quotes(iid, lambda q: seen.append(q.bid_price.raw) or
                            (kept.append(q) if q.ts_event == 1 else None))
    quotes = [e.QuoteMsg(instrument_id=3, bid_price=100 + i, ask_price=101 + i, bid_size=1,
                         ask_size=1, price_precision=2, ts_event=i, ts_init=i)
              for i in range(4)]
    assert p.dispatch_quotes(p.encode_frame(p.FRAME_QUOTES, quotes), {3: iid}, engine) == 4
    assert seen == [100, 101, 102, 103] and engine.quotes_processed == 4
    assert cache.quote(iid).bid_price.raw == 103 and cache.quote(iid).ts_event == 3
    kept_quote, = kept  # refilling in place must never reach a quote somebody kept
    assert kept_quote.bid_price.raw == 101 and kept_quote.ts_event == 1


def test_dispatch_quotes_calls_nothing_when_a_later_record_is_bad():
    from hft.model.identifiers import InstrumentId

    good = e.QuoteMsg(instrument_id=3, bid_price=1, ask_price=2, bid_size=1, ask_size=1)
    frame = bytearray(p.encode_frame(p.FRAME_QUOTES, [good, good]))
    frame[16 + 64] = 9  # the second record's version
    got = []
    with pytest.raises(ValueError, match="record 1"):
        p.dispatch_quotes(bytes(frame), {3: InstrumentId("X.SANDBOX")}, got.append)
    assert got == []


def test_dispatch_quotes_names_an_unknown_instrument():
    q = e.QuoteMsg(instrument_id=4, bid_price=1, ask_price=2, bid_size=1, ask_size=1)
    with pytest.raises(ValueError, match="unknown instrument numeric id 4"):
        p.dispatch_quotes(p.encode_frame(p.FRAME_QUOTES, [q]), {}, lambda _q: None)
