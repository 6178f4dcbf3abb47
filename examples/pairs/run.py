"""Generate the pair's data (if missing) and backtest it: `python examples/pairs/run.py`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DATA = ROOT / "out" / "pairs" / "data"  # where config.toml reads x.npz and y.npz


def main(argv: list[str] | None = None) -> int:
    """Write the data when absent, run config.toml, print the summary, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "out" / "pairs"))
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))  # the config names examples.pairs.strategy:Pairs

    from examples.pairs.generate import write_pair
    from hft.backtest.report import write_report
    from hft.cli import run_backtest_config
    from hft.kernel.config import load_config

    if not (DATA / "x.npz").exists() or not (DATA / "y.npz").exists():
        write_pair(DATA)
    config = load_config(HERE / "config.toml")
    result = run_backtest_config(config, progress=True)
    print(result.summary())
    out = Path(args.output)
    print(f"report:    {write_report(result, out / 'report.json', config=config)}")
    if not args.no_plot:
        from hft.backtest.tearsheet import render_tearsheet

        print(f"tearsheet: {render_tearsheet(result, out / 'tearsheet.png', title='pairs')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
