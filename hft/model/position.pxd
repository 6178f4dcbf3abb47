# A netting position: one per instrument per strategy. The money arithmetic is exact: open cost
# and realized PnL are 128-bit ints (price at 18 digits x raw quantity) while they fit, and
# Python ints from the first product that would overflow (see position.pyx).
from libc.stdint cimport int64_t, uint8_t

from hft.core.int128 cimport hft_i128, hft_i128_add, hft_i128_mul, hft_i128_sub, hft_i64_add
from hft.model.events cimport OrderFilled
from hft.model.identifiers cimport InstrumentId, PositionId, StrategyId
from hft.model.objects cimport Currency, Money


cdef class Position:
    cdef readonly InstrumentId instrument_id
    cdef readonly StrategyId strategy_id
    cdef public PositionId position_id      # None until the execution engine names it
    cdef readonly Currency quote_currency
    cdef readonly uint8_t size_precision
    cdef readonly int64_t signed_qty_raw    # > 0 long, < 0 short, at size_precision
    cdef readonly int64_t peak_qty_raw      # largest |signed_qty_raw| seen
    cdef readonly int64_t ts_opened         # ts_event of the first fill; 0 before it
    cdef readonly int64_t ts_closed         # ts_event of the fill that closed it; 0 while open
    cdef readonly int64_t ts_last
    cdef readonly int fill_count
    cdef readonly object multiplier         # Decimal
    cdef object _mult_num                   # multiplier = _mult_num / 10**_mult_exp
    cdef int _mult_exp
    cdef hft_i128 _cost128                  # signed open cost, px at 18 digits x qty raw
    cdef hft_i128 _realized128              # realized PnL, same scale
    cdef bint _big                          # a product overflowed: the two below hold the money
    cdef object _cost_big                   # Python ints, used only once _big
    cdef object _realized_big
    cdef Currency _fee_currency             # the first fee currency: summed in _fee_raw
    cdef int64_t _fee_raw
    cdef dict _fees_other                   # Currency -> raw int for the rest; None until needed
    cdef uint8_t _entry_side                # Side of the opening fill

    cpdef object apply(self, OrderFilled fill)
    cdef int _add(self, int64_t px_raw, uint8_t price_precision, int64_t signed, uint8_t side,
                  int64_t ts_event) except -1
    cdef int _add_big(self, object px18, int64_t signed) except -1
    cdef int _add_fee(self, Currency currency, int64_t raw) except -1
    cdef object realized_int(self)          # realized PnL as a Python int (scale as _cost128)
    cdef object cost_int(self)
    cdef str _name(self)
    cdef object _to_decimal(self, object scaled)
    cdef Money _to_money(self, object value)


# A flat Position for the same instrument, strategy, currency and multiplier as `like`
# (the position a flip opens): no re-parsing of the multiplier.
cdef Position position_like(Position like)
