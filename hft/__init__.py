"""hft: a high-frequency trading framework with a Cython nogil core.

Write a strategy class in Python, backtest it on tick data, run the same class live by
changing only the config.
"""

__version__ = "0.1.0"
