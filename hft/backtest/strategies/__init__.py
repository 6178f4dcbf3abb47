"""Compiled example strategies (setup.py builds only .pyx files under hft/).

`ema_cross_cy.EmaCrossCy`: the examples/ema_cross strategy as a cdef class.
"""
