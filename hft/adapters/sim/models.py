"""Model what a simulated venue cannot observe: how orders fill, how late things arrive, fees.

- `FillModel`: the L1 policy for a market order larger than the size at the touch.
- `LatencyModel`: feed latency (market data reaches the strategy late) and order latency
  (commands reach the venue late, reports come back late); each a constant plus optional
  uniform jitter drawn from `numpy.random.default_rng` with a fixed seed, one generator per
  channel so one channel's draws never shift another's.
- `FeeModel`: maker / taker rates from the instrument, fixed rates, or none; the commission is
  exact (Decimal) and rounded half-even to the quote currency's precision.

docs/fills.md describes the models with worked examples.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

import numpy as np

from hft.adapters.sim.matcher import REST_FULL, REST_NEXT_LEVEL, REST_PARTIAL
from hft.kernel.config import FeeConfig, FillModelConfig, LatencyConfig
from hft.model.enums import LiquiditySide
from hft.model.objects import Money

__all__ = ["FeeModel", "FillModel", "LatencyModel", "REST_POLICIES"]

REST_POLICIES = {"partial": REST_PARTIAL, "next_level": REST_NEXT_LEVEL, "full": REST_FULL}

_CHANNEL_FEED, _CHANNEL_INSERT, _CHANNEL_CANCEL, _CHANNEL_REPORT = range(4)


class FillModel:
    """Choose what an L1 market order does beyond the size quoted at the touch.

    Parameters
    ----------
    market_rest:
        "partial": the rest waits for the next quote (an IOC / FOK order's rest is canceled);
        "next_level": the rest fills one tick worse than the touch; "full": all at the touch.
    """

    def __init__(self, market_rest: Literal["partial", "next_level", "full"] = "partial") -> None:
        if market_rest not in REST_POLICIES:
            raise ValueError(f"FillModel: field 'market_rest' must be one of "
                             f"{sorted(REST_POLICIES)}, got {market_rest!r}")
        self.market_rest = market_rest

    @property
    def rest_policy(self) -> int:
        """Return the matcher's MarketRest code for market_rest."""
        return REST_POLICIES[self.market_rest]

    @classmethod
    def from_config(cls, config: FillModelConfig) -> FillModel:
        """Build from the venue's `fill` config (`market_rest`, when the config has it)."""
        return cls(getattr(config, "market_rest", "partial"))


class LatencyModel:
    """Delay what crosses the venue boundary: constant ns plus uniform jitter in [0, jitter_ns].

    Parameters
    ----------
    feed_ns:
        Market data reaches the strategy this long after the venue saw it.
    order_ns:
        Every command (new, cancel, modify) reaches the venue this long after it was sent;
        `insert_ns` is added to new orders and `cancel_ns` to cancels and modifies.
    report_ns:
        Venue events reach the node this long after they happened.
    jitter_ns, seed:
        Each delay gets an extra uniform integer in [0, jitter_ns], from a generator seeded
        with (seed, channel). 0 means no jitter (no draws at all).
    """

    def __init__(self, *, feed_ns: int = 0, order_ns: int = 0, insert_ns: int = 0,
                 cancel_ns: int = 0, report_ns: int = 0, jitter_ns: int = 0,
                 seed: int = 42) -> None:
        for name, value in (("feed_ns", feed_ns), ("order_ns", order_ns), ("insert_ns", insert_ns),
                            ("cancel_ns", cancel_ns), ("report_ns", report_ns),
                            ("jitter_ns", jitter_ns)):
            if value < 0:
                raise ValueError(f"LatencyModel: field '{name}' must be ns >= 0, got {value}")
        self.feed_ns = int(feed_ns)
        self.order_ns = int(order_ns)
        self.insert_ns = int(insert_ns)
        self.cancel_ns = int(cancel_ns)
        self.report_ns = int(report_ns)
        self.jitter_ns = int(jitter_ns)
        self.seed = int(seed)
        self._rngs = [np.random.default_rng([self.seed, channel]) for channel in range(4)]

    @classmethod
    def from_config(cls, config: LatencyConfig) -> LatencyModel:
        """Build from the venue's `latency` config.

        `base_ns` delays orders and reports both ways; `feed_ns` (when the config has it)
        delays market data.
        """
        return cls(feed_ns=getattr(config, "feed_ns", 0), order_ns=config.base_ns,
                   insert_ns=config.insert_ns, cancel_ns=config.cancel_ns,
                   report_ns=config.base_ns, jitter_ns=config.jitter_ns, seed=config.seed)

    def _jitter(self, channel: int) -> int:
        if self.jitter_ns == 0:
            return 0
        return int(self._rngs[channel].integers(0, self.jitter_ns, endpoint=True))

    @property
    def is_zero(self) -> bool:
        """Return True when nothing is ever delayed."""
        return not (self.feed_ns or self.order_ns or self.insert_ns or self.cancel_ns
                    or self.report_ns or self.jitter_ns)

    def insert_delay(self) -> int:
        """Return the delay of one new order on its way to the venue, in ns."""
        return self.order_ns + self.insert_ns + self._jitter(_CHANNEL_INSERT)

    def cancel_delay(self) -> int:
        """Return the delay of one cancel or modify on its way to the venue, in ns."""
        return self.order_ns + self.cancel_ns + self._jitter(_CHANNEL_CANCEL)

    def report_delay(self) -> int:
        """Return the delay of one venue event on its way back to the node, in ns."""
        return self.report_ns + self._jitter(_CHANNEL_REPORT)

    def feed_delays(self, n: int) -> np.ndarray:
        """Return the next n market-data delays as an int64 array (drawn in blocks by the runner)."""
        out = np.full(n, self.feed_ns, dtype=np.int64)
        if self.jitter_ns:
            out += self._rngs[_CHANNEL_FEED].integers(0, self.jitter_ns, size=n, endpoint=True)
        return out

    def __repr__(self) -> str:
        return (f"LatencyModel(feed_ns={self.feed_ns}, order_ns={self.order_ns}, "
                f"insert_ns={self.insert_ns}, cancel_ns={self.cancel_ns}, "
                f"report_ns={self.report_ns}, jitter_ns={self.jitter_ns}, seed={self.seed})")


class FeeModel:
    """Charge a commission per fill: rate * price * quantity * multiplier, in the quote currency.

    Parameters
    ----------
    model:
        "instrument": the instrument's maker_fee / taker_fee; "fixed": `maker` / `taker`;
        "zero": nothing. A negative rate is a rebate (negative commission).
    """

    def __init__(self, model: Literal["instrument", "fixed", "zero"] = "instrument", *,
                 maker: Decimal | str | int = 0, taker: Decimal | str | int = 0) -> None:
        if model not in ("instrument", "fixed", "zero"):
            raise ValueError(f"FeeModel: field 'model' must be 'instrument', 'fixed' or 'zero', "
                             f"got {model!r}")
        self.model = model
        self.maker = Decimal(str(maker))
        self.taker = Decimal(str(taker))

    @classmethod
    def from_config(cls, config: FeeConfig) -> FeeModel:
        """Build from the venue's `fees` config."""
        return cls(config.model, maker=config.maker, taker=config.taker)

    def rate(self, instrument, liquidity: int) -> Decimal:
        """Return the fee rate for a MAKER or TAKER fill of this instrument."""
        if self.model == "zero":
            return Decimal(0)
        maker = liquidity == LiquiditySide.LIQUIDITY_SIDE_MAKER
        if self.model == "fixed":
            return self.maker if maker else self.taker
        return Decimal(instrument.maker_fee if maker else instrument.taker_fee)

    def commission(self, instrument, px_raw: int, qty_raw: int, liquidity: int) -> Money:
        """Return the commission of one fill (raw price and quantity at the instrument's precisions)."""
        currency = instrument.quote_currency
        rate = self.rate(instrument, liquidity)
        if rate == 0:
            return Money(0, currency)
        notional = (Decimal(px_raw).scaleb(-instrument.price_precision)
                    * Decimal(qty_raw).scaleb(-instrument.size_precision)
                    * instrument.multiplier.as_decimal())
        fee = (notional * rate).quantize(Decimal(1).scaleb(-currency.precision),
                                         rounding=ROUND_HALF_EVEN)
        return Money(fee, currency)
