from libc.stdint cimport int64_t, uint8_t, uint32_t

from hft.model.identifiers cimport InstrumentId
from hft.model.objects cimport Currency, Money, Price, Quantity


cpdef enum InstrumentKind:
    INSTRUMENT_SPOT = 1
    INSTRUMENT_PERPETUAL = 2
    INSTRUMENT_FUTURE = 3
    INSTRUMENT_FX = 4


# Reasons an order does not fit an instrument; instruments.pyx CHECK_REASONS maps each to text.
# Codes are stable: append new ones at the end.
cpdef enum CheckResult:
    CHECK_OK = 0
    CHECK_PRICE_PRECISION = 1
    CHECK_SIZE_PRECISION = 2
    CHECK_PRICE_TICK = 3
    CHECK_SIZE_LOT = 4
    CHECK_QTY_NOT_POSITIVE = 5
    CHECK_BELOW_MIN_QTY = 6
    CHECK_ABOVE_MAX_QTY = 7
    CHECK_BELOW_MIN_NOTIONAL = 8


cdef class Instrument:
    cdef readonly InstrumentId id
    cdef readonly InstrumentKind kind
    cdef readonly Currency base_currency          # None for an instrument without one
    cdef readonly Currency quote_currency
    cdef readonly Currency settlement_currency
    cdef readonly uint8_t price_precision
    cdef readonly uint8_t size_precision
    cdef readonly Price price_increment
    cdef readonly Quantity size_increment
    cdef readonly Quantity min_quantity
    cdef readonly Quantity max_quantity            # None: no maximum
    cdef readonly Money min_notional               # None: no minimum; quote currency
    cdef readonly object maker_fee                 # Decimal rate, negative = rebate
    cdef readonly object taker_fee
    cdef readonly Quantity multiplier
    cdef readonly uint32_t numeric_id
    cdef readonly int64_t expiry_ns                # futures only, else 0
    # Tick/lot/quantity-bound check on raw values already at the instrument's precisions
    # (min notional needs wide integers: check_order does it).
    cdef int check_raw(self, int64_t price_raw, int64_t qty_raw) noexcept nogil
    # make_qty from C: a Quantity at the size precision (a plain int costs no parsing)
    cdef Quantity qty_of(self, object value)
