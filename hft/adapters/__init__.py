"""Venue adapters: the simulated venue for backtests (`hft.adapters.sim`) and live clients."""
