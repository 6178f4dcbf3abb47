# cython: boundscheck=False, wraparound=False
"""Baselines for perf_tests/bench_stats.py: the textbook loops, plain doubles, same build."""


def welford_batch(const double[::1] values) -> tuple[int, float, float]:
    """Run a plain C Welford loop over values; return (n, mean, m2)."""
    cdef Py_ssize_t i, n = values.shape[0]
    cdef double count = 0.0, mean = 0.0, m2 = 0.0, x, delta
    with nogil:
        for i in range(n):
            x = values[i]
            count += 1.0
            delta = x - mean
            mean += delta / count
            m2 += delta * (x - mean)
    return int(count), mean, m2

