"""What the live tests against a real SandboxServer share: waits without sleeps, a scripted
strategy that records what it hears, and encoded quotes for the sandbox's instrument 1."""

from __future__ import annotations

import asyncio

from hft.kernel.strategy import Strategy
from hft.model.data import QuoteTick
from hft.model.identifiers import InstrumentId
from hft.model.objects import Price, Quantity

IID = "EURUSD.SANDBOX"
TIMEOUT = 10.0


def run(coro):
    """Run one test's coroutine with an overall bound."""
    return asyncio.run(asyncio.wait_for(coro, 30))


class Waiter:
    """Resolve conditions (predicates) whenever `poke()` is called; no polling, no sleeps."""

    def __init__(self) -> None:
        self._waits: list[tuple[object, asyncio.Future]] = []
        self.debug = lambda: ""

    def poke(self) -> None:
        for pred, fut in list(self._waits):
            if not fut.done() and pred():
                fut.set_result(None)

    async def until(self, pred, timeout=TIMEOUT, what="condition") -> None:
        if pred():
            return
        fut = asyncio.get_running_loop().create_future()
        self._waits.append((pred, fut))
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}: {self.debug()}") from None
        finally:
            self._waits.remove((pred, fut))


class Scripted(Strategy):
    """Record quotes and events; run `self.script(self, quote_count)` on every quote."""

    def __init__(self, config=None):
        super().__init__(config)
        self.quotes = 0
        self.events = []
        self.fills = []
        self.waiter = Waiter()
        self.waiter.debug = lambda: f"quotes={self.quotes} events={self.kinds()}"
        self.script = None

    def on_start(self):
        self.iid = InstrumentId(IID)
        self.subscribe_quotes(self.iid)

    def on_quote(self, quote):
        self.quotes += 1
        if self.script is not None:
            self.script(self, self.quotes)
        self.waiter.poke()

    def on_order_event(self, event):
        self.events.append(event)
        self.waiter.poke()

    def on_fill(self, fill):
        self.fills.append(fill)
        self.waiter.poke()

    def on_position_changed(self, position):
        self.waiter.poke()

    def kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.events]

    def count(self, kind: str) -> int:
        return self.kinds().count(kind)


def quote(i: int, bid: str = "1.10000", ask: str = "1.10002") -> bytes:
    """Return one encoded quote for the sandbox's instrument 1."""
    return QuoteTick(InstrumentId(IID), Price(bid, 5), Price(ask, 5), Quantity("1000000", 0),
                     Quantity("1000000", 0), ts_event=1_700_000_000_000_000_000 + i,
                     ts_init=0).to_record(numeric_id=1)
