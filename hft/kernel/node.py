"""TradingNode: build the kernel from one NodeConfig, load strategies and venues, run.

    node = TradingNode(load_config("examples/backtest.toml"))
    node.run()                      # backtest or live, by config.mode

Composition only (plain Python); the per-event path runs in the compiled engines. The node
never imports adapters, backtest or live modules: venues come from factory paths and the
run loop from a runner path, both resolved when needed (tests/test_layering.py keeps the
imports pointing down).

Venue factories are called as `factory(node, venue_config)` and return an `ExecutionClient`
(they may also add data clients or register more with the node). `kind = "sim"` means
"hft.adapters.sim:create_sim_venue", `"sandbox"` "hft.adapters.sandbox:create_sandbox_venue";
anything else is a "package.module:factory" path. The node builds each venue when it is
constructed (the backtest runner finds the simulated venues before `start()`);
`add_execution_client` replaces the client of a venue, e.g. with a scripted one in tests.

Runners are called as `runner(node)`: "hft.backtest.runner:run_backtest" in backtest mode,
"hft.live.runner:run_live" in live mode.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hft.kernel.cache import Cache
from hft.kernel.clock import Clock, LiveClock, TestClock
from hft.kernel.config import InstrumentConfig, NodeConfig, VenueConfig, load_strategy_config
from hft.kernel.data_engine import DataEngine
from hft.kernel.execution_engine import ExecutionEngine
from hft.kernel.loader import ResolveError, resolve_path
from hft.kernel.logging import configure_logging, get_logger
from hft.kernel.msgbus import MessageBus
from hft.kernel.portfolio import Portfolio
from hft.kernel.risk_engine import RiskEngine
from hft.kernel.strategy import Actor, Strategy
from hft.model.account import CashAccount, MarginAccount
from hft.model.identifiers import AccountId, InstrumentId, TraderId
from hft.model.instruments import InstrumentKind, Instrument
from hft.model.objects import Currency, Money

__all__ = ["TradingNode", "VENUE_FACTORIES", "RUNNERS", "instrument_from_config"]

VENUE_FACTORIES = {
    "sim": "hft.adapters.sim:create_sim_venue",
    "sandbox": "hft.adapters.sandbox:create_sandbox_venue",
}
RUNNERS = {
    "backtest": "hft.backtest.runner:run_backtest",
    "live": "hft.live.runner:run_live",
}

_KINDS = {
    "spot": InstrumentKind.INSTRUMENT_SPOT,
    "equity": InstrumentKind.INSTRUMENT_SPOT,
    "perpetual": InstrumentKind.INSTRUMENT_PERPETUAL,
    "future": InstrumentKind.INSTRUMENT_FUTURE,
    "fx": InstrumentKind.INSTRUMENT_FX,
}


def _currency(code: str) -> Currency:
    if not Currency.is_registered(code):
        Currency.register(Currency(code, 8))  # unknown codes: crypto-like 8 digits
    return Currency.from_str(code)


def _infer_quote(cfg: InstrumentConfig) -> tuple[str | None, str]:
    base, slash, quote = cfg.symbol.partition("/")
    if slash:
        return base, quote
    for code in ("USDT", "USDC", "USD", "EUR", "BTC", "JPY", "GBP"):
        if cfg.symbol.endswith(code) and len(cfg.symbol) > len(code):
            return cfg.symbol[: -len(code)], code
    return None, "USD"


def instrument_from_config(cfg: InstrumentConfig, numeric_id: int = 0) -> Instrument:
    """Build an Instrument from its config entry (currencies inferred from the symbol if unset)."""
    base, quote = _infer_quote(cfg)
    base = cfg.base_currency or base
    quote = cfg.quote_currency or quote
    return Instrument(
        InstrumentId(cfg.id), _KINDS[cfg.kind],
        quote_currency=_currency(quote),
        base_currency=_currency(base) if base else None,
        price_precision=cfg.price_precision, size_precision=cfg.size_precision,
        price_increment=str(cfg.tick_size), size_increment=str(cfg.lot_size),
        min_quantity=str(cfg.min_qty) if cfg.min_qty is not None else None,
        max_quantity=str(cfg.max_qty) if cfg.max_qty is not None else None,
        min_notional=str(cfg.min_notional) if cfg.min_notional else None,
        maker_fee=cfg.maker_fee, taker_fee=cfg.taker_fee,
        multiplier=str(cfg.multiplier), numeric_id=numeric_id,
    )


class TradingNode:
    """Hold one trading kernel: clock, bus, cache, portfolio, engines, strategies, clients.

    Parameters
    ----------
    config:
        The node's NodeConfig (None: an empty backtest node, for programmatic use).
    clock:
        Override the clock (default: TestClock in backtest mode, LiveClock in live mode).
    """

    def __init__(self, config: NodeConfig | None = None, *, clock: Clock | None = None) -> None:
        self.config = config if config is not None else NodeConfig()
        cfg = self.config
        self.mode = cfg.mode
        self.trader_id = TraderId(cfg.trader_id)
        self.clock = clock if clock is not None else (
            TestClock() if cfg.mode == "backtest" else LiveClock())
        self.log = get_logger("TradingNode", self.clock)
        self.clock.register_default_handler(self._on_orphan_timer)
        self.msgbus = MessageBus()
        self.cache = Cache()
        self.portfolio = Portfolio(self.cache)
        self.risk_engine = RiskEngine(self.clock, self.cache, cfg.risk)
        self.exec_engine = ExecutionEngine(self.clock, self.cache, self.portfolio,
                                           self.risk_engine, self.msgbus, self.trader_id)
        self.data_engine = DataEngine(self.clock, self.cache, self.msgbus)
        self.strategies: list[Actor] = []
        self.data_clients: list[Any] = []
        self.is_running = False
        for i, inst in enumerate(cfg.instruments):
            self.add_instrument(instrument_from_config(inst, numeric_id=i + 1))
        for venue in cfg.venues:
            self._add_account(venue)
        self._build_venues()
        for i, importable in enumerate(cfg.strategies):
            cls, strategy_config = load_strategy_config(importable, index=i)
            self.add_strategy(cls(strategy_config))

    # -- composition ----------------------------------------------------------------------

    def add_instrument(self, instrument: Instrument) -> None:
        """Make an instrument known to the cache and the risk engine."""
        self.cache.add_instrument(instrument)
        self.risk_engine.register_instrument(instrument)

    def add_strategy(self, strategy: Actor) -> Actor:
        """Register a Strategy or Actor with the node; start it now if the node runs."""
        if not isinstance(strategy, Actor):
            raise TypeError(f"add_strategy: expected a Strategy or Actor, got "
                            f"{type(strategy).__name__}")
        if any(s.id == strategy.id for s in self.strategies):
            raise ValueError(f"add_strategy: strategy id {strategy.id} is already used; set a "
                             f"distinct config.strategy_id")
        parts = dict(trader_id=self.trader_id, clock=self.clock, cache=self.cache,
                     portfolio=self.portfolio, data_engine=self.data_engine, msgbus=self.msgbus)
        if isinstance(strategy, Strategy):
            strategy.register(exec_engine=self.exec_engine,
                              strategy_number=len(self.strategies) + 1, **parts)
        else:
            strategy.register(**parts)
        self.strategies.append(strategy)
        if self.is_running:
            strategy.start()
        return strategy

    def add_execution_client(self, client: Any) -> None:
        """Route orders for `client.venue` to client, replacing the one built for the venue."""
        self.exec_engine.register_client(client, replace=True)
        if self.is_running:
            client.connect()

    def add_data_client(self, client: Any) -> None:
        """Let a DataClient feed the data engine; it is connected on start."""
        client.engine = self.data_engine
        self.data_clients.append(client)
        if self.is_running:
            client.connect()

    def _add_account(self, venue: VenueConfig) -> None:
        balances = [Money(str(amount), _currency(code)) for amount, code in venue.balances()]
        account_id = AccountId(f"{venue.name}-{self.trader_id.value}")
        if venue.account_type == "margin":
            account = MarginAccount(account_id, balances=balances, leverage=venue.leverage,
                                    leverages={InstrumentId(k): v
                                               for k, v in venue.leverages.items()})
        else:
            account = CashAccount(account_id, balances=balances)
        self.cache.add_account(venue.name, account)

    def _build_venues(self) -> None:
        for venue in self.config.venues:
            if self.exec_engine.client(venue.name) is not None:
                continue
            path = VENUE_FACTORIES.get(venue.kind, venue.kind)
            try:
                factory = resolve_path(path)
            except ResolveError as e:
                raise RuntimeError(f"venue {venue.name!r}: cannot load its factory {path!r}: "
                                   f"{e}") from None
            client = factory(self, venue)
            if client is not None and self.exec_engine.client(venue.name) is None:
                self.add_execution_client(client)

    def _on_orphan_timer(self, event: Any) -> None:
        self.log.warning("timer fired without a callback (use strategy.set_timer)",
                         name=event.name)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Connect the clients, then start every strategy."""
        if self.is_running:
            return
        self._build_venues()
        for client in self.exec_engine.clients():
            client.connect()
        for client in self.data_clients:
            client.connect()
        self.is_running = True
        for strategy in self.strategies:
            strategy.start()

    def stop(self) -> None:
        """Stop every strategy, then disconnect the clients."""
        if not self.is_running:
            return
        for strategy in self.strategies:
            strategy.stop()
        for client in self.data_clients:
            client.disconnect()
        for client in self.exec_engine.clients():
            client.disconnect()
        self.is_running = False

    def runner(self) -> Any:
        """Return the run function of the node's mode, resolved from its import path.

        Raises RuntimeError naming the runner when its module is not installed.
        """
        path = RUNNERS[self.mode]
        try:
            return resolve_path(path)
        except ResolveError as e:
            raise RuntimeError(f"TradingNode.run: the {self.mode} runner {path!r} is not "
                               f"available: {e}") from None

    def run(self) -> Any:
        """Configure logging, run the node to the end with the mode's runner; return its result.

        Raises RuntimeError naming the runner when its module is not installed.
        """
        runner = self.runner()
        lc = self.config.logging
        configure_logging(lc.level, lc.format, file=lc.file, clock=self.clock)
        return runner(self)

    def __repr__(self) -> str:
        return (f"TradingNode({self.trader_id}, mode={self.mode}, "
                f"strategies={[str(s.id) for s in self.strategies]})")
