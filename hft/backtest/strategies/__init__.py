"""Compiled example strategies (setup.py builds only .pyx files under hft/).

`ema_cross_cy.EmaCrossCy`: the examples/ema_cross strategy as a cdef class.
`every_nth.EveryNth`: a latency probe, one market order every n-th quote (live benchmarks).
"""
