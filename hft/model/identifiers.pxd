# Identifiers: immutable, interned str values with value semantics (==, hash, str).
from libc.stdint cimport uint64_t


cdef class Identifier:
    cdef readonly str value
    cdef Py_hash_t _hash    # hash(value), cached on first use; 0 = not yet (dict lookups)


cdef class TraderId(Identifier):
    pass

cdef class StrategyId(Identifier):
    pass

cdef class Symbol(Identifier):
    pass

cdef class Venue(Identifier):
    pass

cdef class InstrumentId(Identifier):
    cdef readonly Symbol symbol
    cdef readonly Venue venue

cdef class ClientOrderId(Identifier):
    pass

cdef class VenueOrderId(Identifier):
    pass

cdef class TradeId(Identifier):
    pass

cdef class PositionId(Identifier):
    pass

cdef class AccountId(Identifier):
    pass


cdef enum:
    COID_COUNT_BITS = 40   # numeric client order id: strategy_number << 40 | count


cdef class ClientOrderIdGenerator:
    cdef readonly TraderId trader_id
    cdef readonly StrategyId strategy_id
    cdef readonly uint64_t strategy_number
    cdef readonly uint64_t count
    cdef str prefix
    cdef bytes _prefix_ascii          # prefix as bytes when ASCII (ids built in one allocation)
    cpdef ClientOrderId generate(self)
    cpdef uint64_t numeric(self, ClientOrderId client_order_id) except? 0


# Build an InstrumentId from its parts without re-parsing (hot path; parts already valid).
cdef InstrumentId instrument_id_new(Symbol symbol, Venue venue)

# Build an identifier of class cls (an Identifier subclass of the base size, not InstrumentId)
# from text the caller already knows is valid (a venue's counters, the engine's position
# names): no checks, no interning.
cdef Identifier identifier_new(type cls, str value)
