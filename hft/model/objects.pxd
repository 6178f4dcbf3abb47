# Fixed-point values: an int64 raw count of 10**-precision units plus a uint8 precision
# (101.25 at precision 2 is raw 10125). The inline helpers below are the C form of every
# operation; Price, Quantity and Money are thin Python faces over them (STYLE.md §6).
cimport cython
from libc.stdint cimport int64_t, uint8_t, INT64_MAX, INT64_MIN

# cdivision on the helpers below: every divisor is pow10(n) >= 1 or an operand tested non-zero
# first; the overflow tests are written for C's truncating division.

cdef enum:
    FIXED_MAX_PRECISION = 18   # 10**18 still fits int64; same bound as core.encoding MAX_PRECISION


cdef inline int64_t pow10(uint8_t precision) noexcept nogil:
    """Return 10**precision; precision must be <= FIXED_MAX_PRECISION."""
    cdef int64_t r = 1
    cdef uint8_t i
    for i in range(precision):
        r *= 10
    return r


@cython.cdivision(True)
cdef inline bint fixed_rescale(int64_t raw, uint8_t from_p, uint8_t to_p, int64_t *out) noexcept nogil:
    """Rescale raw from from_p to to_p digits exactly; return False on overflow or remainder."""
    cdef int64_t f
    if to_p >= from_p:
        f = pow10(to_p - from_p)
        if raw > INT64_MAX // f or raw < INT64_MIN // f:
            return False
        out[0] = raw * f
        return True
    f = pow10(from_p - to_p)
    if raw % f != 0:
        return False
    out[0] = raw // f
    return True


cdef inline bint fixed_add(int64_t a, uint8_t pa, int64_t b, uint8_t pb,
                           int64_t *out, uint8_t *out_p) noexcept nogil:
    """Add two fixed-point values at max(pa, pb) digits; return False on int64 overflow."""
    cdef uint8_t p = pa if pa > pb else pb
    if not fixed_rescale(a, pa, p, &a) or not fixed_rescale(b, pb, p, &b):
        return False
    if (b > 0 and a > INT64_MAX - b) or (b < 0 and a < INT64_MIN - b):
        return False
    out[0] = a + b
    out_p[0] = p
    return True


cdef inline bint fixed_sub(int64_t a, uint8_t pa, int64_t b, uint8_t pb,
                           int64_t *out, uint8_t *out_p) noexcept nogil:
    """Subtract b from a at max(pa, pb) digits; return False on int64 overflow."""
    cdef uint8_t p = pa if pa > pb else pb
    if not fixed_rescale(a, pa, p, &a) or not fixed_rescale(b, pb, p, &b):
        return False
    if (b < 0 and a > INT64_MAX + b) or (b > 0 and a < INT64_MIN + b):
        return False
    out[0] = a - b
    out_p[0] = p
    return True


@cython.cdivision(True)
cdef inline bint fixed_mul(int64_t a, uint8_t pa, int64_t b, uint8_t pb,
                           int64_t *out, uint8_t *out_p) noexcept nogil:
    """Multiply exactly at pa + pb digits; return False on overflow or precision above 18."""
    if pa + pb > FIXED_MAX_PRECISION:
        return False
    if a != 0 and b != 0:
        if (a > 0 and b > 0 and a > INT64_MAX // b) or (a < 0 and b < 0 and a < INT64_MAX // b) \
                or (a > 0 and b < 0 and b < INT64_MIN // a) or (a < 0 and b > 0 and a < INT64_MIN // b):
            return False
    out[0] = a * b
    out_p[0] = pa + pb
    return True


cdef inline int fixed_cmp(int64_t a, uint8_t pa, int64_t b, uint8_t pb) noexcept nogil:
    """Compare two fixed-point values exactly; return -1, 0 or 1."""
    cdef int64_t x
    if pa < pb:
        # a value too large to rescale lies beyond every value at pb digits: its sign decides
        if not fixed_rescale(a, pa, pb, &x):
            return 1 if a > 0 else -1
        a = x
    elif pb < pa:
        if not fixed_rescale(b, pb, pa, &x):
            return -1 if b > 0 else 1
        b = x
    return (a > b) - (a < b)


cdef class Currency:
    cdef readonly str code
    cdef readonly uint8_t precision
    cdef readonly str name


cdef class Price:
    cdef readonly int64_t raw
    cdef readonly uint8_t precision
    cpdef double as_double(self)
    cpdef object as_decimal(self)


cdef class Quantity:
    cdef readonly int64_t raw
    cdef readonly uint8_t precision
    cpdef double as_double(self)
    cpdef object as_decimal(self)


cdef class Money:
    cdef readonly int64_t raw
    cdef readonly Currency currency
    cpdef double as_double(self)
    cpdef object as_decimal(self)


# Construct without checks for the hot path: the caller guarantees precision <= 18 (and,
# for quantity_new, raw >= 0).
cdef Price price_new(int64_t raw, uint8_t precision)
cdef Quantity quantity_new(int64_t raw, uint8_t precision)
cdef Money money_new(int64_t raw, Currency currency)
# {Currency: Money} of fees kept as a first currency's raw sum plus a dict for the others
cdef dict fees_by_currency(Currency first, int64_t first_raw, dict others)
