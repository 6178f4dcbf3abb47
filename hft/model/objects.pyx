"""Fixed-point Price, Quantity and Money, and the Currency registry.

A value is an int64 `raw` count of 10**-precision units plus a uint8 `precision`
(0..18): `Price("101.25")` is raw 10125 at precision 2. Nothing rounds silently: a
string or Decimal with more significant decimals than the requested precision raises
ValueError, a value outside int64 raises OverflowError, and arithmetic across
precisions rescales exactly to the larger one. Floats enter only through
`from_float(x, precision)`, which rounds half-even on purpose.
"""

cimport cython
from cpython.unicode cimport PyUnicode_AsUTF8AndSize
from libc.stdint cimport int64_t, uint8_t, INT64_MAX, INT64_MIN
from libc.math cimport isfinite

import decimal
from decimal import Decimal

cdef object _CTX = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_EVEN,
                                   Emin=-999999, Emax=999999)
cdef object _INT64_MIN = INT64_MIN
cdef object _INT64_MAX = INT64_MAX

MAX_PRECISION = FIXED_MAX_PRECISION  # Python view of the pxd bound

# C-level parse result codes for plain decimal strings ("-12.340"); PARSE_SYNTAX sends the
# string to the Decimal path, which also accepts exponents and surrounding spaces.
cdef enum:
    PARSE_OK = 0
    PARSE_SYNTAX = 1
    PARSE_OVERFLOW = 2


@cython.cdivision(True)  # no division here; keeps the digit loop free of Python checks
cdef int fixed_parse(const char *s, Py_ssize_t n, int64_t *raw, int *digits) noexcept nogil:
    """Parse [-+]ddd[.ddd] into raw and its count of decimals; return a PARSE_* code."""
    cdef Py_ssize_t i = 0
    cdef bint neg = False, seen_point = False, seen_digit = False
    cdef int frac = 0
    cdef int64_t acc = 0, d
    if n == 0:
        return PARSE_SYNTAX
    if s[0] == c'-' or s[0] == c'+':
        neg = s[0] == c'-'
        i = 1
    while i < n:
        if s[i] == c'.':
            if seen_point:
                return PARSE_SYNTAX
            seen_point = True
        elif c'0' <= s[i] <= c'9':
            seen_digit = True
            d = s[i] - c'0'
            # accumulate negatively: INT64_MIN has no positive counterpart
            if acc < (INT64_MIN + d) // 10:
                return PARSE_OVERFLOW
            acc = acc * 10 - d
            if seen_point:
                frac += 1
        else:
            return PARSE_SYNTAX
        i += 1
    if not seen_digit:
        return PARSE_SYNTAX
    if not neg:
        if acc == INT64_MIN:
            return PARSE_OVERFLOW
        acc = -acc
    raw[0] = acc
    digits[0] = frac
    return PARSE_OK


cdef str _format(int64_t raw, uint8_t precision):
    """Format raw at precision exactly: (12340, 3) -> '12.340'."""
    cdef object v = raw
    if precision == 0:
        return str(v)
    cdef str body = str(-v if raw < 0 else v).rjust(precision + 1, "0")
    return ("-" if raw < 0 else "") + body[:-precision] + "." + body[-precision:]


cdef inline Py_hash_t _fixed_hash(int64_t raw, uint8_t precision):
    # strip trailing zeros so that values equal across precisions hash alike
    while precision > 0 and raw % 10 == 0:
        raw = raw // 10
        precision -= 1
    cdef Py_hash_t h = <Py_hash_t>(raw * 1000003) ^ <Py_hash_t>precision
    return -2 if h == -1 else h


cdef int _check_precision(str what, object precision) except -1:
    if not 0 <= precision <= FIXED_MAX_PRECISION:
        raise ValueError(f"{what}: precision must be 0..{FIXED_MAX_PRECISION}, got {precision!r}")
    return 0


cdef int _from_parts(str what, object shown, object coeff, object exp, object precision,
                     int64_t *raw, uint8_t *out_p) except -1:
    # value = coeff * 10**exp, Python ints: exact whatever the size
    if precision is None:
        precision = -exp if exp < 0 else 0
        if precision > FIXED_MAX_PRECISION:
            raise ValueError(f"{what}: {shown!r} has {precision} decimals, "
                             f"more than the maximum precision {FIXED_MAX_PRECISION}")
    else:
        _check_precision(what, precision)
    cdef object shift = exp + precision
    cdef object r
    if shift >= 0:
        r = coeff * 10 ** shift
    else:
        r, rem = divmod(coeff, 10 ** -shift)
        if rem:
            raise ValueError(f"{what}: {shown!r} has more decimals than precision {precision}"
                             " (no silent rounding; use from_float or round first)")
    if not _INT64_MIN <= r <= _INT64_MAX:
        raise OverflowError(f"{what}: {shown!r} at precision {precision} does not fit int64")
    raw[0] = r
    out_p[0] = precision
    return 0


cdef int _from_decimal(str what, object d, object precision, int64_t *raw, uint8_t *out_p) except -1:
    if not d.is_finite():
        raise ValueError(f"{what}: {str(d)!r} is not a finite number")
    sign, digits, exp = d.as_tuple()
    coeff = int("".join(map(str, digits))) if digits else 0
    return _from_parts(what, str(d), -coeff if sign else coeff, exp, precision, raw, out_p)


cdef int _from_str(str what, str s, object precision, int64_t *raw, uint8_t *out_p) except -1:
    cdef Py_ssize_t n
    cdef const char *buf = PyUnicode_AsUTF8AndSize(s, &n)
    cdef int64_t r
    cdef int digits
    cdef int code = fixed_parse(buf, n, &r, &digits)
    if code == PARSE_OK:
        if precision is None and digits <= FIXED_MAX_PRECISION:
            raw[0] = r
            out_p[0] = digits
            return 0
        return _from_parts(what, s, r, -digits, precision, raw, out_p)
    try:
        d = Decimal(s)
    except decimal.InvalidOperation:
        raise ValueError(f"{what}: {s!r} is not a decimal number") from None
    return _from_decimal(what, d, precision, raw, out_p)


cdef int _parse(str what, object value, object precision, int64_t *raw, uint8_t *out_p) except -1:
    if isinstance(value, str):
        return _from_str(what, <str>value, precision, raw, out_p)
    if isinstance(value, bool):
        raise TypeError(f"{what}: expected str, int or Decimal, got bool {value!r}")
    if isinstance(value, int):
        return _from_parts(what, value, value, 0, 0 if precision is None else precision, raw, out_p)
    if isinstance(value, Decimal):
        return _from_decimal(what, value, precision, raw, out_p)
    if isinstance(value, float):
        raise TypeError(f"{what}: float {value!r} needs an explicit precision: "
                        f"use {what}.from_float(x, precision)")
    raise TypeError(f"{what}: expected str, int or Decimal, got {type(value).__name__}")


cdef int _from_float(str what, double x, object precision, int64_t *raw, uint8_t *out_p) except -1:
    _check_precision(what, precision)
    if not isfinite(x):
        raise ValueError(f"{what}: {x!r} is not a finite number")
    # repr is the shortest string that reads back as x: round what the user sees, half-even
    d = _CTX.create_decimal(repr(x)).quantize(Decimal(1).scaleb(-precision), context=_CTX)
    return _from_decimal(what, d, precision, raw, out_p)


cdef inline object _to_decimal(int64_t raw, uint8_t precision):
    return Decimal(raw).scaleb(-precision, _CTX)


cdef inline object _notional(int64_t a, uint8_t pa, int64_t b, uint8_t pb):
    # exact in Python ints: a notional often overflows int64 at pa + pb digits
    return Decimal(<object>a * <object>b).scaleb(-(pa + pb), _CTX)


# --------------------------------------------------------------------------------------------
# Currency

cdef dict _CURRENCIES = {}


@cython.final
cdef class Currency:
    """Name a currency by its code and the number of decimals its amounts carry.

    Common currencies are registered at import (USD, EUR, GBP, JPY, CHF, AUD, CAD, USDT,
    USDC, BTC, ETH); `Currency.from_str("USD")` looks one up, `Currency.register` adds one.
    """

    def __init__(self, str code not None, int precision, str name="") -> None:
        if not code or not code.isprintable() or " " in code:
            raise ValueError(f"Currency: code must be non-empty printable text, got {code!r}")
        _check_precision("Currency", precision)
        self.code = code
        self.precision = precision
        self.name = name or code

    @staticmethod
    def from_str(str code not None) -> Currency:
        """Return the registered currency with this code; ValueError if there is none."""
        cdef object cur = _CURRENCIES.get(code)
        if cur is None:
            raise ValueError(f"Currency: unknown code {code!r} (register it with Currency.register)")
        return cur

    @staticmethod
    def register(Currency currency not None, bint overwrite=False) -> Currency:
        """Add a currency to the registry; ValueError if its code is taken by another one."""
        cdef Currency old = _CURRENCIES.get(currency.code)
        if old is not None and old != currency and not overwrite:
            raise ValueError(f"Currency: {currency.code!r} is already registered with "
                             f"precision {old.precision}")
        _CURRENCIES[currency.code] = currency
        return currency

    @staticmethod
    def is_registered(str code not None) -> bool:
        """Return True when a currency with this code is registered."""
        return code in _CURRENCIES

    def __eq__(self, other):
        if not isinstance(other, Currency):
            return NotImplemented
        return self.code == (<Currency>other).code and self.precision == (<Currency>other).precision

    def __hash__(self):
        return hash(self.code)

    def __str__(self):
        return self.code

    def __repr__(self):
        return f"Currency({self.code!r}, {self.precision})"

    def __reduce__(self):
        return (Currency, (self.code, self.precision, self.name))


USD = Currency.register(Currency("USD", 2, "US dollar"))
EUR = Currency.register(Currency("EUR", 2, "Euro"))
GBP = Currency.register(Currency("GBP", 2, "British pound"))
JPY = Currency.register(Currency("JPY", 0, "Japanese yen"))
CHF = Currency.register(Currency("CHF", 2, "Swiss franc"))
AUD = Currency.register(Currency("AUD", 2, "Australian dollar"))
CAD = Currency.register(Currency("CAD", 2, "Canadian dollar"))
USDT = Currency.register(Currency("USDT", 8, "Tether"))
USDC = Currency.register(Currency("USDC", 8, "USD Coin"))
BTC = Currency.register(Currency("BTC", 8, "Bitcoin"))
ETH = Currency.register(Currency("ETH", 8, "Ether"))


# --------------------------------------------------------------------------------------------
# Price

@cython.final
@cython.freelist(64)
cdef class Price:
    """Hold a signed fixed-point price: int64 `raw` units of 10**-`precision`.

    Parameters
    ----------
    value : str | int | Decimal
        "101.25", 101 or Decimal("101.25"). A float raises TypeError: use `from_float`.
    precision : int | None
        Decimals to keep (0..18). None takes them from the value (a str's digits after the
        point; 0 for an int). A value with more significant decimals raises ValueError.

    Raises
    ------
    ValueError
        Not a finite decimal, precision out of range, or more decimals than `precision`.
    OverflowError
        The raw value does not fit int64.
    """

    def __init__(self, value, precision=None) -> None:
        _parse("Price", value, precision, &self.raw, &self.precision)

    @staticmethod
    def from_str(str value not None, precision=None) -> Price:
        """Parse a decimal string; precision defaults to its digits after the point."""
        cdef Price p = Price.__new__(Price)
        _from_str("Price", value, precision, &p.raw, &p.precision)
        return p

    @staticmethod
    def from_raw(int64_t raw, int precision) -> Price:
        """Wrap a raw int64 at precision (0..18) without conversion."""
        _check_precision("Price", precision)
        return price_new(raw, precision)

    @staticmethod
    def from_int(value, int precision=0) -> Price:
        """Make an integral price shown with `precision` decimals: from_int(5, 2) is 5.00."""
        cdef Price p = Price.__new__(Price)
        _from_parts("Price", value, int(value), 0, precision, &p.raw, &p.precision)
        return p

    @staticmethod
    def from_float(double value, int precision) -> Price:
        """Round a float half-even (on its shortest repr) to `precision` decimals."""
        cdef Price p = Price.__new__(Price)
        _from_float("Price", value, precision, &p.raw, &p.precision)
        return p

    cpdef double as_double(self):
        """Return the value as a float (display and statistics only)."""
        return <double>self.raw / <double>pow10(self.precision)

    cpdef object as_decimal(self):
        """Return the exact value as a Decimal."""
        return _to_decimal(self.raw, self.precision)

    def rescale(self, int precision) -> Price:
        """Return the same value at another precision; ValueError if that would round."""
        _check_precision("Price", precision)
        cdef int64_t r
        if not fixed_rescale(self.raw, self.precision, precision, &r):
            if precision > self.precision:
                raise OverflowError(f"Price: {self} at precision {precision} does not fit int64")
            raise ValueError(f"Price: {self} has more decimals than precision {precision}")
        return price_new(r, precision)

    def __float__(self):
        return self.as_double()

    def __bool__(self):
        return self.raw != 0

    def __neg__(self):
        if self.raw == INT64_MIN:
            raise OverflowError(f"Price: -({self}) does not fit int64")
        return price_new(-self.raw, self.precision)

    def __pos__(self):
        return self

    def __abs__(self):
        return self if self.raw >= 0 else -self

    def __add__(self, other):
        cdef int64_t r
        cdef uint8_t p
        if not isinstance(other, Price):
            return NotImplemented
        if not fixed_add(self.raw, self.precision, (<Price>other).raw, (<Price>other).precision, &r, &p):
            raise OverflowError(f"Price: {self} + {other} overflows int64")
        return price_new(r, p)

    def __sub__(self, other):
        cdef int64_t r
        cdef uint8_t p
        if not isinstance(other, Price):
            return NotImplemented
        if not fixed_sub(self.raw, self.precision, (<Price>other).raw, (<Price>other).precision, &r, &p):
            raise OverflowError(f"Price: {self} - {other} overflows int64")
        return price_new(r, p)

    def __mul__(self, other):
        """Price * Quantity is the exact notional as a Decimal; Price * int is a Price."""
        cdef int64_t r
        cdef uint8_t p
        if isinstance(other, Quantity):
            return _notional(self.raw, self.precision, (<Quantity>other).raw, (<Quantity>other).precision)
        if isinstance(other, int) and not isinstance(other, bool):
            if not -2**63 <= other < 2**63 or not fixed_mul(self.raw, self.precision, other, 0, &r, &p):
                raise OverflowError(f"Price: {self} * {other} overflows int64")
            return price_new(r, p)
        return NotImplemented

    def __rmul__(self, other):
        return self.__mul__(other)

    def __eq__(self, other):
        if not isinstance(other, Price):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Price>other).raw, (<Price>other).precision) == 0

    def __ne__(self, other):
        if not isinstance(other, Price):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Price>other).raw, (<Price>other).precision) != 0

    def __lt__(self, other):
        if not isinstance(other, Price):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Price>other).raw, (<Price>other).precision) < 0

    def __le__(self, other):
        if not isinstance(other, Price):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Price>other).raw, (<Price>other).precision) <= 0

    def __gt__(self, other):
        if not isinstance(other, Price):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Price>other).raw, (<Price>other).precision) > 0

    def __ge__(self, other):
        if not isinstance(other, Price):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Price>other).raw, (<Price>other).precision) >= 0

    def __hash__(self):
        return _fixed_hash(self.raw, self.precision)

    def __str__(self):
        return _format(self.raw, self.precision)

    def __repr__(self):
        return f"Price('{_format(self.raw, self.precision)}')"

    def __reduce__(self):
        return (Price.from_raw, (self.raw, self.precision))


# --------------------------------------------------------------------------------------------
# Quantity

@cython.final
@cython.freelist(64)
cdef class Quantity:
    """Hold a non-negative fixed-point quantity: int64 `raw` units of 10**-`precision`.

    Constructed like Price (str | int | Decimal, optional precision, `from_float` for
    floats); a negative value raises ValueError naming it, and so does a subtraction
    whose result would be negative.
    """

    def __init__(self, value, precision=None) -> None:
        _parse("Quantity", value, precision, &self.raw, &self.precision)
        if self.raw < 0:
            raise ValueError(f"Quantity: must be >= 0, got {value!r}")

    @staticmethod
    def from_str(str value not None, precision=None) -> Quantity:
        """Parse a decimal string; precision defaults to its digits after the point."""
        return Quantity(value, precision)

    @staticmethod
    def from_raw(int64_t raw, int precision) -> Quantity:
        """Wrap a raw int64 (>= 0) at precision (0..18) without conversion."""
        _check_precision("Quantity", precision)
        if raw < 0:
            raise ValueError(f"Quantity: raw must be >= 0, got {raw}")
        return quantity_new(raw, precision)

    @staticmethod
    def from_int(value, int precision=0) -> Quantity:
        """Make an integral quantity shown with `precision` decimals."""
        cdef Quantity q = Quantity.__new__(Quantity)
        _from_parts("Quantity", value, int(value), 0, precision, &q.raw, &q.precision)
        if q.raw < 0:
            raise ValueError(f"Quantity: must be >= 0, got {value!r}")
        return q

    @staticmethod
    def from_float(double value, int precision) -> Quantity:
        """Round a float half-even (on its shortest repr) to `precision` decimals."""
        cdef Quantity q = Quantity.__new__(Quantity)
        _from_float("Quantity", value, precision, &q.raw, &q.precision)
        if q.raw < 0:
            raise ValueError(f"Quantity: must be >= 0, got {value!r}")
        return q

    @staticmethod
    def zero(int precision=0) -> Quantity:
        """Return a zero quantity at precision."""
        _check_precision("Quantity", precision)
        return quantity_new(0, precision)

    cpdef double as_double(self):
        """Return the value as a float (display and statistics only)."""
        return <double>self.raw / <double>pow10(self.precision)

    cpdef object as_decimal(self):
        """Return the exact value as a Decimal."""
        return _to_decimal(self.raw, self.precision)

    def rescale(self, int precision) -> Quantity:
        """Return the same value at another precision; ValueError if that would round."""
        _check_precision("Quantity", precision)
        cdef int64_t r
        if not fixed_rescale(self.raw, self.precision, precision, &r):
            if precision > self.precision:
                raise OverflowError(f"Quantity: {self} at precision {precision} does not fit int64")
            raise ValueError(f"Quantity: {self} has more decimals than precision {precision}")
        return quantity_new(r, precision)

    def __float__(self):
        return self.as_double()

    def __bool__(self):
        return self.raw != 0

    def __pos__(self):
        return self

    def __abs__(self):
        return self

    def __add__(self, other):
        cdef int64_t r
        cdef uint8_t p
        if not isinstance(other, Quantity):
            return NotImplemented
        if not fixed_add(self.raw, self.precision, (<Quantity>other).raw, (<Quantity>other).precision, &r, &p):
            raise OverflowError(f"Quantity: {self} + {other} overflows int64")
        return quantity_new(r, p)

    def __sub__(self, other):
        cdef int64_t r
        cdef uint8_t p
        if not isinstance(other, Quantity):
            return NotImplemented
        if not fixed_sub(self.raw, self.precision, (<Quantity>other).raw, (<Quantity>other).precision, &r, &p):
            raise OverflowError(f"Quantity: {self} - {other} overflows int64")
        if r < 0:
            raise ValueError(f"Quantity: {self} - {other} is negative ({_format(r, p)})")
        return quantity_new(r, p)

    def __mul__(self, other):
        """Quantity * Price is the exact notional as a Decimal; Quantity * int is a Quantity."""
        cdef int64_t r
        cdef uint8_t p
        if isinstance(other, Price):
            return _notional((<Price>other).raw, (<Price>other).precision, self.raw, self.precision)
        if isinstance(other, int) and not isinstance(other, bool):
            if other < 0:
                raise ValueError(f"Quantity: {self} * {other} is negative")
            if other >= 2**63 or not fixed_mul(self.raw, self.precision, other, 0, &r, &p):
                raise OverflowError(f"Quantity: {self} * {other} overflows int64")
            return quantity_new(r, p)
        return NotImplemented

    def __rmul__(self, other):
        return self.__mul__(other)

    def __eq__(self, other):
        if not isinstance(other, Quantity):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Quantity>other).raw, (<Quantity>other).precision) == 0

    def __ne__(self, other):
        if not isinstance(other, Quantity):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Quantity>other).raw, (<Quantity>other).precision) != 0

    def __lt__(self, other):
        if not isinstance(other, Quantity):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Quantity>other).raw, (<Quantity>other).precision) < 0

    def __le__(self, other):
        if not isinstance(other, Quantity):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Quantity>other).raw, (<Quantity>other).precision) <= 0

    def __gt__(self, other):
        if not isinstance(other, Quantity):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Quantity>other).raw, (<Quantity>other).precision) > 0

    def __ge__(self, other):
        if not isinstance(other, Quantity):
            return NotImplemented
        return fixed_cmp(self.raw, self.precision, (<Quantity>other).raw, (<Quantity>other).precision) >= 0

    def __hash__(self):
        return _fixed_hash(self.raw, self.precision)

    def __str__(self):
        return _format(self.raw, self.precision)

    def __repr__(self):
        return f"Quantity('{_format(self.raw, self.precision)}')"

    def __reduce__(self):
        return (Quantity.from_raw, (self.raw, self.precision))


# --------------------------------------------------------------------------------------------
# Money

cdef inline int _same_currency(Money a, Money b, str op) except -1:
    if a.currency is not b.currency and a.currency != b.currency:
        raise ValueError(f"Money: cannot {op} {a.currency.code} and {b.currency.code}")
    return 0


@cython.final
@cython.freelist(64)
cdef class Money:
    """Hold a signed amount of one currency, at the currency's precision.

    `Money("1.50", USD)`; a value with more decimals than the currency carries raises
    ValueError. Adding, subtracting or comparing different currencies raises ValueError.
    """

    def __init__(self, value, Currency currency not None) -> None:
        cdef uint8_t p
        if isinstance(value, float):
            raise TypeError(f"Money: float {value!r} is ambiguous: use Money.from_float(x, currency)")
        _parse("Money", value, currency.precision, &self.raw, &p)
        self.currency = currency

    @staticmethod
    def from_raw(int64_t raw, Currency currency not None) -> Money:
        """Wrap raw units of 10**-currency.precision."""
        return money_new(raw, currency)

    @staticmethod
    def from_float(double value, Currency currency not None) -> Money:
        """Round a float half-even (on its shortest repr) to the currency's precision."""
        cdef Money m = Money.__new__(Money)
        cdef uint8_t p
        _from_float("Money", value, currency.precision, &m.raw, &p)
        m.currency = currency
        return m

    @staticmethod
    def from_str(str value not None) -> Money:
        """Parse '1.50 USD' (amount, a space, a registered currency code)."""
        amount, _, code = value.strip().rpartition(" ")
        if not amount:
            raise ValueError(f"Money: expected '<amount> <currency>', got {value!r}")
        return Money(amount.strip(), Currency.from_str(code))

    @staticmethod
    def zero(Currency currency not None) -> Money:
        """Return zero of the currency."""
        return money_new(0, currency)

    @property
    def precision(self) -> int:
        """Return the currency's precision."""
        return self.currency.precision

    cpdef double as_double(self):
        """Return the amount as a float (display and statistics only)."""
        return <double>self.raw / <double>pow10(self.currency.precision)

    cpdef object as_decimal(self):
        """Return the exact amount as a Decimal."""
        return _to_decimal(self.raw, self.currency.precision)

    def __float__(self):
        return self.as_double()

    def __bool__(self):
        return self.raw != 0

    def __neg__(self):
        if self.raw == INT64_MIN:
            raise OverflowError(f"Money: -({self}) does not fit int64")
        return money_new(-self.raw, self.currency)

    def __pos__(self):
        return self

    def __abs__(self):
        return self if self.raw >= 0 else -self

    def __add__(self, other):
        cdef int64_t r
        cdef uint8_t p
        if not isinstance(other, Money):
            return NotImplemented
        _same_currency(self, other, "add")
        if not fixed_add(self.raw, 0, (<Money>other).raw, 0, &r, &p):
            raise OverflowError(f"Money: {self} + {other} overflows int64")
        return money_new(r, self.currency)

    def __sub__(self, other):
        cdef int64_t r
        cdef uint8_t p
        if not isinstance(other, Money):
            return NotImplemented
        _same_currency(self, other, "subtract")
        if not fixed_sub(self.raw, 0, (<Money>other).raw, 0, &r, &p):
            raise OverflowError(f"Money: {self} - {other} overflows int64")
        return money_new(r, self.currency)

    def __mul__(self, other):
        cdef int64_t r
        cdef uint8_t p
        if isinstance(other, int) and not isinstance(other, bool):
            if not -2**63 <= other < 2**63 or not fixed_mul(self.raw, 0, other, 0, &r, &p):
                raise OverflowError(f"Money: {self} * {other} overflows int64")
            return money_new(r, self.currency)
        return NotImplemented

    def __rmul__(self, other):
        return self.__mul__(other)

    def __eq__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        return self.raw == (<Money>other).raw and self.currency == (<Money>other).currency

    def __ne__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        return not (self.raw == (<Money>other).raw and self.currency == (<Money>other).currency)

    def __lt__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        _same_currency(self, other, "compare")
        return self.raw < (<Money>other).raw

    def __le__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        _same_currency(self, other, "compare")
        return self.raw <= (<Money>other).raw

    def __gt__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        _same_currency(self, other, "compare")
        return self.raw > (<Money>other).raw

    def __ge__(self, other):
        if not isinstance(other, Money):
            return NotImplemented
        _same_currency(self, other, "compare")
        return self.raw >= (<Money>other).raw

    def __hash__(self):
        return hash((self.raw, self.currency.code))

    def __str__(self):
        return f"{_format(self.raw, self.currency.precision)} {self.currency.code}"

    def __repr__(self):
        return f"Money('{_format(self.raw, self.currency.precision)}', {self.currency.code})"

    def __reduce__(self):
        return (Money.from_raw, (self.raw, self.currency))


# --------------------------------------------------------------------------------------------
# C-level constructors (declared in objects.pxd)

cdef Price price_new(int64_t raw, uint8_t precision):
    cdef Price p = Price.__new__(Price)
    p.raw = raw
    p.precision = precision
    return p


cdef Quantity quantity_new(int64_t raw, uint8_t precision):
    cdef Quantity q = Quantity.__new__(Quantity)
    q.raw = raw
    q.precision = precision
    return q


cdef Money money_new(int64_t raw, Currency currency):
    cdef Money m = Money.__new__(Money)
    m.raw = raw
    m.currency = currency
    return m


cdef dict fees_by_currency(Currency first, int64_t first_raw, dict others):
    cdef dict out = {}
    if first is not None:
        out[first] = first_raw
    if others is not None:
        for cur, raw in others.items():
            out[cur] = out.get(cur, 0) + raw
    return {cur: money_new(raw, cur) for cur, raw in out.items()}


def notional(Price price not None, Quantity quantity not None, multiplier=1) -> Decimal:
    """Return price * quantity * multiplier exactly, as a Decimal."""
    return _notional(price.raw, price.precision, quantity.raw, quantity.precision) * Decimal(multiplier)
