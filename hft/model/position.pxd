# A netting position: one per instrument per strategy. Fills are rare next to quotes, so the
# money arithmetic is exact on Python ints (see position.pyx) rather than int64.
from libc.stdint cimport int64_t, uint8_t

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
    cdef object _cost                       # Python int: signed open cost, px at 18 digits x qty raw
    cdef object _realized                   # Python int, same scale as _cost
    cdef dict _commissions                  # Currency -> raw int
    cdef uint8_t _entry_side                # Side of the opening fill

    cpdef object apply(self, OrderFilled fill)
    cdef int _add(self, OrderFilled fill, int64_t signed) except -1
    cdef str _name(self)
    cdef object _to_decimal(self, object scaled)
    cdef Money _to_money(self, object value)


# A flat Position for the same instrument, strategy, currency and multiplier as `like`
# (the position a flip opens): no re-parsing of the multiplier.
cdef Position position_like(Position like)
