"""Identifiers: immutable, interned string values with value semantics.

Every identifier is a small final cdef class over one interned `str`; two identifiers are
equal when they are of the same class and hold the same text, and hash like that text.
Values must be non-empty printable text without spaces; a bad value raises ValueError
naming it.
"""

cimport cython
from cpython.object cimport PyObject, PyTypeObject
from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

from sys import intern


cdef uint64_t COUNT_MAX = (<uint64_t>1 << COID_COUNT_BITS) - 1  # ids per generator


cdef str _checked(str kind, object value):
    if not isinstance(value, str):
        raise TypeError(f"{kind}: expected str, got {type(value).__name__} {value!r}")
    cdef str s = <str>value
    if not s or not s.isprintable() or " " in s:
        raise ValueError(f"{kind}: expected non-empty printable text without spaces, got {s!r}")
    # interned: equal ids share one str, so == is usually a pointer compare
    return intern(s)


# One freelist for every identifier class of the base size (all but InstrumentId): Cython
# lets only a base class keep a freelist, and it serves subclasses that add no fields.
@cython.freelist(256)
cdef class Identifier:
    """Base of every identifier: an interned str `value` (not instantiated directly)."""

    def __init__(self, str value) -> None:
        self.value = _checked(type(self).__name__, value)

    def __eq__(self, other):
        if other is self:
            return True
        if type(other) is not type(self):
            return NotImplemented
        return self.value == (<Identifier>other).value

    def __ne__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.value != (<Identifier>other).value

    def __lt__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.value < (<Identifier>other).value

    def __le__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.value <= (<Identifier>other).value

    def __gt__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.value > (<Identifier>other).value

    def __ge__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.value >= (<Identifier>other).value

    def __hash__(self):
        # cached in the object: a dict lookup by id (six to add an order to the cache) then
        # costs a field read, not a call into the str's hash slot
        if self._hash == 0:
            self._hash = hash(self.value)
        return self._hash

    def __str__(self):
        return self.value

    def __repr__(self):
        return f"{type(self).__name__}({self.value!r})"

    def __reduce__(self):
        return (type(self), (self.value,))


@cython.final
cdef class TraderId(Identifier):
    """Name a trader (one trading node / account owner), e.g. TraderId("TRADER-001")."""


@cython.final
cdef class StrategyId(Identifier):
    """Name a strategy instance, e.g. StrategyId("EMACross-001")."""


@cython.final
cdef class Symbol(Identifier):
    """Name an instrument at its venue, e.g. Symbol("BTCUSDT") or Symbol("EUR/USD")."""


@cython.final
cdef class Venue(Identifier):
    """Name a trading venue, e.g. Venue("BINANCE"); it may not contain '.'."""

    def __init__(self, str value) -> None:
        self.value = _checked("Venue", value)
        if "." in self.value:
            raise ValueError(f"Venue: may not contain '.', got {value!r}")


@cython.final
cdef class InstrumentId(Identifier):
    """Name an instrument as "<symbol>.<venue>", e.g. InstrumentId("BTCUSDT.BINANCE").

    The venue is the text after the last '.', so symbols may contain dots ("BRK.B.XNYS").
    """

    def __init__(self, str value) -> None:
        cdef str s = _checked("InstrumentId", value)
        symbol, dot, venue = s.rpartition(".")
        if not dot or not symbol or not venue:
            raise ValueError(f"InstrumentId: expected '<symbol>.<venue>', got {value!r}")
        self.value = s
        self.symbol = Symbol(symbol)
        self.venue = Venue(venue)

    @staticmethod
    def from_str(str value) -> InstrumentId:
        """Parse "<symbol>.<venue>"; ValueError naming the string when it has no '.'."""
        return InstrumentId(value)

    @staticmethod
    def from_parts(Symbol symbol not None, Venue venue not None) -> InstrumentId:
        """Join a symbol and a venue."""
        return instrument_id_new(symbol, venue)


@cython.final
cdef class ClientOrderId(Identifier):
    """Name an order on the client side, e.g. ClientOrderId("O-TRADER-001-EMA-001-1")."""


@cython.final
cdef class VenueOrderId(Identifier):
    """Name an order as the venue knows it."""


@cython.final
cdef class TradeId(Identifier):
    """Name one trade (fill) at a venue."""


@cython.final
cdef class PositionId(Identifier):
    """Name a position, e.g. PositionId("P-BTCUSDT.BINANCE-EMACross-001")."""


@cython.final
cdef class AccountId(Identifier):
    """Name an account as "<issuer>-<number>", e.g. AccountId("BINANCE-001")."""


cdef tuple _NO_ARGS = ()


cdef Identifier identifier_new(type cls, str value):
    # the class's tp_new slot directly: `cls.__new__(cls)` looks up and calls a Python
    # attribute (~100 ns a fill: the venue names an order and a trade per fill)
    cdef Identifier ident = <Identifier>(<PyTypeObject *>cls).tp_new(
        cls, <PyObject *>_NO_ARGS, NULL)
    ident.value = value
    return ident


cdef InstrumentId instrument_id_new(Symbol symbol, Venue venue):
    cdef InstrumentId iid = InstrumentId.__new__(InstrumentId)
    iid.value = intern(f"{symbol.value}.{venue.value}")
    iid.symbol = symbol
    iid.venue = venue
    return iid


@cython.final
cdef class ClientOrderIdGenerator:
    """Generate client order ids "O-{trader}-{strategy}-{n}", n = 1, 2, 3 ...

    Deterministic and clock-less: the same trader, strategy and start give the same ids, so a
    backtest rerun reproduces them. Each id has a numeric counterpart for the u64
    `client_order_id` field of the core order record:

        numeric = strategy_number << 40 | n        (n < 2**40, strategy_number < 2**24)

    `strategy_number` is the strategy's numeric id (the record's u32 strategy_id field, which
    the caller assigns); with distinct numbers the u64 alone is unique across the strategies
    of one trader. `from_numeric` inverts the mapping for ids of this generator.

    Parameters
    ----------
    trader_id, strategy_id
        The owners named in every id.
    strategy_number : int
        0 .. 2**24 - 1, the high bits of the numeric form.
    start : int
        Ids already issued (restore after a restart so no id repeats); the next is start + 1.
    """

    def __init__(self, TraderId trader_id not None, StrategyId strategy_id not None,
                 uint64_t strategy_number=0, uint64_t start=0) -> None:
        if strategy_number >= (<uint64_t>1 << (64 - COID_COUNT_BITS)):
            raise ValueError(f"ClientOrderIdGenerator: strategy_number must be < 2**24, "
                             f"got {strategy_number}")
        if start >= COUNT_MAX:
            raise ValueError(f"ClientOrderIdGenerator: start must be < 2**40 - 1, got {start}")
        self.trader_id = trader_id
        self.strategy_id = strategy_id
        self.strategy_number = strategy_number
        self.count = start
        self.prefix = f"O-{trader_id.value}-{strategy_id.value}-"
        self._prefix_ascii = (self.prefix.encode("ascii")
                              if self.prefix.isascii() and len(self.prefix) <= 200 else None)

    cpdef ClientOrderId generate(self):
        """Return the next id; OverflowError after 2**40 - 1 ids."""
        if self.count >= COUNT_MAX:
            raise OverflowError("ClientOrderIdGenerator: 2**40 - 1 ids issued")
        self.count += 1
        cdef ClientOrderId cid = ClientOrderId.__new__(ClientOrderId)
        cdef char buf[224]               # prefix (<= 200) + up to 13 digits (count < 2**40)
        cdef char digits[24]
        cdef Py_ssize_t n, d = 0
        cdef uint64_t v = self.count
        if self._prefix_ascii is None:
            cid.value = self.prefix + str(self.count)
            return cid
        while True:                      # the text in one allocation, no int or str temporaries
            digits[d] = <char>(48 + v % 10)
            d += 1
            v //= 10
            if v == 0:
                break
        n = len(self._prefix_ascii)
        memcpy(buf, <const char *>self._prefix_ascii, n)
        while d:
            d -= 1
            buf[n] = digits[d]
            n += 1
        cid.value = PyUnicode_DecodeASCII(buf, n, NULL)
        return cid

    cpdef uint64_t numeric(self, ClientOrderId client_order_id) except? 0:
        """Return the u64 record form of an id made by this generator; ValueError otherwise."""
        cdef str v = client_order_id.value
        cdef str tail
        if v.startswith(self.prefix):
            tail = v[len(self.prefix):]
            if tail.isdigit() and tail[0] != "0" and len(tail) <= 13:
                n = int(tail)
                if n <= COUNT_MAX:
                    return (self.strategy_number << COID_COUNT_BITS) | <uint64_t>n
        raise ValueError(f"ClientOrderIdGenerator: {v!r} was not made by a generator for "
                         f"{self.trader_id.value}/{self.strategy_id.value}")

    def from_numeric(self, uint64_t numeric) -> ClientOrderId:
        """Return the id whose record form is `numeric`; ValueError for another strategy."""
        cdef uint64_t n = numeric & COUNT_MAX
        if numeric >> COID_COUNT_BITS != self.strategy_number or n == 0:
            raise ValueError(f"ClientOrderIdGenerator: numeric id {numeric} is not of strategy "
                             f"number {self.strategy_number}")
        return ClientOrderId(self.prefix + str(n))

    def reset(self, uint64_t start=0) -> None:
        """Set the count of ids already issued."""
        self.count = start

    def __repr__(self):
        return (f"ClientOrderIdGenerator({self.trader_id!r}, {self.strategy_id!r}, "
                f"strategy_number={self.strategy_number}, count={self.count})")
