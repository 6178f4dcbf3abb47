"""The link dropped during a cancel: after reconnect and reconciliation, one outcome, once.

Server and node run in one asyncio loop on an ephemeral 127.0.0.1 port; the server's fault
injection decides where the link breaks. Frames the venue receives on a connection: 1 the
hello, 2..4 the reconciliation queries, 5 the order, 6 the cancel. Waits are on conditions
checked whenever the strategy hears something (no sleeps), each bounded by a timeout.
`Harness` is shared with test_ack_timeout.py.
"""

from __future__ import annotations

import asyncio

import pytest

from hft.adapters.sandbox.server import FaultConfig, SandboxServer
from hft.kernel.config import InstrumentConfig, NodeConfig, VenueConfig
from hft.kernel.node import TradingNode
from hft.kernel.strategy import Strategy
from hft.live.backoff import Backoff
from hft.live.runner import run_live_async
from hft.model.data import QuoteTick
from hft.model.identifiers import InstrumentId
from hft.model.objects import Price, Quantity
from live_harness import Scripted, Waiter, quote, run  # noqa: F401 (test_ack_timeout reads them here)

KEY, SECRET = "K1", "test-secret-1"
IID = "EURUSD.SANDBOX"
TIMEOUT = 10.0
REST = Price("1.00000", 5)      # a buy limit far below the market: it rests


class Harness:
    """Start a server with faults and a live node on it; stop both at the end."""

    def __init__(self, monkeypatch, *, ack_timeout_ms: float = 2000.0, **faults) -> None:
        self.server = SandboxServer(secrets={KEY: SECRET}, instrument_id=1, price_precision=5,
                                    size_precision=0, faults=FaultConfig(**faults))
        self.monkeypatch = monkeypatch
        self.ack_timeout_ms = ack_timeout_ms

    async def __aenter__(self):
        await self.server.start()
        self.monkeypatch.setenv("HFT_API_KEY", KEY)
        self.monkeypatch.setenv(f"HFT_API_SECRET_{KEY}", SECRET)
        config = NodeConfig(
            mode="live",
            instruments=[InstrumentConfig(id=IID, kind="fx", price_precision=5,
                                          size_precision=0, base_currency="EUR",
                                          quote_currency="USD")],
            venues=[VenueConfig(name="SANDBOX",
                                kind="hft.adapters.sandbox.client:create_sandbox_venue",
                                url=self.server.url, starting_balances=["1000000 USD"],
                                ack_timeout_ms=self.ack_timeout_ms)])
        self.node = TradingNode(config)
        self.client = self.node.exec_engine.client("SANDBOX")
        self.client.backoff = Backoff(initial_s=0.001, max_s=0.01, seed=1)
        self.strategy = s = Scripted()
        self.node.add_strategy(s)
        self.client.state_listeners.append(lambda _state: s.waiter.poke())
        self.stop = asyncio.Event()
        self.run_task = asyncio.create_task(run_live_async(
            self.node, stop_event=self.stop, install_signals=False, out=None,
            stop_timeout_s=2.0, connect_timeout_s=TIMEOUT))
        await self.client.wait_live(TIMEOUT)
        return self

    def publish(self, *indices: int, **kw) -> None:
        self.server.publish_quotes(b"".join(quote(i, **kw) for i in indices))

    def venue_qty(self) -> int:
        account = next(iter(self.server.exchange.accounts.values()))
        return sum(p.quantity for p in self.server.exchange.positions(account))

    def venue_open(self) -> list[int]:
        account = next(iter(self.server.exchange.accounts.values()))
        return [o.client_order_id for o in self.server.exchange.open_order_records(account, 0)]

    def node_qty(self) -> int:
        return sum(p.signed_qty_raw for p in self.node.cache.positions_open())

    async def rest_one(self):
        """Place one resting buy of 1000 on quote 1; return it once the venue acked it."""
        s = self.strategy
        placed = []
        s.script = lambda st, n: n == 1 and placed.append(st.buy(st.iid, Quantity("1000", 0),
                                                                 REST))
        self.publish(1)
        await s.waiter.until(lambda: s.count("OrderAccepted") == 1, what="the ack")
        s.script = None
        return placed[0]

    async def reconnected(self) -> None:
        s = self.strategy
        await s.waiter.until(lambda: self.client.sessions >= 2 and self.client.is_live,
                             what="the reconnect")

    async def __aexit__(self, *exc):
        if not self.run_task.done():
            self.stop.set()
            try:
                await asyncio.wait_for(self.run_task, TIMEOUT)
            except Exception:
                self.run_task.cancel()
        await self.server.stop()


def test_cancel_lost_with_the_link_is_sent_again_and_cancels_once(monkeypatch):
    # the venue never reads the cancel (frame 6): after reconciliation the order is still
    # open there and PENDING_CANCEL here, so the node cancels it again
    async def main():
        async with Harness(monkeypatch, drop_after=6, drop_unread=True) as h:
            s = h.strategy
            order = await h.rest_one()
            s.cancel_order(order)
            await h.reconnected()
            report = h.client.last_reconcile
            assert (report.canceled_again, report.lost, report.resent) == (1, 0, 0)
            await s.waiter.until(lambda: order.is_closed, what="the cancel")
            assert order.status.name == "ORDER_STATUS_CANCELED"
            assert s.count("OrderCanceled") == 1
            assert s.count("OrderCancelRejected") == 0
            assert h.server.stats["drops"] == 1 and h.server.stats["cancels"] == 1
            assert h.venue_open() == [] and not h.client.open_orders()
            assert h.node_qty() == 0 == h.venue_qty()
            assert h.client.ack_timeouts == 0

    run(main())


def test_cancel_report_lost_with_the_link_closes_the_order_once(monkeypatch):
    # the venue cancels (frame 6) and the link drops before its report goes out:
    # reconciliation finds the order gone and closes it; nothing is sent again
    async def main():
        async with Harness(monkeypatch, drop_after=6) as h:
            s = h.strategy
            order = await h.rest_one()
            s.cancel_order(order)
            await h.reconnected()
            report = h.client.last_reconcile
            assert (report.canceled_again, report.lost, report.resent) == (0, 1, 0)
            assert order.status.name == "ORDER_STATUS_CANCELED"
            h.publish(2)  # one more quote: any late duplicate would have arrived before it
            await s.waiter.until(lambda: s.quotes >= 2, what="quote 2")
            assert s.count("OrderCanceled") == 1
            assert h.server.stats["cancels"] == 1
            assert h.venue_open() == [] and not h.client.open_orders()
            assert h.node.exec_engine.events_dropped == 0

    run(main())


@pytest.mark.parametrize("drop", [False, True], ids=["link_up", "link_dropped"])
def test_fill_racing_the_cancel_keeps_the_fill_and_rejects_the_cancel_cleanly(monkeypatch,
                                                                              drop):
    # replies are held 100 ms, quotes are not: the node sees the quote that fills its order
    # and cancels before the fill report arrives; the venue refuses the cancel (closed).
    # link_dropped: the link also drops right after the cancel, losing both reports, and
    # reconciliation brings the fill back.
    faults = {"delay_ms": 100.0} | ({"drop_after": 6} if drop else {})

    async def main():
        async with Harness(monkeypatch, **faults) as h:
            s = h.strategy
            order = await h.rest_one()
            s.script = lambda st, n: n == 2 and st.cancel_order(order)
            h.publish(2, bid="0.99988", ask="0.99990")  # crosses the resting buy
            if drop:
                await h.reconnected()
                assert h.client.last_reconcile.missed_fills == 1
            await s.waiter.until(lambda: order.is_closed, what="the fill")
            # a sentinel order far from the market: its ack travels behind the cancel's
            # answer on the (delayed, ordered) reply path, so once it is here, so is that
            s.script = lambda st, n: n == 3 and st.sell(st.iid, Quantity("1", 0),
                                                        Price("2.00000", 5))
            h.publish(3)
            await s.waiter.until(lambda: s.count("OrderAccepted") == 2, what="sentinel ack")
            assert order.status.name == "ORDER_STATUS_FILLED"
            assert len(s.fills) == 1 and s.fills[0].last_qty == Quantity("1000", 0)
            assert s.count("OrderCanceled") == 0 and s.count("OrderCancelRejected") == 0
            assert h.node_qty() == 1000 == h.venue_qty()
            assert h.node.exec_engine.events_dropped == 0
            assert h.server.stats["cancels"] == 1
            # link up: the venue's CANCEL_REJECTED (order closed) arrived and changed nothing
            assert h.client.reports_dropped == (0 if drop else 1)

    run(main())
