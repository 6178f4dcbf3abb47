"""Keep an account's balances: a cash account, or a margin account with leverage.

Cash account
------------

`CashAccount.apply_fill(fill, instrument)` moves cash for one fill:

- spot: a buy pays `qty * price * multiplier` of the quote currency (rounded half-even to its
  precision) and receives `qty` of the base currency; a sell does the opposite;
- perpetual, future and FX (traded as a CFD): no cash changes hands but the realized PnL the
  caller passes (`realized_pnl`, from the instrument's `Position`, in the settlement currency);
- every fill debits its commission from the commission's currency (a negative one credits).

`free = total - locked`. Every change is checked before it is made: if any currency's free
balance would go below zero the account is left as it was and `AccountBalanceNegative` (a
ValueError naming the currency, the balance and the change) is raised. Margin of an open order
is held with `lock`/`unlock`; to fill an order whose funds are locked, pass `unlock=` to
`apply_fill` so the release and the fill happen in one checked step.

A `base_currency` makes the account single-currency: any change in another currency raises
ValueError (convert first).

Margin account
--------------
`MarginAccount.apply_fill(fill, instrument)` nets fills per instrument (one net position per
instrument, as a venue in one-way mode does) and moves its balance by the realized PnL of that
net position and the fill's commission only: the notional does not move cash. In the
instrument's settlement currency, with `leverage` (the account's, or a per-instrument
override) and the last price known for the instrument (a fill's price, or `set_mark`):

- initial margin of a position = |qty| x price x multiplier / leverage;
- margin used = position margin + margin held for open orders (`hold_margin`; the risk
  engine holds it for each order it passes that adds exposure);
- equity = balance + unrealized PnL at the last price;
- free margin = equity - margin used; margin level = equity / margin used x 100 (percent).

Money is exact: realized PnL is kept at 18 price digits per instrument (as `Position` does)
and booked to the balance rounded half-even; the unrealized PnL carries the sub-unit remainder,
so balance + unrealized is the exact PnL rounded once per instrument. A loss may take a margin
account's balance below zero (the fill happened): margin level tells, nothing raises.

Both kinds share the base class `Account`, whose C-level `settle_fill` the execution engine
calls for every fill.
"""

cimport cython
from libc.stdint cimport int64_t, uint8_t

from hft.core.encoding cimport SIDE_BUY
from hft.model.events cimport OrderFilled
from hft.model.identifiers cimport AccountId, InstrumentId
from hft.model.instruments cimport INSTRUMENT_SPOT, Instrument
from hft.model.objects cimport Currency, Money, Price, Quantity, fixed_rescale, money_new

from decimal import Decimal
from typing import NamedTuple

__all__ = ["Account", "CashAccount", "MarginAccount", "AccountBalance", "AccountBalanceNegative"]


class AccountBalanceNegative(ValueError):
    """Raised when a change would take a free balance below zero; nothing was changed."""


class AccountBalance(NamedTuple):
    """One currency's balance: total = locked + free."""

    total: Money
    locked: Money
    free: Money


cdef tuple _POW10 = tuple([10 ** i for i in range(60)])


cdef object _div_half_even(object num, object den):
    # round(num / den) half-even on Python ints; den > 0
    q, r = divmod(num, den)
    twice = 2 * r
    if twice > den or (twice == den and q % 2 == 1):
        q += 1
    return q


cdef inline void _add(dict delta, Currency cur, object raw):
    delta[cur] = delta.get(cur, 0) + raw



cdef str _what(object what):
    if isinstance(what, OrderFilled):
        return f"fill {what.trade_id} of {what.client_order_id}"
    return what



cdef str _fmt(object raw, Currency cur):
    # exact text of a raw amount at the currency's digits (a Python int may exceed int64)
    return str(Decimal(raw).scaleb(-cur.precision))


cdef str _fmt_money(object raw, Currency cur):
    return f"{_fmt(raw, cur)} {cur.code}"


cdef class Account:
    """Hold one account's balances per currency; the base of CashAccount and MarginAccount.

    Not instantiated itself: the subclasses say how a fill moves the balances.
    """

    def __init__(self, AccountId account_id not None, Currency base_currency=None,
                 balances=None):
        if type(self) is Account:
            raise TypeError("Account is abstract: use CashAccount or MarginAccount")
        self.account_id = account_id
        self.base_currency = base_currency
        self._total = {}
        self._locked = {}
        if balances is None:
            return
        items = balances.items() if isinstance(balances, dict) else \
            [(m.currency, m) for m in balances]
        cdef Money money
        for cur, money in items:
            if money is None or money.currency != cur:
                raise ValueError(f"{type(self).__name__} {account_id}: balance for {cur} must be "
                                 f"Money in {cur}, got {money!r}")
            if money.raw < 0:
                raise AccountBalanceNegative(f"{type(self).__name__} {account_id}: starting "
                                             f"balance {money} is negative")
            self._check_currency(money.currency)
            _add(self._total, money.currency, money.raw)

    cdef int _check_currency(self, Currency cur) except -1:
        if self.base_currency is not None and cur != self.base_currency:
            raise ValueError(f"{type(self).__name__} {self.account_id}: single-currency account "
                             f"in {self.base_currency}, cannot hold {cur}")
        return 0

    cdef int _commit(self, dict total_delta, dict locked_delta, object what) except -1:
        # check every currency first, then apply: a refused change leaves nothing half-done.
        # `what` names the change in error texts: a str, or the OrderFilled (its text is built
        # only when there is an error: fills are the hot path)
        cdef Currency cur
        for cur in (set(total_delta) | set(locked_delta) if locked_delta else total_delta):
            self._check_currency(cur)
            total = self._total.get(cur, 0) + total_delta.get(cur, 0)
            locked = self._locked.get(cur, 0) + locked_delta.get(cur, 0)
            if locked < 0:
                raise ValueError(f"{type(self).__name__} {self.account_id}: {_what(what)} would "
                                 f"unlock more {cur} than is locked "
                                 f"({money_new(self._locked.get(cur, 0), cur)})")
            if total - locked < 0:
                raise AccountBalanceNegative(
                    f"{type(self).__name__} {self.account_id}: {_what(what)} would take free "
                    f"{cur} to {_fmt(total - locked, cur)} (total "
                    f"{_fmt(self._total.get(cur, 0), cur)}, locked "
                    f"{_fmt(self._locked.get(cur, 0), cur)}, change "
                    f"{_fmt(total_delta.get(cur, 0), cur)})"
                )
        for cur, raw in total_delta.items():
            self._total[cur] = self._total.get(cur, 0) + raw
        for cur, raw in locked_delta.items():
            self._locked[cur] = self._locked.get(cur, 0) + raw
        return 0

    cdef int settle_fill(self, OrderFilled fill, Instrument instrument, Money realized_pnl,
                          Money unlock) except -1:
        raise NotImplementedError(f"{type(self).__name__}.settle_fill")

    @property
    def kind(self) -> str:
        """Return "cash" or "margin"."""
        return "cash"

    def deposit(self, Money amount not None) -> None:
        """Add funds (amount >= 0)."""
        if amount.raw < 0:
            raise ValueError(f"{type(self).__name__} {self.account_id}: deposit must be >= 0, "
                             f"got {amount}")
        self._commit({amount.currency: amount.raw}, {}, f"deposit {amount}")

    # -- balances --------------------------------------------------------------------------

    def balance_total(self, Currency currency not None) -> Money:
        """Return the total balance in `currency` (zero if none)."""
        return money_new(self._total.get(currency, 0), currency)

    def balance_locked(self, Currency currency not None) -> Money:
        """Return the locked balance in `currency`."""
        return money_new(self._locked.get(currency, 0), currency)

    def balance_free(self, Currency currency not None) -> Money:
        """Return total - locked in `currency`."""
        return money_new(self._total.get(currency, 0) - self._locked.get(currency, 0), currency)

    def balance(self, Currency currency not None) -> AccountBalance:
        """Return (total, locked, free) in `currency`."""
        return AccountBalance(self.balance_total(currency), self.balance_locked(currency),
                              self.balance_free(currency))

    def balances(self) -> dict:
        """Return {Currency: AccountBalance} for every currency the account has seen."""
        return {cur: self.balance(cur) for cur in self.currencies}

    @property
    def currencies(self) -> list:
        """Return the currencies with a balance entry, sorted by code."""
        return sorted(set(self._total) | set(self._locked), key=lambda c: c.code)

    def __repr__(self) -> str:
        parts = ", ".join(f"{_fmt(self._total[c], c)} {c}" for c in self.currencies
                          if c in self._total)
        return f"{type(self).__name__}({self.account_id}, {parts or 'empty'})"


@cython.final
cdef class CashAccount(Account):
    """Hold one account's balances and move them on fills, deposits and locks.

    Parameters
    ----------
    account_id:
        The account's id.
    base_currency:
        None for a multi-currency account, else the only currency it may hold.
    balances:
        Starting balances: {Currency: Money} or an iterable of Money; each >= 0.
    """

    cdef int settle_fill(self, OrderFilled fill, Instrument instrument, Money realized_pnl,
                          Money unlock) except -1:
        if fill.instrument_id != instrument.id:
            raise ValueError(f"CashAccount {self.account_id}: fill for {fill.instrument_id} "
                             f"applied with instrument {instrument.id}")
        cdef dict total = {}, locked = {}
        cdef Currency quote = instrument.quote_currency, base = instrument.base_currency
        cdef int64_t base_raw
        cdef object sign = 1 if fill._order_side == SIDE_BUY else -1
        if instrument.kind == INSTRUMENT_SPOT:
            if realized_pnl is not None and realized_pnl.raw != 0:
                raise ValueError(f"CashAccount {self.account_id}: realized_pnl is for "
                                 f"derivatives; a spot fill moves base and quote")
            # notional = qty * px * mult in quote raw units, rounded half-even once
            mult = instrument.multiplier
            scale = fill._size_precision + fill._price_precision + mult.precision
            notional = <object>fill._qty_raw * fill._px_raw * mult.raw * _POW10[quote.precision]
            _add(total, quote, -sign * _div_half_even(notional, _POW10[scale]))
            if base is None:
                raise ValueError(f"CashAccount {self.account_id}: spot instrument "
                                 f"{instrument.id} has no base currency")
            if not fixed_rescale(fill._qty_raw, fill._size_precision, base.precision, &base_raw):
                raise ValueError(f"CashAccount {self.account_id}: fill quantity "
                                 f"{fill.last_qty} does not fit {base} precision {base.precision}")
            _add(total, base, sign * base_raw)
        elif realized_pnl is not None:
            if realized_pnl.currency != instrument.settlement_currency:
                raise ValueError(f"CashAccount {self.account_id}: realized_pnl must be in "
                                 f"{instrument.settlement_currency}, got {realized_pnl}")
            _add(total, realized_pnl.currency, realized_pnl.raw)
        cdef Money fee = fill._commission
        if fee.raw != 0:
            _add(total, fee.currency, -fee.raw)
        if unlock is not None:
            _add(locked, unlock.currency, -unlock.raw)
        self._commit(total, locked, fill)
        self.fill_count += 1
        return 0

    def apply_fill(self, OrderFilled fill not None, Instrument instrument not None,
                   Money realized_pnl=None, Money unlock=None) -> None:
        """Move cash for one fill of `instrument` (see the module docstring).

        Parameters
        ----------
        realized_pnl:
            Derivatives only: the PnL this fill realized, in the settlement currency (None = 0).
        unlock:
            Funds to release in the same step (the filled order's locked margin), or None.

        Raises
        ------
        AccountBalanceNegative
            when a free balance would go below zero; the account is unchanged.
        ValueError
            when the fill is for another instrument, or a PnL is given for a spot fill.
        """
        self.settle_fill(fill, instrument, realized_pnl, unlock)

    def withdraw(self, Money amount not None) -> None:
        """Remove free funds (amount >= 0); AccountBalanceNegative if not enough is free."""
        if amount.raw < 0:
            raise ValueError(f"CashAccount {self.account_id}: withdraw must be >= 0, got {amount}")
        self._commit({amount.currency: -amount.raw}, {}, f"withdraw {amount}")

    def lock(self, Money amount not None) -> None:
        """Hold free funds for an open order; AccountBalanceNegative if not enough is free."""
        if amount.raw < 0:
            raise ValueError(f"CashAccount {self.account_id}: lock must be >= 0, got {amount}")
        self._commit({}, {amount.currency: amount.raw}, f"lock {amount}")

    def unlock(self, Money amount not None) -> None:
        """Release held funds; ValueError if more than is locked."""
        if amount.raw < 0:
            raise ValueError(f"CashAccount {self.account_id}: unlock must be >= 0, got {amount}")
        self._commit({}, {amount.currency: -amount.raw}, f"unlock {amount}")


cdef int _PX_DIGITS = 18  # prices inside a margin account: 18 digits, as in Position


cdef tuple _leverage_ratio(object leverage, str what):
    # a leverage as (numerator, denominator) ints, exactly; > 0
    if isinstance(leverage, (bool, float)) or not isinstance(leverage, (int, Decimal, str)):
        raise TypeError(f"{what}: expected a Decimal, int or str, got {leverage!r}")
    value = Decimal(leverage)
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{what}: expected a leverage > 0, got {leverage}")
    return value.as_integer_ratio()


@cython.final
cdef class MarginBook:
    """Hold one settlement currency's margin figures in a margin account (read-only)."""

    def __repr__(self) -> str:
        return f"MarginBook({self.currency}, margin {_fmt(self.position_margin, self.currency)})"


cdef MarginBook _book_new(Currency cur):
    cdef MarginBook book = MarginBook.__new__(MarginBook)
    book.currency = cur
    book.position_margin = 0
    book.order_margin = 0
    book.unrealized = 0
    book.peak = 0
    return book


cdef object leg_margin_raw(MarginLeg leg, object qty_raw, int64_t px_raw, uint8_t precision):
    # at the price's own digits (not 18): smaller ints, and this runs per order
    return _div_half_even(abs(qty_raw) * <object>px_raw * leg.value_num * leg.lev_den,
                          _POW10[leg.qty_digits + precision] * leg.lev_num)


cdef inline int _note_peak(MarginBook book) except -1:
    used = book.position_margin + book.order_margin
    if used > book.peak:
        book.peak = used
    return 0


cdef MarginBook _book_or_zero(MarginAccount account, Currency cur):
    # a currency without a book reads as zeros
    cdef MarginBook book = account._books.get(cur)
    return book if book is not None else _book_new(cur)


@cython.final
cdef class MarginLeg:
    """Hold one instrument's net position in a margin account (read-only to callers)."""

    def __repr__(self) -> str:
        return f"MarginLeg({self.instrument.id}, qty_raw={self.qty_raw})"


@cython.final
cdef class MarginAccount(Account):
    """Hold a margin account: balances move by realized PnL and fees, positions hold margin.

    Parameters
    ----------
    account_id:
        The account's id.
    base_currency:
        None for a multi-currency account, else the only currency it may hold (instruments
        must settle in it).
    balances:
        Starting balances: {Currency: Money} or an iterable of Money; each >= 0.
    leverage:
        The default leverage, > 0 (Decimal, int or str; default 1).
    leverages:
        Per-instrument overrides: {InstrumentId or "SYMBOL.VENUE": leverage}.
    """

    def __init__(self, AccountId account_id not None, Currency base_currency=None,
                 balances=None, leverage=1, leverages=None):
        Account.__init__(self, account_id, base_currency, balances)
        _leverage_ratio(leverage, f"MarginAccount {account_id}: leverage")
        self.leverage = Decimal(leverage)
        self._leverages = {}
        for iid, lev in (leverages or {}).items():
            key = iid if isinstance(iid, InstrumentId) else InstrumentId(iid)
            _leverage_ratio(lev, f"MarginAccount {account_id}: leverage of {key}")
            self._leverages[key] = Decimal(lev)
        self._legs = {}
        self._books = {}

    @property
    def kind(self) -> str:
        """Return "margin"."""
        return "margin"

    def leverage_for(self, InstrumentId instrument_id not None):
        """Return the leverage of one instrument (its override, else the account's)."""
        return self._leverages.get(instrument_id, self.leverage)

    cdef MarginBook book_of(self, Currency cur):
        cdef MarginBook book = self._books.get(cur)
        if book is None:
            self._check_currency(cur)
            book = _book_new(cur)
            self._books[cur] = book
        return book

    cdef MarginLeg leg_of(self, Instrument instrument):
        cdef MarginLeg leg = self._legs.get(instrument.id)
        if leg is not None:
            return leg
        leg = MarginLeg.__new__(MarginLeg)
        leg.instrument = instrument
        leg.currency = instrument.settlement_currency
        leg.book = self.book_of(leg.currency)
        leg.qty_raw = 0
        leg.cost = 0
        leg.realized = 0
        leg.booked = 0
        leg.mark18 = None
        leg.lev_num, leg.lev_den = _leverage_ratio(self.leverage_for(instrument.id), "leverage")
        mult = instrument.multiplier
        leg.value_num = <object>mult.raw * _POW10[leg.currency.precision]
        leg.qty_digits = instrument.size_precision + mult.precision
        leg.value_den = _POW10[_PX_DIGITS + leg.qty_digits]
        leg.margin = 0
        leg.unrealized = 0
        self._legs[instrument.id] = leg
        return leg

    cdef int _revalue(self, MarginLeg leg) except -1:
        # margin and unrealized PnL of one leg at its mark; the book's sums move by the change
        cdef MarginBook book = leg.book
        cdef object q = leg.qty_raw
        cdef object margin = 0, unrealized = 0
        if leg.mark18 is not None:
            # the realized remainder below a currency unit rides in the unrealized PnL, so
            # booked + unrealized is the exact PnL rounded once
            unrealized = _div_half_even((leg.mark18 * q - leg.cost + leg.realized)
                                        * leg.value_num, leg.value_den) - leg.booked
            if q != 0:
                margin = _div_half_even(abs(q) * leg.mark18 * leg.value_num * leg.lev_den,
                                        leg.value_den * leg.lev_num)
        if margin != leg.margin:
            book.position_margin += margin - leg.margin
            leg.margin = margin
            _note_peak(book)
        if unrealized != leg.unrealized:
            book.unrealized += unrealized - leg.unrealized
            leg.unrealized = unrealized
        return 0

    cdef int settle_fill(self, OrderFilled fill, Instrument instrument, Money realized_pnl,
                          Money unlock) except -1:
        # realized_pnl is ignored: the account nets fills per instrument and books its own
        if unlock is not None:
            raise ValueError(f"MarginAccount {self.account_id}: unlock is for a cash account; "
                             f"a margin account holds no funds per order")
        if fill.instrument_id != instrument.id:
            raise ValueError(f"MarginAccount {self.account_id}: fill for {fill.instrument_id} "
                             f"applied with instrument {instrument.id}")
        cdef MarginLeg leg = self.leg_of(instrument)
        cdef Money fee = fill._commission
        if fee.raw != 0:
            self._check_currency(fee.currency)
        cdef int64_t qty
        if not fixed_rescale(fill._qty_raw, fill._size_precision, instrument.size_precision,
                             &qty):
            raise ValueError(f"MarginAccount {self.account_id}: fill quantity {fill.last_qty} "
                             f"does not fit size precision {instrument.size_precision}")
        cdef object px = <object>fill._px_raw * _POW10[_PX_DIGITS - fill._price_precision]
        cdef object signed = qty if fill._order_side == SIDE_BUY else -qty
        cdef object open_qty = leg.qty_raw
        cdef object closing, removed
        if open_qty == 0 or (open_qty > 0) == (signed > 0):
            leg.cost += px * signed
        else:
            # reduce (and maybe flip): book the closed share of the open cost, as Position does
            closing = min(abs(signed), abs(open_qty))
            removed = _div_half_even(leg.cost * closing, abs(open_qty))
            leg.realized += px * (closing if signed < 0 else -closing) - removed
            leg.cost -= removed
            if closing == abs(open_qty):
                leg.cost = 0
            if abs(signed) > closing:
                leg.cost += px * (signed + open_qty)
        leg.qty_raw = open_qty + signed
        leg.mark18 = px  # the fill's price is the latest one the account knows
        booked = _div_half_even(leg.realized * leg.value_num, leg.value_den)
        cdef Currency cur = leg.currency
        if booked != leg.booked:
            self._total[cur] = self._total.get(cur, 0) + booked - leg.booked
            leg.booked = booked
        if fee.raw != 0:
            self._total[fee.currency] = self._total.get(fee.currency, 0) - fee.raw
        self._revalue(leg)
        self.fill_count += 1
        return 0

    def apply_fill(self, OrderFilled fill not None, Instrument instrument not None) -> None:
        """Net one fill into its instrument's position; book realized PnL and the fee.

        The fill's price becomes the instrument's last price (margin and unrealized PnL move).

        Raises
        ------
        ValueError
            when the fill is for another instrument, its quantity does not fit the
            instrument's size precision, or a currency is not the account's base currency.
        """
        self.settle_fill(fill, instrument, None, None)

    cdef int update_mark(self, InstrumentId instrument_id, int64_t px_raw,
                         uint8_t precision) except -1:
        cdef MarginLeg leg = self._legs.get(instrument_id)
        if leg is None:
            return 0
        cdef object mark = <object>px_raw * _POW10[_PX_DIGITS - precision]
        if mark != leg.mark18:
            leg.mark18 = mark
            self._revalue(leg)
        return 0

    def set_mark(self, InstrumentId instrument_id not None, Price price not None) -> None:
        """Value an instrument's position at `price` from now on (unknown instruments: no-op)."""
        self.update_mark(instrument_id, price.raw, price.precision)

    cdef object initial_margin_raw(self, Instrument instrument, object qty_raw, int64_t px_raw,
                                   uint8_t precision):
        return leg_margin_raw(self.leg_of(instrument), qty_raw, px_raw, precision)

    def initial_margin(self, Instrument instrument not None, Quantity quantity not None,
                       Price price not None) -> Money:
        """Return the initial margin of `quantity` of `instrument` at `price` (settlement currency).

        Raises ValueError when the quantity does not fit the instrument's size precision.
        """
        cdef int64_t qty
        if not fixed_rescale(quantity.raw, quantity.precision, instrument.size_precision, &qty):
            raise ValueError(f"MarginAccount {self.account_id}: quantity {quantity} does not fit "
                             f"size precision {instrument.size_precision} of {instrument.id}")
        return money_new(self.initial_margin_raw(instrument, qty, price.raw, price.precision),
                         instrument.settlement_currency)

    cdef object free_margin_raw(self, MarginBook book):
        return (self._total.get(book.currency, 0) + book.unrealized - book.position_margin
                - book.order_margin)

    cdef int hold_order_margin(self, MarginBook book, object raw) except -1:
        # raw < 0 releases; the risk engine holds margin for open orders that add exposure
        held = book.order_margin + raw
        if held < 0:
            raise ValueError(f"MarginAccount {self.account_id}: releases more {book.currency} "
                             f"order margin than is held "
                             f"({_fmt_money(book.order_margin, book.currency)})")
        book.order_margin = held
        if raw > 0:
            _note_peak(book)
        return 0

    def hold_margin(self, Money amount not None) -> None:
        """Hold margin for an open order (amount >= 0); release it with release_margin."""
        if amount.raw < 0:
            raise ValueError(f"MarginAccount {self.account_id}: hold_margin must be >= 0, "
                             f"got {amount}")
        self.hold_order_margin(self.book_of(amount.currency), amount.raw)

    def release_margin(self, Money amount not None) -> None:
        """Release order margin held by hold_margin; ValueError if more than is held."""
        if amount.raw < 0:
            raise ValueError(f"MarginAccount {self.account_id}: release_margin must be >= 0, "
                             f"got {amount}")
        self.hold_order_margin(self.book_of(amount.currency), -amount.raw)

    def withdraw(self, Money amount not None) -> None:
        """Remove funds (amount >= 0); AccountBalanceNegative if more than the free margin."""
        if amount.raw < 0:
            raise ValueError(f"MarginAccount {self.account_id}: withdraw must be >= 0, "
                             f"got {amount}")
        cdef Currency cur = amount.currency
        free = self.free_margin_raw(self.book_of(cur))
        if amount.raw > free:
            raise AccountBalanceNegative(f"MarginAccount {self.account_id}: withdraw {amount} "
                                         f"exceeds the free margin {_fmt_money(free, cur)}")
        self._total[cur] = self._total.get(cur, 0) - amount.raw

    # -- figures -----------------------------------------------------------------------------

    def position_margin(self, Currency currency not None) -> Money:
        """Return the initial margin of the open positions settled in `currency`."""
        return money_new(_book_or_zero(self, currency).position_margin, currency)

    def order_margin(self, Currency currency not None) -> Money:
        """Return the margin held for open orders in `currency`."""
        return money_new(_book_or_zero(self, currency).order_margin, currency)

    def margin_used(self, Currency currency not None) -> Money:
        """Return position margin + order margin in `currency`."""
        cdef MarginBook book = _book_or_zero(self, currency)
        return money_new(book.position_margin + book.order_margin, currency)

    def peak_margin_used(self, Currency currency not None) -> Money:
        """Return the largest margin used in `currency` so far."""
        return money_new(_book_or_zero(self, currency).peak, currency)

    def unrealized_pnl(self, Currency currency not None) -> Money:
        """Return the unrealized PnL of the open positions at their last prices."""
        return money_new(_book_or_zero(self, currency).unrealized, currency)

    def equity(self, Currency currency not None) -> Money:
        """Return balance + unrealized PnL in `currency`."""
        return money_new(self._total.get(currency, 0) + _book_or_zero(self, currency).unrealized,
                         currency)

    def free_margin(self, Currency currency not None) -> Money:
        """Return equity - margin used in `currency` (negative when under-margined)."""
        return money_new(self.free_margin_raw(_book_or_zero(self, currency)), currency)

    def margin_level(self, Currency currency not None):
        """Return equity / margin used x 100 (percent, 4 decimals), or None with no margin used."""
        cdef MarginBook book = _book_or_zero(self, currency)
        used = book.position_margin + book.order_margin
        if used == 0:
            return None
        equity = self._total.get(currency, 0) + book.unrealized
        return (Decimal(equity * 100) / Decimal(used)).quantize(Decimal("0.0001"))

    def net_quantity(self, InstrumentId instrument_id not None) -> Decimal:
        """Return the signed net quantity held in an instrument (0 if none)."""
        cdef MarginLeg leg = self._legs.get(instrument_id)
        if leg is None:
            return Decimal(0)
        return Decimal(leg.qty_raw).scaleb(-leg.instrument.size_precision)

    @property
    def margin_currencies(self) -> list:
        """Return the currencies margin has been used in, sorted by code."""
        return sorted((c for c, b in self._books.items() if (<MarginBook>b).peak > 0),
                      key=lambda c: c.code)

    def balance_locked(self, Currency currency not None) -> Money:
        """Return the margin used in `currency` (a margin account locks no cash)."""
        return self.margin_used(currency)

    def balance_free(self, Currency currency not None) -> Money:
        """Return balance - margin used in `currency` (free margin also counts unrealized PnL)."""
        cdef MarginBook book = _book_or_zero(self, currency)
        return money_new(self._total.get(currency, 0) - book.position_margin
                         - book.order_margin, currency)
