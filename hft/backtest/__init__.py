"""Backtests on the trading node: data loaders, streams, the run loop, results and reports."""
