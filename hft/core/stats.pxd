# Running, rolling-window, exponentially weighted statistics and co-moments.
# Algorithms and the numerical-stability argument: docs/stats.md (keep both in step).
#
# Every struct keeps its state *shifted* by a reference value (`shift`): means and sums are of
# (x - shift), so their rounding is relative to the spread of the data, not to its offset
# (docs/stats.md#why-shift). Accessors add the shift back. The inline functions below are the
# C form; cimport them (and the structs) to inline them in another module.
#
# @cython.cdivision(True) marks every function that divides, so the directive travels with the
# inlined code into each cimporter. Every divisor is non-zero where it is used: counts are
# divided only after a value was added or behind an `n < 2` / `n == 0` guard, std and the
# correlation denominator only behind `> 0.0` checks, merges only when both counts are > 0.
cimport cython
from libc.math cimport NAN, INFINITY, sqrt, fabs
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, free
from libc.float cimport DBL_EPSILON

cdef enum:
    # Rolling sums re-centre when (mean - shift)^2 > ROLLING_RECENTRE * variance: that bounds the
    # cancellation in S2 - S1^2/n to a factor ROLLING_RECENTRE + 1 (docs/stats.md#rolling).
    ROLLING_RECENTRE = 16
    # ... unless |mean - shift| is already within this many epsilons of |shift|: re-centring
    # cannot do better than one rounding of the shift, so it would only repeat itself.
    ROLLING_RECENTRE_EPS = 16
    # Ewma re-centres its shift when mean^2 > EWMA_RECENTRE * variance (an O(1), exact move).
    EWMA_RECENTRE = 16


# ---------------------------------------------------------------------------------------------
# Welford: running count, mean, M2, min, max of every value added (docs/stats.md#running)

ctypedef struct Welford:
    int64_t n
    double shift       # the first value added; mean and m2 are of (x - shift)
    double mean        # mean of (x - shift)
    double m2          # sum of squared deviations from the mean
    double min         # +inf while empty
    double max         # -inf while empty


cdef inline void welford_init(Welford *w) noexcept nogil:
    w.n = 0
    w.shift = 0.0
    w.mean = 0.0
    w.m2 = 0.0
    w.min = INFINITY
    w.max = -INFINITY


@cython.cdivision(True)
cdef inline void welford_add(Welford *w, double x) noexcept nogil:
    if w.n == 0:
        w.shift = x
    cdef double y = x - w.shift
    cdef double delta = y - w.mean
    w.n += 1
    w.mean += delta / w.n
    w.m2 += delta * (y - w.mean)  # new mean on purpose: delta * (y - mean') >= 0, never < 0
    if x < w.min:
        w.min = x
    if x > w.max:
        w.max = x


@cython.cdivision(True)
cdef inline void welford_merge(Welford *w, const Welford *other) noexcept nogil:
    # Chan, Golub, LeVeque (1979) pairwise update; other's mean moved into w's frame first.
    if other.n == 0:
        return
    if w.n == 0:
        w[0] = other[0]
        return
    cdef double na = <double>w.n
    cdef double nb = <double>other.n
    cdef double n = na + nb
    # shifts are close when both parts saw similar data, so this difference is exact (Sterbenz)
    cdef double delta = (other.shift - w.shift) + (other.mean - w.mean)
    w.mean += delta * (nb / n)
    w.m2 += other.m2 + delta * delta * (na * nb / n)
    w.n += other.n
    if other.min < w.min:
        w.min = other.min
    if other.max > w.max:
        w.max = other.max


cdef inline double welford_mean(const Welford *w) noexcept nogil:
    if w.n == 0:
        return NAN
    return w.shift + w.mean


@cython.cdivision(True)
cdef inline double welford_variance(const Welford *w) noexcept nogil:
    """Sample variance (ddof=1); NaN for fewer than two values."""
    if w.n < 2:
        return NAN
    return w.m2 / <double>(w.n - 1)


@cython.cdivision(True)
cdef inline double welford_population_variance(const Welford *w) noexcept nogil:
    if w.n < 1:
        return NAN
    return w.m2 / <double>w.n


cdef inline double welford_std(const Welford *w) noexcept nogil:
    return sqrt(welford_variance(w))


cdef inline double welford_min(const Welford *w) noexcept nogil:
    return w.min if w.n > 0 else NAN


cdef inline double welford_max(const Welford *w) noexcept nogil:
    return w.max if w.n > 0 else NAN


@cython.cdivision(True)
cdef inline double welford_zscore(const Welford *w, double x) noexcept nogil:
    """(x - mean) / std; NaN when fewer than two values or std == 0."""
    cdef double sd = welford_std(w)
    if w.n < 2 or sd == 0.0:
        return NAN
    return ((x - w.shift) - w.mean) / sd


# ---------------------------------------------------------------------------------------------
# Neumaier (improved Kahan) compensated sum: the exact sum is s + c to within 2 eps |s|

cdef inline void neumaier_add(double *s, double *c, double v) noexcept nogil:
    cdef double t = s[0] + v
    if fabs(s[0]) >= fabs(v):
        c[0] += (s[0] - t) + v
    else:
        c[0] += (v - t) + s[0]
    s[0] = t


# ---------------------------------------------------------------------------------------------
# RollingWindow: statistics of the last `window` values (docs/stats.md#rolling)
#
# Mean and variance come from compensated sums S1 = sum(x - shift), S2 = sum((x - shift)^2)
# that add the new value and subtract the leaving one; the shift is re-centred on the window
# mean (an O(window) pass over the buffer) only when the mean drifted far from it relative to
# the spread. Min and max come from monotonic deques of (value, time) in fixed arrays.
# Non-finite values are held but left out of sums and deques; while one is in the window every
# statistic is NaN.

ctypedef struct RollingWindow:
    double *values          # ring of the last `window` values; slot `pos` is written next
    double *min_vals        # increasing deque (values), ring of `window` slots
    int64_t *min_ts         # ... and the time (add index) of each
    double *max_vals        # decreasing deque
    int64_t *max_ts
    Py_ssize_t window
    Py_ssize_t pos
    int64_t count           # values added since reset (the next value's time)
    Py_ssize_t min_head, min_size, max_head, max_size
    Py_ssize_t nonfinite    # NaN/inf values currently in the window
    double shift
    double s1, c1           # sum of (x - shift), and its compensation
    double s2, c2           # sum of (x - shift)^2, and its compensation
    double last
    int64_t recentres       # how many O(window) re-centring passes ran (for tests and docs)


cdef inline void rolling_reset(RollingWindow *r) noexcept nogil:
    r.pos = 0
    r.count = 0
    r.min_head = 0
    r.min_size = 0
    r.max_head = 0
    r.max_size = 0
    r.nonfinite = 0
    r.shift = 0.0
    r.s1 = 0.0
    r.c1 = 0.0
    r.s2 = 0.0
    r.c2 = 0.0
    r.last = NAN
    r.recentres = 0


cdef inline int rolling_init(RollingWindow *r, Py_ssize_t window) noexcept nogil:
    """Allocate the buffers once; return -1 when out of memory. window must be >= 1."""
    cdef char *block = <char *>malloc(<size_t>window * 5 * 8)
    r.window = window
    if block == NULL:
        r.values = NULL
        return -1
    r.values = <double *>block
    r.min_vals = r.values + window
    r.max_vals = r.min_vals + window
    r.min_ts = <int64_t *>(r.max_vals + window)
    r.max_ts = r.min_ts + window
    rolling_reset(r)
    return 0


cdef inline void rolling_free(RollingWindow *r) noexcept nogil:
    free(r.values)  # one block holds every buffer
    r.values = NULL


cdef inline Py_ssize_t rolling_size(const RollingWindow *r) noexcept nogil:
    """Number of values in the window."""
    return <Py_ssize_t>r.count if r.count < r.window else r.window


@cython.cdivision(True)
cdef inline void rolling_recentre(RollingWindow *r) noexcept nogil:
    # Two passes over the buffer: the window mean about the old shift, then fresh sums about it.
    cdef Py_ssize_t n = rolling_size(r), i, finite = 0
    cdef double s = 0.0, c = 0.0, v, y
    for i in range(n):
        v = r.values[i]
        if v - v == 0.0:
            neumaier_add(&s, &c, v - r.shift)
            finite += 1
    if finite > 0:
        r.shift = r.shift + (s + c) / finite
    r.s1 = 0.0
    r.c1 = 0.0
    r.s2 = 0.0
    r.c2 = 0.0
    for i in range(n):
        v = r.values[i]
        if v - v == 0.0:
            y = v - r.shift
            neumaier_add(&r.s1, &r.c1, y)
            neumaier_add(&r.s2, &r.c2, y * y)
    r.recentres += 1


@cython.cdivision(True)
cdef inline bint _drifted(double s, double ss, double shift, Py_ssize_t n) noexcept nogil:
    # Re-centre when the window mean drifted from the shift by more than ~4 std: beyond that the
    # subtraction S2 - S1^2/n would cancel more than a few bits (docs/stats.md#rolling). s and
    # ss are the compensated sums of (x - shift) and its square over n >= 1 finite values (every
    # caller has just added a finite one, so n is never 0).
    cdef double d = s / n
    return d * d * n > ROLLING_RECENTRE * (ss - s * d) and \
        fabs(d) > ROLLING_RECENTRE_EPS * DBL_EPSILON * fabs(shift)


@cython.cdivision(True)
cdef inline double _shifted_mean(double shift, double s, Py_ssize_t n,
                                 Py_ssize_t nonfinite) noexcept nogil:
    # mean of a window kept as shift + compensated sum s of (x - shift) over n values
    if n == 0 or nonfinite > 0:
        return NAN
    return shift + s / n


@cython.cdivision(True)
cdef inline void rolling_add(RollingWindow *r, double x) noexcept nogil:
    cdef double old, y
    cdef Py_ssize_t back, slot, n
    cdef int64_t t = r.count
    if r.count == 0:
        r.shift = x if x - x == 0.0 else 0.0
    if r.count >= r.window:
        old = r.values[r.pos]
        if old - old == 0.0:
            y = old - r.shift
            neumaier_add(&r.s1, &r.c1, -y)
            neumaier_add(&r.s2, &r.c2, -(y * y))  # the same rounded square that was added
        else:
            r.nonfinite -= 1
    r.values[r.pos] = x
    r.pos += 1
    if r.pos == r.window:
        r.pos = 0
    r.count += 1
    r.last = x
    # the deques hold times in (t - window, t]: at most one leaves per add
    if r.min_size > 0 and r.min_ts[r.min_head] <= t - r.window:
        r.min_head += 1
        if r.min_head == r.window:
            r.min_head = 0
        r.min_size -= 1
    if r.max_size > 0 and r.max_ts[r.max_head] <= t - r.window:
        r.max_head += 1
        if r.max_head == r.window:
            r.max_head = 0
        r.max_size -= 1
    if x - x != 0.0:  # NaN or inf: held in the ring, kept out of sums and deques
        r.nonfinite += 1
        return
    y = x - r.shift
    neumaier_add(&r.s1, &r.c1, y)
    neumaier_add(&r.s2, &r.c2, y * y)
    while r.min_size > 0:
        back = r.min_head + r.min_size - 1
        if back >= r.window:
            back -= r.window
        if r.min_vals[back] < x:
            break
        r.min_size -= 1
    slot = r.min_head + r.min_size
    if slot >= r.window:
        slot -= r.window
    r.min_vals[slot] = x
    r.min_ts[slot] = t
    r.min_size += 1
    while r.max_size > 0:
        back = r.max_head + r.max_size - 1
        if back >= r.window:
            back -= r.window
        if r.max_vals[back] > x:
            break
        r.max_size -= 1
    slot = r.max_head + r.max_size
    if slot >= r.window:
        slot -= r.window
    r.max_vals[slot] = x
    r.max_ts[slot] = t
    r.max_size += 1
    n = rolling_size(r) - r.nonfinite  # >= 1: x itself is finite and in the window
    if _drifted(r.s1 + r.c1, r.s2 + r.c2, r.shift, n):
        rolling_recentre(r)


cdef inline double rolling_mean(const RollingWindow *r) noexcept nogil:
    return _shifted_mean(r.shift, r.s1 + r.c1, rolling_size(r), r.nonfinite)


@cython.cdivision(True)
cdef inline double rolling_m2(const RollingWindow *r) noexcept nogil:
    cdef Py_ssize_t n = rolling_size(r)
    cdef double s1 = r.s1 + r.c1
    cdef double m2 = (r.s2 + r.c2) - s1 * (s1 / n)
    return m2 if m2 > 0.0 else 0.0  # rounding can leave -tiny for a constant window


@cython.cdivision(True)
cdef inline double rolling_variance(const RollingWindow *r) noexcept nogil:
    """Sample variance (ddof=1) of the window; NaN below two values or with a non-finite one."""
    cdef Py_ssize_t n = rolling_size(r)
    if n < 2 or r.nonfinite > 0:
        return NAN
    return rolling_m2(r) / (n - 1)


@cython.cdivision(True)
cdef inline double rolling_population_variance(const RollingWindow *r) noexcept nogil:
    cdef Py_ssize_t n = rolling_size(r)
    if n < 1 or r.nonfinite > 0:
        return NAN
    return rolling_m2(r) / n


cdef inline double rolling_std(const RollingWindow *r) noexcept nogil:
    return sqrt(rolling_variance(r))


cdef inline double rolling_min(const RollingWindow *r) noexcept nogil:
    if r.min_size == 0 or r.nonfinite > 0:
        return NAN
    return r.min_vals[r.min_head]


cdef inline double rolling_max(const RollingWindow *r) noexcept nogil:
    if r.max_size == 0 or r.nonfinite > 0:
        return NAN
    return r.max_vals[r.max_head]


@cython.cdivision(True)
cdef inline double rolling_zscore(const RollingWindow *r, double x) noexcept nogil:
    """(x - window mean) / window std; NaN below two values or when std == 0."""
    cdef double sd = rolling_std(r)
    if not (sd > 0.0):
        return NAN
    return ((x - r.shift) - (r.s1 + r.c1) / rolling_size(r)) / sd


# ---------------------------------------------------------------------------------------------
# ExpWeighted: exponentially weighted mean and variance, West (1979) incremental form with
# adjust=False weights (docs/stats.md#ewma)

ctypedef struct ExpWeighted:
    double alpha
    int64_t n
    double shift       # reference value; mean is of (x - shift), re-centred when it drifts
    double mean
    double var         # biased (population) weighted variance: sum w_i (x_i - mean)^2
    double bias_norm   # 1 - sum w_i^2 (weights sum to 1); unbiased variance = var / bias_norm


cdef inline void ewma_init(ExpWeighted *e, double alpha) noexcept nogil:
    e.alpha = alpha
    e.n = 0
    e.shift = 0.0
    e.mean = 0.0
    e.var = 0.0
    e.bias_norm = 0.0


cdef inline void ewma_add(ExpWeighted *e, double x) noexcept nogil:
    cdef double a = e.alpha, b = 1.0 - e.alpha, diff, incr, moved
    if e.n == 0:
        e.shift = x
        e.n = 1
        return
    diff = (x - e.shift) - e.mean
    incr = a * diff
    e.mean += incr
    e.var = b * (e.var + diff * incr)
    # 1 - sum w^2 updated directly: sum w^2 -> b^2 sum w^2 + a^2, so no 1 - (1 - tiny) loss
    e.bias_norm = 2.0 * a * b + b * b * e.bias_norm
    e.n += 1
    if e.mean * e.mean > EWMA_RECENTRE * e.var:
        # move the shift onto the mean: shift' - shift and mean - (shift' - shift) are exact
        # differences of nearby doubles (Sterbenz), so this changes no value, only the frame
        moved = (e.shift + e.mean) - e.shift
        e.shift += moved
        e.mean -= moved


cdef inline double ewma_mean(const ExpWeighted *e) noexcept nogil:
    if e.n == 0:
        return NAN
    return e.shift + e.mean


cdef inline double ewma_population_variance(const ExpWeighted *e) noexcept nogil:
    if e.n == 0:
        return NAN
    return e.var


@cython.cdivision(True)
cdef inline double ewma_variance(const ExpWeighted *e) noexcept nogil:
    """Bias-corrected weighted variance (like pandas bias=False); NaN below two values."""
    if e.n < 2 or e.bias_norm <= 0.0:
        return NAN
    return e.var / e.bias_norm


cdef inline double ewma_std(const ExpWeighted *e) noexcept nogil:
    return sqrt(ewma_variance(e))


# ---------------------------------------------------------------------------------------------
# CoMoment: bivariate Welford (means, M2 of each, co-moment C = sum (x - mx)(y - my))

ctypedef struct CoMoment:
    int64_t n
    double shift_x, shift_y
    double mean_x, mean_y
    double m2x, m2y
    double cxy


cdef inline void comoment_init(CoMoment *c) noexcept nogil:
    c.n = 0
    c.shift_x = 0.0
    c.shift_y = 0.0
    c.mean_x = 0.0
    c.mean_y = 0.0
    c.m2x = 0.0
    c.m2y = 0.0
    c.cxy = 0.0


@cython.cdivision(True)
cdef inline void comoment_add(CoMoment *c, double x, double y) noexcept nogil:
    if c.n == 0:
        c.shift_x = x
        c.shift_y = y
    cdef double u = x - c.shift_x, v = y - c.shift_y
    cdef double dx = u - c.mean_x, dy = v - c.mean_y
    c.n += 1
    c.mean_x += dx / c.n
    c.mean_y += dy / c.n
    c.m2x += dx * (u - c.mean_x)
    c.m2y += dy * (v - c.mean_y)
    c.cxy += dx * (v - c.mean_y)  # old x-deviation times new y-deviation: exact co-moment update


@cython.cdivision(True)
cdef inline void comoment_merge(CoMoment *c, const CoMoment *o) noexcept nogil:
    if o.n == 0:
        return
    if c.n == 0:
        c[0] = o[0]
        return
    cdef double na = <double>c.n, nb = <double>o.n
    cdef double n = na + nb, f = na * nb / n
    cdef double dx = (o.shift_x - c.shift_x) + (o.mean_x - c.mean_x)
    cdef double dy = (o.shift_y - c.shift_y) + (o.mean_y - c.mean_y)
    c.mean_x += dx * (nb / n)
    c.mean_y += dy * (nb / n)
    c.m2x += o.m2x + dx * dx * f
    c.m2y += o.m2y + dy * dy * f
    c.cxy += o.cxy + dx * dy * f
    c.n += o.n


@cython.cdivision(True)
cdef inline double comoment_covariance(const CoMoment *c) noexcept nogil:
    """Sample covariance (ddof=1); NaN below two pairs."""
    if c.n < 2:
        return NAN
    return c.cxy / <double>(c.n - 1)


@cython.cdivision(True)
cdef inline double comoment_correlation(const CoMoment *c) noexcept nogil:
    """Pearson correlation; NaN below two pairs or when either side is constant."""
    cdef double d = sqrt(c.m2x) * sqrt(c.m2y)
    if c.n < 2 or not (d > 0.0):
        return NAN
    cdef double r = c.cxy / d
    # rounding can push |r| a hair past 1 for perfectly (anti)correlated data
    if r > 1.0:
        return 1.0
    if r < -1.0:
        return -1.0
    return r


# ---------------------------------------------------------------------------------------------
# RollingCoMoment: covariance and correlation of the last `window` pairs, by the same technique
# as RollingWindow (shifted compensated sums, re-centred when either mean drifts)

ctypedef struct RollingCoMoment:
    double *xs              # rings of the last `window` x and y; slot `pos` is written next
    double *ys
    Py_ssize_t window
    Py_ssize_t pos
    int64_t count
    Py_ssize_t nonfinite    # pairs in the window with a NaN/inf member
    double shift_x, shift_y
    double sx, cx, sy, cy   # sums of (x - shift_x), (y - shift_y) and compensations
    double sxx, cxx, syy, cyy, sxy, cxy
    int64_t recentres


cdef inline void rolling_comoment_reset(RollingCoMoment *r) noexcept nogil:
    r.pos = 0
    r.count = 0
    r.nonfinite = 0
    r.shift_x = 0.0
    r.shift_y = 0.0
    r.sx = 0.0
    r.cx = 0.0
    r.sy = 0.0
    r.cy = 0.0
    r.sxx = 0.0
    r.cxx = 0.0
    r.syy = 0.0
    r.cyy = 0.0
    r.sxy = 0.0
    r.cxy = 0.0
    r.recentres = 0


cdef inline int rolling_comoment_init(RollingCoMoment *r, Py_ssize_t window) noexcept nogil:
    """Allocate the rings once; return -1 when out of memory. window must be >= 1."""
    r.window = window
    r.xs = <double *>malloc(<size_t>window * 2 * sizeof(double))
    if r.xs == NULL:
        r.ys = NULL
        return -1
    r.ys = r.xs + window
    rolling_comoment_reset(r)
    return 0


cdef inline void rolling_comoment_free(RollingCoMoment *r) noexcept nogil:
    free(r.xs)  # one block holds both rings
    r.xs = NULL
    r.ys = NULL


cdef inline Py_ssize_t rolling_comoment_size(const RollingCoMoment *r) noexcept nogil:
    return <Py_ssize_t>r.count if r.count < r.window else r.window


cdef inline void _rolling_comoment_put(RollingCoMoment *r, double u, double v, double sign) noexcept nogil:
    neumaier_add(&r.sx, &r.cx, sign * u)
    neumaier_add(&r.sy, &r.cy, sign * v)
    neumaier_add(&r.sxx, &r.cxx, sign * (u * u))
    neumaier_add(&r.syy, &r.cyy, sign * (v * v))
    neumaier_add(&r.sxy, &r.cxy, sign * (u * v))


@cython.cdivision(True)
cdef inline void rolling_comoment_recentre(RollingCoMoment *r) noexcept nogil:
    cdef Py_ssize_t n = rolling_comoment_size(r), i, finite = 0
    cdef double ax = 0.0, bx = 0.0, ay = 0.0, by = 0.0, x, y
    for i in range(n):
        x = r.xs[i]
        y = r.ys[i]
        if x - x == 0.0 and y - y == 0.0:
            neumaier_add(&ax, &bx, x - r.shift_x)
            neumaier_add(&ay, &by, y - r.shift_y)
            finite += 1
    if finite > 0:
        r.shift_x = r.shift_x + (ax + bx) / finite
        r.shift_y = r.shift_y + (ay + by) / finite
    r.sx = 0.0
    r.cx = 0.0
    r.sy = 0.0
    r.cy = 0.0
    r.sxx = 0.0
    r.cxx = 0.0
    r.syy = 0.0
    r.cyy = 0.0
    r.sxy = 0.0
    r.cxy = 0.0
    for i in range(n):
        x = r.xs[i]
        y = r.ys[i]
        if x - x == 0.0 and y - y == 0.0:
            _rolling_comoment_put(r, x - r.shift_x, y - r.shift_y, 1.0)
    r.recentres += 1


@cython.cdivision(True)
cdef inline void rolling_comoment_add(RollingCoMoment *r, double x, double y) noexcept nogil:
    cdef double ox, oy
    cdef Py_ssize_t n
    if r.count == 0:
        r.shift_x = x if x - x == 0.0 else 0.0
        r.shift_y = y if y - y == 0.0 else 0.0
    if r.count >= r.window:
        ox = r.xs[r.pos]
        oy = r.ys[r.pos]
        if ox - ox == 0.0 and oy - oy == 0.0:
            _rolling_comoment_put(r, ox - r.shift_x, oy - r.shift_y, -1.0)  # same rounded terms
        else:
            r.nonfinite -= 1
    r.xs[r.pos] = x
    r.ys[r.pos] = y
    r.pos += 1
    if r.pos == r.window:
        r.pos = 0
    r.count += 1
    if not (x - x == 0.0 and y - y == 0.0):
        r.nonfinite += 1
        return
    _rolling_comoment_put(r, x - r.shift_x, y - r.shift_y, 1.0)
    n = rolling_comoment_size(r) - r.nonfinite  # >= 1: this pair is finite
    if _drifted(r.sx + r.cx, r.sxx + r.cxx, r.shift_x, n) or \
            _drifted(r.sy + r.cy, r.syy + r.cyy, r.shift_y, n):
        rolling_comoment_recentre(r)


@cython.cdivision(True)
cdef inline double rolling_comoment_covariance(const RollingCoMoment *r) noexcept nogil:
    """Sample covariance (ddof=1) of the window; NaN below two pairs or with a non-finite one."""
    cdef Py_ssize_t n = rolling_comoment_size(r)
    if n < 2 or r.nonfinite > 0:
        return NAN
    return ((r.sxy + r.cxy) - (r.sx + r.cx) * ((r.sy + r.cy) / n)) / (n - 1)


@cython.cdivision(True)
cdef inline double rolling_comoment_correlation(const RollingCoMoment *r) noexcept nogil:
    """Pearson correlation of the window; NaN below two pairs or when x or y is constant."""
    cdef Py_ssize_t n = rolling_comoment_size(r)
    if n < 2 or r.nonfinite > 0:
        return NAN
    cdef double sx = r.sx + r.cx, sy = r.sy + r.cy
    cdef double mxx = (r.sxx + r.cxx) - sx * (sx / n)
    cdef double myy = (r.syy + r.cyy) - sy * (sy / n)
    cdef double mxy = (r.sxy + r.cxy) - sx * (sy / n)
    if not (mxx > 0.0 and myy > 0.0):
        return NAN
    cdef double c = mxy / (sqrt(mxx) * sqrt(myy))
    if c > 1.0:
        return 1.0
    if c < -1.0:
        return -1.0
    return c


cdef inline double rolling_comoment_mean_x(const RollingCoMoment *r) noexcept nogil:
    return _shifted_mean(r.shift_x, r.sx + r.cx, rolling_comoment_size(r), r.nonfinite)


cdef inline double rolling_comoment_mean_y(const RollingCoMoment *r) noexcept nogil:
    return _shifted_mean(r.shift_y, r.sy + r.cy, rolling_comoment_size(r), r.nonfinite)


# ---------------------------------------------------------------------------------------------
# Python faces (bodies in stats.pyx); cimport these to hold one as a typed attribute

cdef class RunningStats:
    cdef Welford state

cdef class RollingStats:
    cdef RollingWindow win

cdef class Ewma:
    cdef ExpWeighted state

cdef class Covariance:
    cdef CoMoment state

cdef class RollingCovariance:
    cdef RollingCoMoment win
