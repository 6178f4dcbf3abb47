"""`make demo`: a real backtest on the shipped sample, then a short tour of the core.

1. Runs examples/ema_cross/config.toml (EMA(50)/EMA(200) cross with market orders on 9,500
   real EUR/USD quotes, examples/data/eurusd-histdata-ticks-20200101.csv) exactly as
   `hft backtest examples/ema_cross/config.toml -o out/demo` does: the TradingNode, the
   simulated venue and the run loop; prints the summary and writes out/demo/report.json
   and out/demo/tearsheet.png.
2. Runs the core tour (`hft.tour`): rings, encoding, stats, risk, pool, book.

Exit code: the backtest's (0 on success); the tour runs only after a successful backtest.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "examples" / "ema_cross" / "config.toml"
OUTPUT = ROOT / "out" / "demo"


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    """Run the ema_cross backtest into out/demo, then the core tour; return the exit code."""
    from hft import cli, tour

    # the config names its strategy as examples.ema_cross.strategy:EmaCross, importable from
    # the repository root whichever folder `make demo` was started in
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    print(f"== backtest: hft backtest {_shown(CONFIG)} -o {_shown(OUTPUT)} ==")
    code = cli.main(["backtest", str(CONFIG), "--output", str(OUTPUT), "--period", "hour",
                     *(argv or [])])
    if code != cli.EXIT_OK:
        return code
    print("\n== hft core tour ==")
    tour.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
