# cython: boundscheck=False, wraparound=False
"""Aggregated L2 order book: price levels per side, best bid/ask, depth, walks.

The C form (`book_*`, declared in book.pxd) runs without the GIL and never raises; it returns
a `BookStatus` where it can fail. `OrderBook` is the Python face. Prices and sizes are raw
int64 fixed-point values. Semantics and status codes: docs/matching.md#order-book.
"""

cimport cython
from libc.math cimport NAN
from libc.stdint cimport int64_t, uint8_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memmove

import numpy as np

from hft.core.encoding cimport SIDE_BUY, SIDE_NONE, SIDE_SELL

# cpdef enums declared in a .pxd surface only as classes; export their members by name too.
globals().update(BookStatus.__members__)

# code -> (name, text); docs/matching.md#book-status-codes has the same table.
BOOK_ERRORS = {
    BOOK_OK: ("BOOK_OK", "ok"),
    BOOK_BAD_SIDE: ("BOOK_BAD_SIDE", "side is invalid, expected SIDE_BUY (1) or SIDE_SELL (2)"),
    BOOK_BAD_SIZE: ("BOOK_BAD_SIZE", "size is negative, expected >= 0 (0 deletes the level)"),
    BOOK_NO_MEMORY: ("BOOK_NO_MEMORY", "cannot grow the side's level array"),
}


cdef inline BookSide *_side_of(Book *b, int side) noexcept nogil:
    if side == SIDE_BUY:
        return &b.bids
    if side == SIDE_SELL:
        return &b.asks
    return NULL


cdef inline const BookSide *_const_side_of(const Book *b, int side) noexcept nogil:
    if side == SIDE_BUY:
        return &b.bids
    if side == SIDE_SELL:
        return &b.asks
    return NULL


cdef inline Py_ssize_t _lower_bound(const BookSide *s, int64_t price) noexcept nogil:
    # First index whose price is not worse than `price`: where `price` is, or would be inserted.
    cdef Py_ssize_t lo = 0, hi = s.count, mid
    while lo < hi:
        mid = lo + ((hi - lo) >> 1)
        if book_better(s.is_ask, price, s.levels[mid].price):
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef int _side_init(BookSide *s, Py_ssize_t capacity, bint is_ask) noexcept nogil:
    s.levels = <BookLevel *>malloc(capacity * sizeof(BookLevel))
    s.count = 0
    s.capacity = capacity if s.levels != NULL else 0
    s.is_ask = is_ask
    return BOOK_OK if s.levels != NULL else BOOK_NO_MEMORY


cdef int book_init(Book *b, Py_ssize_t initial_levels) noexcept nogil:
    """Allocate both sides with room for initial_levels levels each (at least 1)."""
    if initial_levels < 1:
        initial_levels = 1
    if _side_init(&b.bids, initial_levels, False) != BOOK_OK or _side_init(&b.asks, initial_levels, True) != BOOK_OK:
        book_free(b)
        return BOOK_NO_MEMORY
    return BOOK_OK


cdef void book_free(Book *b) noexcept nogil:
    """Release both sides' arrays; the book is empty with no capacity after."""
    free(b.bids.levels)
    free(b.asks.levels)
    b.bids.levels = NULL
    b.asks.levels = NULL
    b.bids.count = b.asks.count = 0
    b.bids.capacity = b.asks.capacity = 0


cdef int book_set_level(Book *b, int side, int64_t price, int64_t size) noexcept nogil:
    """Set the absolute size at price on one side; size 0 deletes the level (absent: no-op)."""
    cdef BookSide *s = _side_of(b, side)
    cdef Py_ssize_t i, new_capacity
    cdef BookLevel *grown
    if s == NULL:
        return BOOK_BAD_SIDE
    if size < 0:
        return BOOK_BAD_SIZE
    i = _lower_bound(s, price)
    if i < s.count and s.levels[i].price == price:
        if size > 0:
            s.levels[i].size = size
        else:
            memmove(&s.levels[i], &s.levels[i + 1], (s.count - i - 1) * sizeof(BookLevel))
            s.count -= 1
        return BOOK_OK
    if size == 0:
        return BOOK_OK
    if s.count == s.capacity:
        new_capacity = s.capacity * 2 if s.capacity > 0 else BOOK_INITIAL_LEVELS
        grown = <BookLevel *>realloc(s.levels, new_capacity * sizeof(BookLevel))
        if grown == NULL:
            return BOOK_NO_MEMORY
        s.levels = grown
        s.capacity = new_capacity
    memmove(&s.levels[i + 1], &s.levels[i], (s.count - i) * sizeof(BookLevel))
    s.levels[i].price = price
    s.levels[i].size = size
    s.count += 1
    return BOOK_OK


cdef int book_apply_batch(Book *b, const uint8_t *sides, const int64_t *prices,
                          const int64_t *sizes, Py_ssize_t n, Py_ssize_t *bad_index) noexcept nogil:
    """Apply n level updates in order; stop at the first bad one, store its index (else -1).

    Updates before the bad one stay applied, as if each had been a book_set_level call.
    """
    cdef Py_ssize_t i
    cdef int status
    for i in range(n):
        status = book_set_level(b, sides[i], prices[i], sizes[i])
        if status != BOOK_OK:
            bad_index[0] = i
            return status
    bad_index[0] = -1
    return BOOK_OK


cdef void book_clear(Book *b, int side) noexcept nogil:
    """Remove every level of one side, or of both for SIDE_NONE; capacity stays."""
    if side == SIDE_BUY or side == SIDE_NONE:
        b.bids.count = 0
    if side == SIDE_SELL or side == SIDE_NONE:
        b.asks.count = 0


cdef inline bint _best(const BookSide *s, int64_t *price, int64_t *size) noexcept nogil:
    if s.count == 0:
        return False
    price[0] = s.levels[s.count - 1].price
    size[0] = s.levels[s.count - 1].size
    return True


cdef bint book_best_bid(const Book *b, int64_t *price, int64_t *size) noexcept nogil:
    """Store the best bid's price and size; return False (storing nothing) when there is none."""
    return _best(&b.bids, price, size)


cdef bint book_best_ask(const Book *b, int64_t *price, int64_t *size) noexcept nogil:
    """Store the best ask's price and size; return False (storing nothing) when there is none."""
    return _best(&b.asks, price, size)


cdef Py_ssize_t book_depth(const Book *b, int side) noexcept nogil:
    """Return the number of levels on one side (both for SIDE_NONE; 0 for a bad side)."""
    cdef const BookSide *s = _const_side_of(b, side)
    if side == SIDE_NONE:
        return b.bids.count + b.asks.count
    return s.count if s != NULL else 0


cdef double book_mid(const Book *b) noexcept nogil:
    """Return (best bid + best ask) / 2 in raw units, NaN when a side is empty."""
    if b.bids.count == 0 or b.asks.count == 0:
        return NAN
    # Each price is converted first: their int64 sum could overflow, the double sum cannot.
    return (<double>b.bids.levels[b.bids.count - 1].price + <double>b.asks.levels[b.asks.count - 1].price) * 0.5


cdef bint book_spread(const Book *b, int64_t *spread) noexcept nogil:
    """Store best ask - best bid (raw); return False when a side is empty."""
    if b.bids.count == 0 or b.asks.count == 0:
        return False
    spread[0] = b.asks.levels[b.asks.count - 1].price - b.bids.levels[b.bids.count - 1].price
    return True


cdef bint book_is_crossed(const Book *b) noexcept nogil:
    """Return True when the best bid is above the best ask (a locked book, bid == ask, is not)."""
    if b.bids.count == 0 or b.asks.count == 0:
        return False
    return b.bids.levels[b.bids.count - 1].price > b.asks.levels[b.asks.count - 1].price


cdef int64_t book_size_at(const Book *b, int side, int64_t price) noexcept nogil:
    """Return the size at price on one side, 0 when there is no level (or the side is bad)."""
    cdef const BookSide *s = _const_side_of(b, side)
    cdef Py_ssize_t i
    if s == NULL:
        return 0
    i = _lower_bound(s, price)
    if i < s.count and s.levels[i].price == price:
        return s.levels[i].size
    return 0


@cython.cdivision(True)  # the one divisor, qty - left, is > 0 in the branch that divides
cdef void book_walk(const Book *b, int side, int64_t qty, double *avg_price_raw,
                    int64_t *filled_qty) noexcept nogil:
    """Walk the levels a market order of `side` would take (BUY takes asks) without changing them.

    Stores the quantity that would fill (<= qty, less when the book runs out) and its
    size-weighted average price in raw units (NaN when nothing fills).
    """
    cdef const BookSide *s = _const_side_of(b, SIDE_SELL if side == SIDE_BUY else SIDE_BUY)
    cdef Py_ssize_t i
    cdef int64_t left = qty, take
    cdef double notional = 0.0
    filled_qty[0] = 0
    avg_price_raw[0] = NAN
    if (side != SIDE_BUY and side != SIDE_SELL) or qty <= 0:
        return
    i = s.count - 1
    while i >= 0 and left > 0:
        take = s.levels[i].size if s.levels[i].size < left else left
        # Double notional: price * size can exceed int64 for large raw values.
        notional += <double>s.levels[i].price * <double>take
        left -= take
        i -= 1
    filled_qty[0] = qty - left
    if qty > left:
        avg_price_raw[0] = notional / <double>(qty - left)


cdef Py_ssize_t book_copy_levels(const Book *b, int side, int64_t *out, Py_ssize_t n) noexcept nogil:
    """Copy up to n levels of one side, best first, as (price, size) pairs; return the count."""
    cdef const BookSide *s = _const_side_of(b, side)
    cdef Py_ssize_t i, k
    if s == NULL:
        return 0
    k = n if n < s.count else s.count
    for i in range(k):
        out[2 * i] = s.levels[s.count - 1 - i].price
        out[2 * i + 1] = s.levels[s.count - 1 - i].size
    return k


def _check_side(int side) -> None:
    if side != SIDE_BUY and side != SIDE_SELL:
        raise ValueError(f"side: {side} is invalid, expected SIDE_BUY (1, bids) or SIDE_SELL (2, asks)")


cdef class OrderBook:
    """Hold an aggregated L2 book: per side, price levels with their total size.

    Prices and sizes are raw int64 at `price_precision` / `size_precision` (the book only
    stores them; the precisions are for callers). Updates carry absolute sizes; size 0
    deletes the level. Sides grow by doubling (amortised O(1)), with no depth limit. Not
    thread-safe; `apply_batch` releases the GIL, so do not touch the book from another
    thread meanwhile.
    """

    def __cinit__(self, int price_precision=0, int size_precision=0, Py_ssize_t initial_levels=BOOK_INITIAL_LEVELS):
        if not 0 <= price_precision <= 18:
            raise ValueError(f"price_precision: {price_precision} is out of range, expected 0..18")
        if not 0 <= size_precision <= 18:
            raise ValueError(f"size_precision: {size_precision} is out of range, expected 0..18")
        if initial_levels < 1:
            raise ValueError(f"initial_levels: {initial_levels} is invalid, expected >= 1")
        if book_init(&self.book, initial_levels) != BOOK_OK:
            raise MemoryError(f"order book: cannot allocate {initial_levels} levels a side")
        self.price_precision = price_precision
        self.size_precision = size_precision

    def __dealloc__(self):
        book_free(&self.book)

    def update(self, int side, int64_t price_raw, int64_t size_raw) -> None:
        """Set the absolute size at a price; size 0 deletes the level.

        Raises
        ------
        ValueError
            side is not SIDE_BUY/SIDE_SELL, or size_raw < 0.
        """
        cdef int status = book_set_level(&self.book, side, price_raw, size_raw)
        if status == BOOK_OK:
            return
        if status == BOOK_BAD_SIDE:
            _check_side(side)
        if status == BOOK_BAD_SIZE:
            raise ValueError(f"size_raw: {size_raw} is negative, expected >= 0 (0 deletes the level)")
        raise MemoryError("order book: cannot grow the level array")

    def apply_batch(self, const uint8_t[::1] sides, const int64_t[::1] prices, const int64_t[::1] sizes) -> None:
        """Apply level updates (side, price, size) in order without holding the GIL.

        On a bad update the ones before it stay applied, the rest are not, and ValueError
        names its index.
        """
        cdef Py_ssize_t n = sides.shape[0], bad = -1
        cdef int status = BOOK_OK
        if prices.shape[0] != n or sizes.shape[0] != n:
            raise ValueError(f"apply_batch: lengths differ (sides {n}, prices {prices.shape[0]}, "
                             f"sizes {sizes.shape[0]}), expected equal")
        if n == 0:
            return
        with nogil:
            status = book_apply_batch(&self.book, &sides[0], &prices[0], &sizes[0], n, &bad)
        if status == BOOK_BAD_SIDE:
            raise ValueError(f"sides[{bad}]: {sides[bad]} is invalid, expected SIDE_BUY (1) or SIDE_SELL (2)")
        if status == BOOK_BAD_SIZE:
            raise ValueError(f"sizes[{bad}]: {sizes[bad]} is negative, expected >= 0")
        if status == BOOK_NO_MEMORY:
            raise MemoryError(f"order book: cannot grow the level array at update {bad}")

    def clear(self, int side=SIDE_NONE) -> None:
        """Remove every level of one side, or of both (the default, SIDE_NONE)."""
        if side != SIDE_NONE:
            _check_side(side)
        book_clear(&self.book, side)

    cdef object _levels(self, int side, object n):
        cdef Py_ssize_t count = book_depth(&self.book, side)
        cdef Py_ssize_t want = count if n is None else n
        if want < 0:
            raise ValueError(f"n: {want} is negative, expected >= 0 or None (all levels)")
        if want > count:
            want = count
        out = np.empty((want, 2), dtype=np.int64)
        cdef int64_t[:, ::1] view = out
        if want > 0:
            book_copy_levels(&self.book, side, &view[0, 0], want)
        return out

    def bids(self, n: int | None = None):
        """Return the best n bid levels (all when None), best first, as an (n, 2) int64 array."""
        return self._levels(SIDE_BUY, n)

    def asks(self, n: int | None = None):
        """Return the best n ask levels (all when None), best first, as an (n, 2) int64 array."""
        return self._levels(SIDE_SELL, n)

    def snapshot(self) -> tuple:
        """Return (bids, asks): every level of each side, best first, as (n, 2) int64 copies."""
        return self._levels(SIDE_BUY, None), self._levels(SIDE_SELL, None)

    @property
    def best_bid(self) -> int | None:
        """Best bid price (raw), or None when there are no bids."""
        cdef int64_t price, size
        return price if book_best_bid(&self.book, &price, &size) else None

    @property
    def best_ask(self) -> int | None:
        """Best ask price (raw), or None when there are no asks."""
        cdef int64_t price, size
        return price if book_best_ask(&self.book, &price, &size) else None

    @property
    def best_bid_size(self) -> int | None:
        """Size at the best bid (raw), or None when there are no bids."""
        cdef int64_t price, size
        return size if book_best_bid(&self.book, &price, &size) else None

    @property
    def best_ask_size(self) -> int | None:
        """Size at the best ask (raw), or None when there are no asks."""
        cdef int64_t price, size
        return size if book_best_ask(&self.book, &price, &size) else None

    @property
    def mid(self) -> float | None:
        """(best bid + best ask) / 2 in raw units, or None when a side is empty."""
        if self.book.bids.count == 0 or self.book.asks.count == 0:
            return None
        return book_mid(&self.book)

    @property
    def spread(self) -> int | None:
        """Best ask - best bid (raw), or None when a side is empty."""
        cdef int64_t spread
        return spread if book_spread(&self.book, &spread) else None

    @property
    def is_crossed(self) -> bool:
        """True when the best bid is above the best ask."""
        return book_is_crossed(&self.book)

    def depth(self, int side) -> int:
        """Return the number of levels on one side."""
        _check_side(side)
        return book_depth(&self.book, side)

    def size_at(self, int side, int64_t price_raw) -> int:
        """Return the size at a price on one side, 0 when there is no level."""
        _check_side(side)
        return book_size_at(&self.book, side, price_raw)

    def walk(self, int side, int64_t qty_raw) -> tuple:
        """Return (avg_price_raw, filled_qty) a market order of `side` would get; change nothing.

        A BUY walks the asks from the best up, a SELL the bids from the best down.
        avg_price_raw is a float (None when nothing would fill); filled_qty < qty_raw when
        the book runs out.
        """
        cdef double avg
        cdef int64_t filled
        _check_side(side)
        if qty_raw <= 0:
            raise ValueError(f"qty_raw: {qty_raw} is invalid, expected > 0")
        book_walk(&self.book, side, qty_raw, &avg, &filled)
        return (avg if filled > 0 else None), filled

    def __len__(self) -> int:
        """Return the number of levels on both sides."""
        return book_depth(&self.book, SIDE_NONE)

    def __repr__(self) -> str:
        return (f"OrderBook(bids={self.book.bids.count}, asks={self.book.asks.count}, "
                f"best_bid={self.best_bid}, best_ask={self.best_ask})")
