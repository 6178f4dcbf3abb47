"""Test the sandbox venue server over real sockets on 127.0.0.1 with a raw WebSocket client."""

from __future__ import annotations

import asyncio
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from hft.adapters.sandbox import protocol as p
from hft.adapters.sandbox.accounts import Exchange, InstrumentSpec, PositionState
from hft.adapters.sandbox.auth import Signer
from hft.adapters.sandbox.server import FaultConfig, SandboxServer, VenueConfig, check_host
from hft.core.encoding import (
    FLAG_POST_ONLY, ORDER_TYPE_LIMIT, ORDER_TYPE_MARKET, QUOTE_DTYPE, SIDE_BUY, SIDE_SELL,
    TIF_GTC, TIF_GTD, OrderMsg, QuoteMsg,
)

TIMEOUT_S = 5.0
SECRETS = {"ALICE": "alice-secret", "BOB": "bob-secret"}
INSTRUMENT = 1
T0 = 1_700_000_000_000_000_000


def run(coro):
    """Run one test coroutine with a hard time bound."""
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT_S * 4))


def quote(ts=T0, bid=100_000, ask=100_002, bid_size=5, ask_size=3, seq=0):
    return QuoteMsg(price_precision=5, size_precision=0, instrument_id=INSTRUMENT,
                    ts_event=ts, ts_init=ts, bid_price=bid, ask_price=ask, bid_size=bid_size,
                    ask_size=ask_size, sequence=seq)


def order(cid, side=SIDE_BUY, qty=2, price=0, order_type=ORDER_TYPE_MARKET, tif=TIF_GTC,
          flags=0, ts_expire=0):
    return OrderMsg(side=side, order_type=order_type, time_in_force=tif, flags=flags,
                    price_precision=5, size_precision=0, instrument_id=INSTRUMENT,
                    strategy_id=1, client_order_id=cid, price=price, quantity=qty,
                    ts_init=T0, ts_expire=ts_expire)


class Raw:
    """A bare protocol client: sign, send, and read frames by type."""

    def __init__(self, ws, key="ALICE", secret=None):
        self.ws = ws
        self.signer = Signer(key, secret or SECRETS.get(key, "x"))

    async def send(self, frame_type, records, **kw):
        await self.ws.send(self.signer.sign(frame_type, records, **kw))

    async def recv(self, want=None):
        """Return the next decoded frame (of type `want`, skipping quotes when want is set)."""
        while True:
            msg = await asyncio.wait_for(self.ws.recv(), TIMEOUT_S)
            frame = p.decode_frame(msg)
            if want is None or frame.frame_type == want:
                return frame
            if frame.frame_type != p.FRAME_QUOTES:
                raise AssertionError(f"expected frame {want}, got {frame.frame_type}: "
                                     f"{frame.records()}")

    async def hello(self, min_version=1, max_version=1, session_id=42):
        await self.send(p.FRAME_HELLO, [p.Hello(min_version=min_version, max_version=max_version,
                                                session_id=session_id, ts_init=T0)])
        return await self.recv()

    async def reports(self, n):
        out = []
        while len(out) < n:
            out += (await self.recv(p.FRAME_REPORTS)).records()
        return out

    async def query(self, kind, request_id=7, since=0):
        await self.send(p.FRAME_QUERY, [p.Query(query_kind=kind, request_id=request_id,
                                                instrument_id=0, since_ts_ns=since, ts_init=T0)])
        recs = (await self.recv(p.FRAME_QUERY_REPLY)).records()
        return recs[0], recs[1:]


async def serve(**kw):
    faults = kw.pop("faults", None)
    cfg = VenueConfig(instrument_id=INSTRUMENT, price_precision=5, size_precision=0,
                      faults=faults or FaultConfig(), **kw)
    server = SandboxServer(cfg, SECRETS)
    await server.start()
    return server


async def logged_in(server, key="ALICE"):
    ws = await connect(server.url, compression=None)
    raw = Raw(ws, key)
    frame = await raw.hello()
    assert frame.frame_type == p.FRAME_WELCOME
    return raw


# -- handshake -------------------------------------------------------------------------------

def test_signed_hello_gets_a_welcome_naming_the_account():
    async def main():
        server = await serve()
        try:
            async with connect(server.url) as ws:
                frame = await Raw(ws, "BOB").hello(session_id=99)
                (welcome,) = frame.records()
                assert welcome.accepted_version == p.VERSION
                assert welcome.session_id == 99
                assert welcome.trader_id == 2   # sorted keys: ALICE 1, BOB 2
        finally:
            await server.stop()
    run(main())


def test_hello_without_our_version_gets_an_error_and_the_close():
    async def main():
        server = await serve()
        try:
            async with connect(server.url) as ws:
                frame = await Raw(ws).hello(min_version=2, max_version=3)
                (err,) = frame.records()
                assert (err.error_kind, err.detail) == (p.ERROR_SESSION,
                                                        p.SESSION_VERSION_UNSUPPORTED)
                with pytest.raises(Exception):
                    await asyncio.wait_for(ws.recv(), TIMEOUT_S)
                assert ws.close_code == 1003
        finally:
            await server.stop()
    run(main())


def test_frame_of_another_protocol_version_gets_an_error_and_the_close():
    async def main():
        server = await serve()
        try:
            async with connect(server.url) as ws:
                raw = Raw(ws)
                frame = bytearray(raw.signer.sign(p.FRAME_HELLO, [p.Hello(
                    min_version=1, max_version=1, session_id=1, ts_init=T0)]))
                frame[2] = 9
                await ws.send(bytes(frame))
                (err,) = (await raw.recv()).records()
                assert (err.error_kind, err.detail) == (p.ERROR_FRAME, p.PROTO_BAD_FRAME_VERSION)
                with pytest.raises(Exception):
                    await asyncio.wait_for(ws.recv(), TIMEOUT_S)
        finally:
            await server.stop()
    run(main())


def test_host_other_than_loopback_is_refused_unless_allowed():
    with pytest.raises(ValueError, match="allow-remote"):
        check_host("0.0.0.0", False)
    check_host("0.0.0.0", True)
    check_host("127.0.0.1", False)
    check_host("::1", False)


# -- market data and orders -------------------------------------------------------------------

def test_published_quotes_reach_a_logged_in_client_unchanged():
    async def main():
        server = await serve()
        try:
            raw = await logged_in(server)
            qs = [quote(T0 + i, seq=i) for i in range(5)]
            server.publish_quotes(qs)
            got = []
            while len(got) < 5:
                got += list((await raw.recv(p.FRAME_QUOTES)).quotes())
            assert [int(q["sequence"]) for q in got] == list(range(5))
            assert int(got[0]["bid_price"]) == 100_000
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_synthetic_market_data_arrives_batched_and_in_sequence():
    async def main():
        server = await serve(synthetic=True, rate=20_000.0, seed=3)
        try:
            raw = await logged_in(server)
            seqs = []
            while len(seqs) < 500:
                frame = await raw.recv(p.FRAME_QUOTES)
                seqs += frame.quotes()["sequence"].tolist()
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
            assert server.stats["quote_frames"] < server.stats["quotes_sent"]
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_replayed_file_is_published_in_order(tmp_path):
    from hft.backtest.synthetic import quote_chunks, write_npz

    path = tmp_path / "q.npz"
    write_npz(path, quote_chunks(200, seed=1, instrument_id=INSTRUMENT, step_ns=1_000_000))

    async def main():
        server = await serve(data=str(path), speed=100.0)
        try:
            raw = await logged_in(server)
            seqs = []
            while len(seqs) < 100:
                seqs += (await raw.recv(p.FRAME_QUOTES)).quotes()["sequence"].tolist()
            assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_market_order_fills_at_the_touch_with_taker_fee():
    async def main():
        server = await serve(taker_fee_bps=2.0, maker_fee_bps=-0.5)
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote(bid=100_000, ask=100_002, ask_size=3)])
            await raw.send(p.FRAME_ORDER, [order(11, qty=2)])
            acc, fill = await raw.reports(2)
            assert acc.report_kind == p.REPORT_ACCEPTED and acc.client_order_id == 11
            assert fill.report_kind == p.REPORT_FILLED
            assert (fill.price, fill.quantity, fill.leaves_qty, fill.cum_qty) == (100_002, 2, 0, 2)
            assert fill.liquidity == p.LIQUIDITY_TAKER
            assert fill.fee == round(100_002 * 2 * 2 / 10_000)   # 2 bps, price precision
            assert fill.venue_order_id == acc.venue_order_id != 0
            assert fill.trader_id == 1
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_resting_limit_fills_as_maker_when_the_ask_reaches_it():
    async def main():
        server = await serve(maker_fee_bps=-1.0)
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote()])
            await raw.send(p.FRAME_ORDER, [order(5, qty=4, price=100_001,
                                                 order_type=ORDER_TYPE_LIMIT)])
            (acc,) = await raw.reports(1)
            assert acc.report_kind == p.REPORT_ACCEPTED and acc.leaves_qty == 4
            server.publish_quotes([quote(T0 + 1, bid=99_999, ask=100_001)])
            (fill,) = await raw.reports(1)
            assert (fill.report_kind, fill.liquidity, fill.price, fill.quantity) == (
                p.REPORT_FILLED, p.LIQUIDITY_MAKER, 100_001, 4)
            assert fill.fee == -round(100_001 * 4 / 10_000)
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_cancel_then_cancel_again_is_rejected_as_closed():
    async def main():
        server = await serve()
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote()])
            await raw.send(p.FRAME_ORDER, [order(5, price=99_000, order_type=ORDER_TYPE_LIMIT)])
            await raw.reports(1)
            cancel = p.Cancel(instrument_id=INSTRUMENT, client_order_id=5, venue_order_id=0,
                              ts_init=T0, strategy_id=1, trader_id=1)
            await raw.send(p.FRAME_CANCEL, [cancel])
            (rep,) = await raw.reports(1)
            assert rep.report_kind == p.REPORT_CANCELED and rep.leaves_qty == 0
            await raw.send(p.FRAME_CANCEL, [cancel])
            (rej,) = await raw.reports(1)
            assert (rej.report_kind, rej.reason) == (p.REPORT_CANCEL_REJECTED,
                                                     p.REJECT_ORDER_CLOSED)
            unknown = p.Cancel(instrument_id=INSTRUMENT, client_order_id=77, venue_order_id=0,
                               ts_init=T0, strategy_id=1, trader_id=1)
            await raw.send(p.FRAME_CANCEL, [unknown])
            (rej,) = await raw.reports(1)
            assert rej.reason == p.REJECT_UNKNOWN_ORDER
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


@pytest.mark.parametrize("make, reason", [
    (lambda: order(3, order_type=ORDER_TYPE_LIMIT, price=100_002, flags=FLAG_POST_ONLY),
     p.REJECT_POST_ONLY_WOULD_TAKE),
    (lambda: OrderMsg(side=SIDE_BUY, order_type=ORDER_TYPE_MARKET, time_in_force=TIF_GTC,
                      price_precision=5, instrument_id=99, client_order_id=4, quantity=1),
     p.REJECT_UNKNOWN_INSTRUMENT),
    (lambda: OrderMsg(side=SIDE_BUY, order_type=ORDER_TYPE_MARKET, time_in_force=TIF_GTC,
                      price_precision=2, instrument_id=INSTRUMENT, client_order_id=4,
                      quantity=1), p.REJECT_INVALID_ORDER),
])
def test_order_the_venue_cannot_take_is_rejected_with_its_reason(make, reason):
    async def main():
        server = await serve()
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote()])
            await raw.send(p.FRAME_ORDER, [make()])
            reps = await raw.reports(1)
            assert (reps[-1].report_kind, reps[-1].reason) == (p.REPORT_REJECTED, reason)
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_gtd_order_expires_at_its_time_on_market_data_time():
    async def main():
        server = await serve()
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote()])
            await raw.send(p.FRAME_ORDER, [order(8, price=99_000, order_type=ORDER_TYPE_LIMIT,
                                                 tif=TIF_GTD, ts_expire=T0 + 10)])
            await raw.reports(1)
            server.publish_quotes([quote(T0 + 11)])
            (rep,) = await raw.reports(1)
            assert rep.report_kind == p.REPORT_EXPIRED and rep.client_order_id == 8
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


# -- idempotency and queries -------------------------------------------------------------------

def test_retried_client_order_id_is_never_placed_twice():
    async def main():
        server = await serve()
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote(ask_size=10)])
            await raw.send(p.FRAME_ORDER, [order(21, qty=2)])
            first = await raw.reports(2)
            await raw.send(p.FRAME_ORDER, [order(21, qty=2)])      # a retry: new nonce
            (again,) = await raw.reports(1)
            assert again == first[-1]                               # its current state
            await raw.send(p.FRAME_ORDER, [order(21, qty=5)])      # same id, other order
            (dup,) = await raw.reports(1)
            assert (dup.report_kind, dup.reason) == (p.REPORT_REJECTED,
                                                     p.REJECT_DUPLICATE_CLIENT_ORDER_ID)
            _head, positions = await raw.query(p.QUERY_POSITIONS)
            assert [x.quantity for x in positions] == [2]
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_queries_answer_open_orders_fills_since_and_positions():
    async def main():
        server = await serve()
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote(T0, ask_size=10, bid_size=10)])
            await raw.send(p.FRAME_ORDER, [order(1, qty=3)])
            await raw.reports(2)
            server.publish_quotes([quote(T0 + 100, bid=100_004, ask=100_006, bid_size=10)])
            await raw.send(p.FRAME_ORDER, [order(2, side=SIDE_SELL, qty=1)])
            await raw.reports(2)
            await raw.send(p.FRAME_ORDER, [order(3, price=90_000, order_type=ORDER_TYPE_LIMIT)])
            await raw.reports(1)

            head, opens = await raw.query(p.QUERY_OPEN_ORDERS, request_id=5)
            assert (head.request_id, head.count) == (5, 1)
            assert opens[0].client_order_id == 3 and opens[0].venue_order_id != 0

            head, fills = await raw.query(p.QUERY_FILLS_SINCE, request_id=6, since=T0 + 50)
            assert [(f.client_order_id, f.price, f.request_id) for f in fills] == [
                (2, 100_004, 6)]
            _h, all_fills = await raw.query(p.QUERY_FILLS_SINCE, request_id=8, since=0)
            assert len(all_fills) == 2

            _h, (pos,) = await raw.query(p.QUERY_POSITIONS, request_id=9)
            assert (pos.quantity, pos.avg_price) == (2, 100_002)
            assert pos.realized_pnl == 100_004 - 100_002           # 1 unit closed
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_accounts_keep_separate_orders_and_positions():
    async def main():
        server = await serve()
        try:
            alice = await logged_in(server, "ALICE")
            bob = await logged_in(server, "BOB")
            server.publish_quotes([quote(ask_size=10)])
            await alice.send(p.FRAME_ORDER, [order(1, qty=2)])
            await alice.reports(2)
            _h, pos = await bob.query(p.QUERY_POSITIONS)
            assert pos == []
            await bob.send(p.FRAME_ORDER, [order(1, qty=1)])        # same id, other key: fine
            reps = await bob.reports(2)
            assert reps[-1].report_kind == p.REPORT_FILLED and reps[-1].trader_id == 2
            await alice.ws.close()
            await bob.ws.close()
        finally:
            await server.stop()
    run(main())


# -- auth ---------------------------------------------------------------------------------------

def _unsigned(frame: bytes) -> bytes:
    b = bytearray(frame[:-p.AUTH_TRAILER_SIZE])
    b[4] = 0
    return bytes(b)


def _bad_signature(frame: bytes) -> bytes:
    return frame[:-1] + bytes([frame[-1] ^ 1])


@pytest.mark.parametrize("kind", ["unsigned", "bad_signature", "unknown_key", "stale",
                                  "replayed", "other_key"])
def test_bad_auth_is_rejected_with_its_reason_and_never_acted_on(kind):
    async def main():
        server = await serve()
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote(ask_size=10)])
            msg = order(31, qty=1)
            if kind == "unsigned":
                frame, reason = _unsigned(raw.signer.sign(p.FRAME_ORDER, [msg])), p.AUTH_UNSIGNED
            elif kind == "bad_signature":
                frame = _bad_signature(raw.signer.sign(p.FRAME_ORDER, [msg]))
                reason = p.AUTH_BAD_SIGNATURE
            elif kind == "unknown_key":
                frame = Signer("MALLORY", "m").sign(p.FRAME_ORDER, [msg])
                reason = p.AUTH_UNKNOWN_KEY
            elif kind == "other_key":   # a valid key, but not this session's
                frame = Signer("BOB", SECRETS["BOB"]).sign(p.FRAME_ORDER, [msg])
                reason = p.AUTH_UNKNOWN_KEY
            elif kind == "stale":
                from hft.adapters.sandbox.auth import wall_clock_ms
                frame = raw.signer.sign(p.FRAME_ORDER, [msg], ts_ms=wall_clock_ms() - 60_000)
                reason = p.AUTH_STALE
            else:
                frame = raw.signer.sign(p.FRAME_ORDER, [order(30, qty=1)])
                await raw.ws.send(frame)
                await raw.reports(2)
                reason = p.AUTH_REPLAYED
            await raw.ws.send(frame)
            (err,) = (await raw.recv(p.FRAME_ERROR)).records()
            assert (err.error_kind, err.detail, err.frame_type) == (p.ERROR_AUTH, reason,
                                                                    p.FRAME_ORDER)
            _h, pos = await raw.query(p.QUERY_POSITIONS)
            assert sum(x.quantity for x in pos) == (1 if kind == "replayed" else 0)
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_order_before_hello_is_refused_as_not_logged_in():
    async def main():
        server = await serve()
        try:
            async with connect(server.url) as ws:
                raw = Raw(ws)
                await raw.send(p.FRAME_ORDER, [order(1)])
                (err,) = (await raw.recv()).records()
                assert (err.error_kind, err.detail, err.context_id) == (
                    p.ERROR_SESSION, p.SESSION_NOT_LOGGED_IN, 1)
        finally:
            await server.stop()
    run(main())


# -- bad frames ---------------------------------------------------------------------------------

def test_bad_frames_get_errors_then_the_close_while_others_are_served():
    async def main():
        server = await serve(max_errors=3)
        try:
            bad = await logged_in(server, "ALICE")
            good = await logged_in(server, "BOB")
            frames = [b"\x00" * 10, p.frame_header(p.FRAME_QUOTES, 64) + b"\x00" * 64,
                      b"HF" + b"\x01\x63" + b"\x00" * 12, "text"]
            details = []
            for f in frames:
                await bad.ws.send(f)
                (err,) = (await bad.recv(p.FRAME_ERROR)).records()
                details.append(err.detail)
            assert details[0] == p.PROTO_BAD_FRAME_LENGTH
            assert details[2] == p.PROTO_BAD_FRAME_TYPE
            (last,) = (await bad.recv(p.FRAME_ERROR)).records()
            assert last.detail == p.SESSION_TOO_MANY_ERRORS
            with pytest.raises(Exception):
                await asyncio.wait_for(bad.ws.recv(), TIMEOUT_S)
            assert bad.ws.close_code == 1008
            server.publish_quotes([quote(ask_size=10)])
            await good.send(p.FRAME_ORDER, [order(1, qty=1)])
            reps = await good.reports(2)
            assert reps[-1].report_kind == p.REPORT_FILLED
            await good.ws.close()
        finally:
            await server.stop()
    run(main())


@settings(max_examples=15, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=300), min_size=1, max_size=8))
def test_random_bytes_do_not_kill_the_server(blobs):
    async def main():
        server = await serve(max_errors=4)
        try:
            async with connect(server.url) as ws:
                for b in blobs:
                    try:
                        await ws.send(b)
                    except Exception:
                        break
            raw = await logged_in(server, "BOB")
            server.publish_quotes([quote()])
            await raw.recv(p.FRAME_QUOTES)
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


# -- fault injection ----------------------------------------------------------------------------

def test_drop_after_n_frames_places_the_order_but_loses_its_ack():
    async def main():
        server = await serve(faults=FaultConfig(drop_after=2))
        try:
            raw = await logged_in(server)              # frame 1: hello
            server.publish_quotes([quote(ask_size=10)])
            await raw.send(p.FRAME_ORDER, [order(1, qty=1)])   # frame 2: acted on, then dropped
            with pytest.raises(Exception):
                while True:
                    frame = await raw.recv()
                    assert frame.frame_type == p.FRAME_QUOTES
            again = await logged_in(server)             # drop_times=1: the next one lives
            _h, fills = await again.query(p.QUERY_FILLS_SINCE)
            assert [f.client_order_id for f in fills] == [1]
            await again.ws.close()
        finally:
            await server.stop()
    run(main())


def test_delay_holds_replies_for_the_configured_time():
    async def main():
        server = await serve(faults=FaultConfig(delay_ms=150))
        try:
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            raw = await logged_in(server)
            assert loop.time() - t0 >= 0.15
            t1 = loop.time()
            await raw.query(p.QUERY_POSITIONS)
            assert loop.time() - t1 >= 0.15
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_reject_fraction_rejects_a_seeded_share_of_orders():
    async def main():
        server = await serve(faults=FaultConfig(reject_fraction=0.5, seed=1))
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote()])
            kinds = []
            for cid in range(1, 41):
                await raw.send(p.FRAME_ORDER, [order(cid, price=90_000,
                                                     order_type=ORDER_TYPE_LIMIT)])
                (rep,) = await raw.reports(1)
                kinds.append(rep.reason if rep.report_kind == p.REPORT_REJECTED else 0)
            assert set(kinds) == {0, p.REJECT_INJECTED}
            assert 10 <= kinds.count(p.REJECT_INJECTED) <= 30
            await raw.ws.close()
            return kinds
        finally:
            await server.stop()
    assert run(main()) == run(main())       # seeded: the same orders are rejected


def test_duplicate_fraction_one_sends_every_report_twice():
    async def main():
        server = await serve(faults=FaultConfig(duplicate_fraction=1.0))
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote()])
            await raw.send(p.FRAME_ORDER, [order(1)])
            reps = await raw.reports(4)
            assert [r.report_kind for r in reps] == [p.REPORT_ACCEPTED] * 2 + [p.REPORT_FILLED] * 2
            assert reps[2] == reps[3]
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


def test_reorder_swaps_adjacent_reports():
    async def main():
        server = await serve(faults=FaultConfig(reorder=True))
        try:
            raw = await logged_in(server)
            server.publish_quotes([quote()])
            await raw.send(p.FRAME_ORDER, [order(1)])
            reps = await raw.reports(2)
            assert [r.report_kind for r in reps] == [p.REPORT_FILLED, p.REPORT_ACCEPTED]
            await raw.send(p.FRAME_ORDER, [order(2, price=90_000, order_type=ORDER_TYPE_LIMIT)])
            (held,) = await raw.reports(1)           # alone: released after the hold time
            assert held.client_order_id == 2
            await raw.ws.close()
        finally:
            await server.stop()
    run(main())


# -- accounts without sockets -------------------------------------------------------------------

@given(st.lists(st.tuples(st.sampled_from([1, -1]), st.integers(1, 20),
                          st.integers(90, 110)), max_size=30))
def test_position_realized_plus_open_equals_cash_flow(fills):
    pos = PositionState()
    cash = 0
    for sign, qty, px in fills:
        pos.apply(sign * qty, px, 0)
        cash -= sign * qty * px
    # marking the open part at its own cost, everything left is realized
    assert pos.realized == cash + pos.cost


def test_exchange_gives_trader_ids_in_sorted_key_order():
    ex = Exchange([InstrumentSpec(1, 5, 0)], ["ZED", "AMY"])
    assert ex.accounts["AMY"].trader_id == 1 and ex.accounts["ZED"].trader_id == 2


def test_venue_command_refuses_a_remote_host_without_allow_remote(capsys):
    from hft.cli import main

    code = main(["venue", "--port", "0", "--synthetic", "--instrument", "1",
                 "--price-precision", "5", "--size-precision", "0", "--host", "0.0.0.0"])
    assert code == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_venue_command_serves_with_busy_poll_and_fault_flags_until_sigterm(tmp_path):
    import signal
    import subprocess
    import sys

    secrets = tmp_path / "secrets"
    secrets.write_text("K=s3cret\n")
    secrets.chmod(0o600)
    venue = subprocess.Popen(
        [sys.executable, "-m", "hft.cli", "venue", "--port", "0", "--synthetic",
         "--instrument", "1", "--price-precision", "5", "--size-precision", "0",
         "--secrets", str(secrets), "--busy-poll", "--drop-after", "2", "--drop-unread",
         "--mute-after", "1", "--mute-count", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = [venue.stdout.readline()]
        while lines[-1] and "serving" not in lines[-1]:
            lines.append(venue.stdout.readline())
        assert "serving" in lines[-1], "".join(lines)
        venue.send_signal(signal.SIGTERM)
        out, _ = venue.communicate(timeout=20)
    finally:
        if venue.poll() is None:
            venue.kill()
    assert venue.returncode == 0 and "stopped" in out
