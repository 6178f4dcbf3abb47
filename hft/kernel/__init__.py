"""The trading-node kernel: clocks and timers, message bus, config, loading, logging.

Later: cache, data/risk/execution engines, portfolio and TradingNode. Import the parts
from their modules (`from hft.kernel.clock import TestClock`); this package imports
nothing eagerly, so reading a config does not need the compiled extensions.
"""
