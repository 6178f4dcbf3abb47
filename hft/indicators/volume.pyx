"""Compute the volume-weighted average price of a session.

A thin Python face over the struct and inline ``noexcept nogil`` functions of ``volume.pxd``;
``update_batch`` loops without the GIL. Formula, warm-up and NaN policy: docs/indicators.md.
"""

cimport cython

import numpy as np

# binding(False): `update` is a builtin method, the cheapest call from Python (see moving.pyx).

from hft.indicators._checks import check_same_length


@cython.final
@cython.binding(False)
cdef class VWAP:
    """Average prices weighted by volume since construction or the last `reset` (a session).

    value = sum(price * volume) / sum(volume), NaN until some volume > 0 arrived; `reset` starts
    the next session. Pairs with a NaN or inf are skipped.

    Raises:
        ValueError: update or update_batch with a negative volume.
    """

    def __cinit__(self):
        vwap_init(&self.state)

    cpdef double update(self, double price, double volume) except? -1.0:
        """Add one trade (or bar); return the VWAP (NaN while the volume is 0).

        Raises:
            ValueError: volume < 0 (the pair is not added).
        """
        # except? -1.0: a C caller compares once; nogil callers use vwap_update on the struct
        if volume < 0.0:
            raise ValueError(f"volume must be >= 0, got {volume!r}")
        return vwap_update(&self.state, price, volume)

    @cython.boundscheck(False)
    @cython.wraparound(False)
    def update_batch(self, const double[::1] price, const double[::1] volume) -> np.ndarray:
        """Add pairs (price[i], volume[i]) without holding the GIL; return the VWAP after each.

        Raises:
            ValueError: price and volume differ in length, or some volume[i] < 0 (nothing is
                added then).
        """
        cdef Py_ssize_t i, n = price.shape[0], bad = -1
        check_same_length("price", n, "volume", volume.shape[0])
        with nogil:
            for i in range(n):
                if volume[i] < 0.0:
                    bad = i
                    break
        if bad >= 0:
            raise ValueError(f"volume must be >= 0, got volume[{bad}]={volume[bad]!r}")
        out = np.empty(n, dtype=np.float64)
        cdef double[::1] res = out
        cdef VwapState v = self.state  # a local copy stays in registers (see moving.pyx EMA)
        with nogil:
            for i in range(n):
                res[i] = vwap_update(&v, price[i], volume[i])
        self.state = v
        return out

    def reset(self) -> None:
        """Start a new session: forget every pair."""
        vwap_init(&self.state)

    @property
    def value(self) -> float:
        """The VWAP of the session; NaN while its volume is 0."""
        return vwap_value(&self.state)

    @property
    def volume(self) -> float:
        """Total volume of the session."""
        return self.state.sv + self.state.cv

    @property
    def count(self) -> int:
        """Number of pairs added in the session (NaN/inf pairs are not counted)."""
        return self.state.count

    @property
    def initialized(self) -> bool:
        """Whether the session has volume > 0 (so `value` is defined)."""
        return self.state.sv + self.state.cv > 0.0

    def __repr__(self) -> str:
        return f"VWAP(count={self.count}, volume={self.volume!r}, value={self.value!r})"
