"""Technical indicators on the Cython core: moving averages, bands, oscillators, VWAP.

Every indicator has a C-level ``noexcept nogil`` update (inline, in its ``.pxd``) and a thin
Python face: ``update(...)`` returns the new value, ``update_batch(...)`` loops over numpy
arrays without the GIL, and ``value``, ``count``, ``initialized`` and ``reset()`` behave alike.
Formulas, warm-up and NaN policy: docs/indicators.md.
"""

from hft.indicators.bands import Bollinger, ZScore
from hft.indicators.moving import EMA, SMA, Crossover
from hft.indicators.oscillators import ATR, RSI
from hft.indicators.volume import VWAP

__all__ = ["ATR", "EMA", "RSI", "SMA", "VWAP", "Bollinger", "Crossover", "ZScore"]
