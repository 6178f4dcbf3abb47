"""Sum positions per instrument: net quantity, exposure, realized and unrealized PnL.

PnL is in each instrument's quote currency, exact (`Decimal`), from `hft.model.position`.
Realized PnL = closed positions (remembered as a running sum, so it survives the cache's
bounded deque) + the realized part of open ones. Unrealized PnL marks open positions to the
last quote's mid (exact: one more digit than the price), else the last trade price; an
instrument with neither has no unrealized PnL (0). Totals add instruments across currencies
as plain numbers: fine for one quote currency, a sum of mixed units otherwise.
"""

from decimal import Decimal

from hft.kernel.cache cimport Cache
from hft.model.data cimport QuoteTick, TradeTick
from hft.model.identifiers cimport InstrumentId
from hft.model.objects cimport FIXED_MAX_PRECISION, Price, price_new
from hft.model.position cimport Position

__all__ = ["Portfolio"]

cdef object _ZERO = Decimal(0)


cdef class Portfolio:
    """Report net positions, exposure and PnL per instrument and in total, and balances."""

    def __init__(self, Cache cache not None):
        self.cache = cache
        self._realized_closed = {}

    cpdef void on_position_closed(self, Position position) except *:
        """Fold a closed position's realized PnL into its instrument's running sum."""
        # summed as the positions' exact ints (one instrument: one scale and multiplier), made a
        # Decimal only when read: a strategy that flips closes a position on every fill
        cdef list entry = self._realized_closed.get(position.instrument_id)
        if entry is None:
            self._realized_closed[position.instrument_id] = [position.realized_int(), position]
        else:
            entry[0] = entry[0] + position.realized_int()

    cpdef Price mark_price(self, InstrumentId instrument_id):
        """Return the last quote's exact mid, else the last trade price, else None."""
        cdef QuoteTick q = self.cache.last_quote(instrument_id)
        cdef TradeTick t
        if q is not None:
            if q.price_precision < FIXED_MAX_PRECISION:
                # (bid + ask) / 2 exactly: times 5 at one more digit
                return price_new((q.bid_raw + q.ask_raw) * 5, q.price_precision + 1)
            return price_new((q.bid_raw + q.ask_raw) // 2, q.price_precision)
        t = self.cache.last_trade(instrument_id)
        if t is not None:
            return price_new(t.price_raw, t.price_precision)
        return None

    def _open(self, InstrumentId instrument_id):
        return self.cache.positions_open(instrument_id=instrument_id)

    def net_position(self, InstrumentId instrument_id not None) -> Decimal:
        """Return the signed net quantity over every strategy (> 0 long)."""
        return sum((p.signed_qty for p in self._open(instrument_id)), _ZERO)

    def is_flat(self, InstrumentId instrument_id not None) -> bool:
        """Return True when no strategy holds the instrument."""
        return all(p.signed_qty_raw == 0 for p in self._open(instrument_id))

    def exposure(self, InstrumentId instrument_id not None) -> Decimal:
        """Return |net quantity| * mark price * multiplier (0 without a mark price)."""
        mark = self.mark_price(instrument_id)
        ins = self.cache.instrument(instrument_id)
        if mark is None:
            return _ZERO
        mult = ins.multiplier.as_decimal() if ins is not None else Decimal(1)
        return abs(self.net_position(instrument_id)) * mark.as_decimal() * mult

    def realized_pnl(self, InstrumentId instrument_id=None) -> Decimal:
        """Return realized PnL (gross of fees) of one instrument, or of all when None."""
        if instrument_id is None:
            ids = set(self._realized_closed) | {p.instrument_id for p in self.cache.positions_open()}
            return sum((self.realized_pnl(i) for i in ids), _ZERO)
        cdef list entry = self._realized_closed.get(instrument_id)
        closed = _ZERO if entry is None else (<Position>entry[1])._to_decimal(entry[0])
        return closed + sum((p.realized_pnl_decimal for p in self._open(instrument_id)), _ZERO)

    def unrealized_pnl(self, InstrumentId instrument_id=None) -> Decimal:
        """Return the open positions' PnL at the mark price, one instrument or all."""
        if instrument_id is None:
            ids = {p.instrument_id for p in self.cache.positions_open()}
            return sum((self.unrealized_pnl(i) for i in ids), _ZERO)
        mark = self.mark_price(instrument_id)
        if mark is None:
            return _ZERO
        return sum((p.unrealized_pnl_decimal(mark) for p in self._open(instrument_id)), _ZERO)

    def total_pnl(self, InstrumentId instrument_id=None) -> Decimal:
        """Return realized + unrealized PnL, one instrument or all."""
        return self.realized_pnl(instrument_id) + self.unrealized_pnl(instrument_id)

    cpdef double total_pnl_float(self) except? -1.0:
        """Return total_pnl() as a float (what the risk engine's daily loss limit reads)."""
        return float(self.total_pnl())

    def commissions(self) -> dict:
        """Return fees paid by open and recently closed positions, per currency (raw Money sum)."""
        out = {}
        for p in self.cache.positions_open() + self.cache.positions_closed_recent():
            for cur, money in p.commissions.items():
                out[cur] = out[cur] + money if cur in out else money
        return out

    def balances(self, str venue=None) -> dict:
        """Return the account balances of one venue ({Currency: AccountBalance}), or all."""
        if venue is not None:
            acc = self.cache.account(venue)
            return acc.balances() if acc is not None else {}
        out = {}
        for acc in self.cache.accounts():
            out.update(acc.balances())
        return out
