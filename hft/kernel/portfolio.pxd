# Portfolio: net positions, exposure and PnL per instrument and in total, account balances.
from hft.kernel.cache cimport Cache
from hft.model.identifiers cimport InstrumentId
from hft.model.objects cimport Price
from hft.model.position cimport Position


cdef class Portfolio:
    cdef readonly Cache cache
    cdef dict _realized_closed      # InstrumentId -> [exact int sum of closed positions' realized
                                    # PnL, one of them (for its scale)]

    cpdef void on_position_closed(self, Position position) except *
    cpdef Price mark_price(self, InstrumentId instrument_id)
    cpdef double total_pnl_float(self) except? -1.0
