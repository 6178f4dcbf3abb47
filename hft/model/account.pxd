# Accounts: a cash account (per-currency total and locked balances; notional moves cash) and a
# margin account (balances move by realized PnL and fees only; open positions hold margin).
# Balances move on fills only (plus deposits, withdrawals and locks), so the arithmetic is on
# Python ints of currency raw units. The execution engine calls `settle_fill` on the shared
# base class, for either kind, without a Python method call.
from libc.stdint cimport int64_t, uint8_t

from hft.model.events cimport OrderFilled
from hft.model.identifiers cimport AccountId, InstrumentId
from hft.model.instruments cimport Instrument
from hft.model.objects cimport Currency, Money


cdef class Account:
    cdef readonly AccountId account_id
    cdef readonly Currency base_currency      # None: multi-currency
    cdef dict _total                          # Currency -> raw int (Python int)
    cdef dict _locked                         # Currency -> raw int
    cdef readonly int fill_count

    cdef int _check_currency(self, Currency cur) except -1
    cdef int _commit(self, dict total_delta, dict locked_delta, object what) except -1
    # Move the balances for one fill. realized_pnl: the PnL the fill realized (derivatives on a
    # cash account; a margin account works it out itself and ignores it); unlock: funds held
    # for the order to release in the same step (cash only), or None.
    cdef int settle_fill(self, OrderFilled fill, Instrument instrument, Money realized_pnl,
                          Money unlock) except -1


cdef class CashAccount(Account):
    pass


# One settlement currency's margin figures in a margin account (Python ints, currency raw):
# legs point at their book, so the per-order path never hashes a Currency for these.
cdef class MarginBook:
    cdef readonly Currency currency
    cdef object position_margin               # initial margin of the open positions
    cdef object order_margin                  # margin held for open orders
    cdef object unrealized                    # unrealized PnL (plus realized remainders)
    cdef object peak                          # largest position + order margin seen


# One instrument's net position in a margin account; money figures are Python ints.
cdef class MarginLeg:
    cdef readonly Instrument instrument
    cdef readonly Currency currency           # the instrument's settlement currency
    cdef readonly MarginBook book             # the currency's figures
    cdef readonly int64_t qty_raw             # signed net quantity at the instrument's size precision
    cdef object cost                          # signed open cost: price at 18 digits x qty raw
    cdef object realized                      # realized PnL, same scale as cost
    cdef object booked                        # realized PnL booked to the balance, currency raw
    cdef object mark18                        # last price at 18 digits; None before any
    cdef object lev_num, lev_den              # leverage = lev_num / lev_den
    cdef object value_den                     # 10**(18 + size_p + mult_p): scale to currency
    cdef object value_num                     # multiplier raw x 10**currency_p
    cdef int qty_digits                       # size_p + mult_p
    cdef object margin                        # this leg's initial margin, currency raw
    cdef object unrealized                    # this leg's unrealized PnL, currency raw


cdef class MarginAccount(Account):
    cdef readonly object leverage             # Decimal: the default leverage
    cdef dict _leverages                      # InstrumentId -> Decimal overrides
    cdef dict _legs                           # InstrumentId -> MarginLeg
    cdef dict _books                          # Currency -> MarginBook

    cdef MarginBook book_of(self, Currency cur)
    # The instrument's leg, made flat on first use (its leverage and scales worked out once).
    cdef MarginLeg leg_of(self, Instrument instrument)
    cdef int _revalue(self, MarginLeg leg) except -1
    # Move a leg's last price (at any precision); a missing leg is ignored.
    cdef int update_mark(self, InstrumentId instrument_id, int64_t px_raw,
                         uint8_t precision) except -1
    # Initial margin of |qty_raw| (at the instrument's size precision) at px_raw / 10**precision,
    # in the settlement currency's raw units, rounded half-even.
    cdef object initial_margin_raw(self, Instrument instrument, object qty_raw, int64_t px_raw,
                                   uint8_t precision)
    cdef object free_margin_raw(self, MarginBook book)
    # Hold (raw > 0) or release (raw < 0) margin for open orders in one currency.
    cdef int hold_order_margin(self, MarginBook book, object raw) except -1


# The initial margin of |qty_raw| of a leg's instrument at px_raw / 10**precision.
cdef object leg_margin_raw(MarginLeg leg, object qty_raw, int64_t px_raw, uint8_t precision)
