"""Run the market_maker backtest from Python: `python examples/market_maker/run.py`.

The same as `hft backtest examples/market_maker/config.toml`, written out: load the config,
run it on a TradingNode (hft.cli.run_backtest_config), print the summary, write the report
and the tearsheet.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main(argv: list[str] | None = None) -> int:
    """Run the example; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(HERE / "config.toml"))
    parser.add_argument("--output", default=str(ROOT / "out" / "market_maker"))
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # the config names examples.market_maker.strategy:MarketMaker

    from hft.backtest.report import write_report
    from hft.cli import run_backtest_config
    from hft.kernel.config import load_config

    config = load_config(args.config)
    result = run_backtest_config(config, progress=True)
    print(result.summary())
    out = Path(args.output)
    print(f"report:    {write_report(result, out / 'report.json', config=config)}")
    if not args.no_plot:
        from hft.backtest.tearsheet import render_tearsheet

        print(f"tearsheet: {render_tearsheet(result, out / 'tearsheet.png', title='market_maker')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
