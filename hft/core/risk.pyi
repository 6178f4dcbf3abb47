"""Pre-trade risk checks: per-instrument and account-wide limits, token buckets, kill switch."""

from enum import IntEnum

import numpy as np
import numpy.typing as npt

class DenyReason(IntEnum):
    DENY_NONE = 0
    DENY_UNKNOWN_INSTRUMENT = 1
    DENY_HALTED = 2
    DENY_REDUCING = 3
    DENY_MAX_ORDER_QTY = 4
    DENY_MAX_ORDER_NOTIONAL = 5
    DENY_MAX_POSITION = 6
    DENY_PRICE_BAND = 7
    DENY_NO_REFERENCE_PRICE = 8
    DENY_MAX_OPEN_ORDERS = 9
    DENY_RATE_LIMIT = 10
    DENY_DAILY_NOTIONAL = 11
    DENY_DAILY_LOSS = 12
    DENY_REDUCE_ONLY = 13
    DENY_INVALID_ORDER = 14
    DENY_PRECISION_MISMATCH = 15

class TradingState(IntEnum):
    TRADING_ACTIVE = 0
    TRADING_REDUCING = 1
    TRADING_HALTED = 2

DENY_NONE = DenyReason.DENY_NONE
DENY_UNKNOWN_INSTRUMENT = DenyReason.DENY_UNKNOWN_INSTRUMENT
DENY_HALTED = DenyReason.DENY_HALTED
DENY_REDUCING = DenyReason.DENY_REDUCING
DENY_MAX_ORDER_QTY = DenyReason.DENY_MAX_ORDER_QTY
DENY_MAX_ORDER_NOTIONAL = DenyReason.DENY_MAX_ORDER_NOTIONAL
DENY_MAX_POSITION = DenyReason.DENY_MAX_POSITION
DENY_PRICE_BAND = DenyReason.DENY_PRICE_BAND
DENY_NO_REFERENCE_PRICE = DenyReason.DENY_NO_REFERENCE_PRICE
DENY_MAX_OPEN_ORDERS = DenyReason.DENY_MAX_OPEN_ORDERS
DENY_RATE_LIMIT = DenyReason.DENY_RATE_LIMIT
DENY_DAILY_NOTIONAL = DenyReason.DENY_DAILY_NOTIONAL
DENY_DAILY_LOSS = DenyReason.DENY_DAILY_LOSS
DENY_REDUCE_ONLY = DenyReason.DENY_REDUCE_ONLY
DENY_INVALID_ORDER = DenyReason.DENY_INVALID_ORDER
DENY_PRECISION_MISMATCH = DenyReason.DENY_PRECISION_MISMATCH
TRADING_ACTIVE = TradingState.TRADING_ACTIVE
TRADING_REDUCING = TradingState.TRADING_REDUCING
TRADING_HALTED = TradingState.TRADING_HALTED

REASONS: dict[int, tuple[str, str]]

def reason_text(code: int) -> str:
    """Return the short text of a reason code."""

class TokenBucket:
    """Throttle to `rate_per_s` tokens per second with bursts of up to `burst` tokens."""

    def __init__(self, rate_per_s: float, burst: int, now_ns: int = 0) -> None: ...
    def try_take(self, now_ns: int, n: int = 1) -> bool:
        """Take n tokens at now_ns; return False, taking none, when fewer are available."""
    def available(self, now_ns: int) -> int:
        """Return the whole tokens available at now_ns."""
    @property
    def rate_per_s(self) -> float: ...
    @property
    def burst(self) -> int: ...

class RiskChecker:
    """Pre-trade risk checks over per-instrument and account-wide limits."""

    def __init__(self, max_instruments: int = 1024) -> None: ...
    def set_instrument_limits(
        self,
        instrument_id: int,
        max_order_qty: int = 0,
        max_order_notional: float = 0.0,
        max_position: int = 0,
        price_band: float = 0.0,
        max_open_orders: int = 0,
        multiplier: float = 1.0,
        price_precision: int = 0,
        size_precision: int = 0,
    ) -> None:
        """Set (or replace) one instrument's limits; its position, reference and open orders stay."""
    def set_account_limits(
        self,
        *,
        orders_per_s: float = 0.0,
        order_burst: int = 0,
        max_daily_notional: float = 0.0,
        daily_loss_limit: float = 0.0,
        now_ns: int = 0,
    ) -> None:
        """Set the account-wide limits; 0 means no limit."""
    def set_reference_price(self, instrument_id: int, price_raw: int) -> None:
        """Set the reference price (last mid or trade) the band and market notional use."""
    def set_position(self, instrument_id: int, signed_qty_raw: int) -> None:
        """Set the signed position (raw, size_precision): > 0 long, < 0 short."""
    def apply_fill(self, instrument_id: int, side: int, qty_raw: int) -> None:
        """Move the position by one fill: + qty for SIDE_BUY, - qty for SIDE_SELL."""
    def on_order_opened(self, instrument_id: int) -> None:
        """Count an open order that did not pass through check (e.g. found at reconciliation)."""
    def on_order_closed(self, instrument_id: int) -> None:
        """Count down an open order that reached a terminal state (filled, canceled, ...)."""
    def update_pnl(self, pnl: float) -> None:
        """Set today's PnL (realized today + unrealized) the daily loss limit is judged on."""
    def set_state(self, state: TradingState | int | str) -> None:
        """Set the trading state: ACTIVE, REDUCING (only reducing orders) or HALTED (none)."""
    @property
    def state(self) -> TradingState: ...
    def check(
        self,
        side: int,
        order_type: int,
        quantity_raw: int,
        price_raw: int,
        instrument_id: int,
        ts_ns: int,
        flags: int = 0,
        trigger_price_raw: int = 0,
    ) -> tuple[int, str]:
        """Check one order at ts_ns; return (0, "") on pass, else (code, readable reason)."""
    def check_amend(
        self,
        side: int,
        order_type: int,
        instrument_id: int,
        quantity_before: int,
        price_before: int,
        quantity_after: int,
        price_after: int,
        ts_ns: int,
        flags: int = 0,
        trigger_before: int = 0,
        trigger_after: int = 0,
    ) -> tuple[int, str]:
        """Check an amend of an open order (quantities left to fill); (0, "") on pass."""
    def check_record(self, record: bytes | bytearray | memoryview | npt.NDArray[np.uint8], ts_ns: int) -> tuple[int, str]:
        """Check one encoded 128-byte order record at ts_ns; return as `check` does."""
    def check_batch(
        self, records: npt.NDArray[np.uint8], ts_ns: npt.NDArray[np.int64], validate: bool = True
    ) -> npt.NDArray[np.uint8]:
        """Check encoded order records in order without the GIL; return their codes (uint8)."""
    @property
    def checked(self) -> int: ...
    @property
    def denied(self) -> dict[DenyReason, int]: ...
    @property
    def daily_notional(self) -> float: ...
    def position(self, instrument_id: int) -> int:
        """Return the signed position (raw) of an instrument."""
    def open_orders(self, instrument_id: int) -> int:
        """Return the open-order count of an instrument."""
    def rate_tokens(self, now_ns: int) -> int:
        """Return the whole order-rate tokens available at now_ns (-1 when not rate limited)."""
