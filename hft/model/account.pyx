"""Keep a cash account's balances: total, locked and free per currency.

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
"""

cimport cython
from libc.stdint cimport int64_t

from hft.core.encoding cimport SIDE_BUY
from hft.model.events cimport OrderFilled
from hft.model.identifiers cimport AccountId
from hft.model.instruments cimport INSTRUMENT_SPOT, Instrument
from hft.model.objects cimport Currency, Money, fixed_rescale, money_new

from typing import NamedTuple

__all__ = ["CashAccount", "AccountBalance", "AccountBalanceNegative"]


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

@cython.final
cdef class CashAccount:
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

    def __init__(self, AccountId account_id not None, Currency base_currency=None,
                 balances=None):
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
                raise ValueError(f"CashAccount {account_id}: balance for {cur} must be Money in "
                                 f"{cur}, got {money!r}")
            if money.raw < 0:
                raise AccountBalanceNegative(f"CashAccount {account_id}: starting balance "
                                             f"{money} is negative")
            self._check_currency(money.currency)
            _add(self._total, money.currency, money.raw)

    cdef int _check_currency(self, Currency cur) except -1:
        if self.base_currency is not None and cur != self.base_currency:
            raise ValueError(f"CashAccount {self.account_id}: single-currency account in "
                             f"{self.base_currency}, cannot hold {cur}")
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
                raise ValueError(f"CashAccount {self.account_id}: {_what(what)} would unlock more "
                                 f"{cur} than is locked ({money_new(self._locked.get(cur, 0), cur)})")
            if total - locked < 0:
                raise AccountBalanceNegative(
                    f"CashAccount {self.account_id}: {_what(what)} would take free {cur} to "
                    f"{_fmt(total - locked, cur)} (total {_fmt(self._total.get(cur, 0), cur)}, "
                    f"locked {_fmt(self._locked.get(cur, 0), cur)}, change "
                    f"{_fmt(total_delta.get(cur, 0), cur)})"
                )
        for cur, raw in total_delta.items():
            self._total[cur] = self._total.get(cur, 0) + raw
        for cur, raw in locked_delta.items():
            self._locked[cur] = self._locked.get(cur, 0) + raw
        return 0

    # -- moves -----------------------------------------------------------------------------

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

    def deposit(self, Money amount not None) -> None:
        """Add funds (amount >= 0)."""
        if amount.raw < 0:
            raise ValueError(f"CashAccount {self.account_id}: deposit must be >= 0, got {amount}")
        self._commit({amount.currency: amount.raw}, {}, f"deposit {amount}")

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
        return f"CashAccount({self.account_id}, {parts or 'empty'})"


cdef str _fmt(object raw, Currency cur):
    return str(money_new(raw, cur)).removesuffix(f" {cur.code}")
