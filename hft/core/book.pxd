# Aggregated L2 order book; semantics in docs/matching.md#order-book (keep both in step).
# All state is C memory (libc malloc, so a batch can grow a side without the GIL). Each side is
# one array of levels sorted worse -> better: the best level is the last element, so the
# updates that dominate real feeds (near the top) move few elements.
from libc.stdint cimport int64_t, uint8_t

cpdef enum BookStatus:             # docs/matching.md#book-status-codes
    BOOK_OK = 0
    BOOK_BAD_SIDE = 1              # side is neither SIDE_BUY (bids) nor SIDE_SELL (asks)
    BOOK_BAD_SIZE = 2              # size < 0
    BOOK_NO_MEMORY = 3             # growing a side failed; the book is unchanged

cdef enum:
    BOOK_INITIAL_LEVELS = 64       # per side; capacity doubles when full (amortised O(1))


ctypedef struct BookLevel:
    int64_t price                  # raw, price_precision
    int64_t size                   # raw, size_precision; always > 0 in the array


ctypedef struct BookSide:
    BookLevel *levels              # sorted worse -> better: bids ascending, asks descending
    Py_ssize_t count
    Py_ssize_t capacity
    bint is_ask


ctypedef struct Book:
    BookSide bids
    BookSide asks


cdef inline bint book_better(bint is_ask, int64_t a, int64_t b) noexcept nogil:
    """Return True when price a is strictly better than b on this side."""
    return a < b if is_ask else a > b


# C level: never raises. `side` is SIDE_BUY (bids) or SIDE_SELL (asks); book_clear also takes
# SIDE_NONE (both). Functions that can fail return a BookStatus.
cdef int book_init(Book *b, Py_ssize_t initial_levels) noexcept nogil
cdef void book_free(Book *b) noexcept nogil
cdef int book_set_level(Book *b, int side, int64_t price, int64_t size) noexcept nogil
cdef int book_apply_batch(Book *b, const uint8_t *sides, const int64_t *prices,
                          const int64_t *sizes, Py_ssize_t n, Py_ssize_t *bad_index) noexcept nogil
cdef void book_clear(Book *b, int side) noexcept nogil
cdef bint book_best_bid(const Book *b, int64_t *price, int64_t *size) noexcept nogil
cdef bint book_best_ask(const Book *b, int64_t *price, int64_t *size) noexcept nogil
cdef Py_ssize_t book_depth(const Book *b, int side) noexcept nogil
cdef double book_mid(const Book *b) noexcept nogil
cdef bint book_spread(const Book *b, int64_t *spread) noexcept nogil
cdef bint book_is_crossed(const Book *b) noexcept nogil
cdef int64_t book_size_at(const Book *b, int side, int64_t price) noexcept nogil
cdef void book_walk(const Book *b, int side, int64_t qty, double *avg_price_raw,
                    int64_t *filled_qty) noexcept nogil
cdef Py_ssize_t book_copy_levels(const Book *b, int side, int64_t *out, Py_ssize_t n) noexcept nogil


cdef class OrderBook:
    cdef Book book
    cdef readonly int price_precision
    cdef readonly int size_precision
    cdef object _levels(self, int side, object n)
