"""Run hft from the command line: `hft backtest CONFIG`, `hft --version`.

    hft backtest examples/ema_cross/config.toml --output out/ema
    hft backtest CONFIG --no-plot --quiet --period hour

`backtest` loads the config, runs it on a TradingNode, prints the summary table and
writes report.json and tearsheet.png into the output folder (--output, else the config's
output_dir, else results/<config name>). `live`, `venue` and `bench` are not built yet:
they say so and exit with 2.

Exit codes: 0 success; 1 the config, the data or the run failed (the message names the
file and key or row); 2 bad usage or a command that is not available.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import hft

__all__ = ["main", "run_backtest_config"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

EQUITY_EVERY = 1_000  # records between equity samples: 10 M quotes give 10 k samples

PERIODS = {"day": 86_400 * 10**9, "hour": 3_600 * 10**9, "minute": 60 * 10**9}

_NOT_YET = {
    "live": "run a strategy live against a venue",
    "venue": "serve the sandbox venue on 127.0.0.1",
    "bench": "run the benchmark suites",
}


def run_backtest_config(config: Any, *, progress: bool = True,
                        equity_every: int = EQUITY_EVERY,
                        period_ns: int = PERIODS["day"]) -> Any:
    """Run a NodeConfig as a backtest on a TradingNode; return its BacktestResult.

    The equity curve is sampled every `equity_every` records and at the end; Sharpe and
    Sortino use returns over `period_ns` (see hft.backtest.statistics).

    Raises whatever the node raises (ConfigError, DataError, ...); ImportError when the
    backtest engine is not installed.
    """
    from hft.backtest.results import BacktestResult
    from hft.backtest.runner import build_sources, run_backtest
    from hft.kernel.node import TradingNode

    started = time.perf_counter()
    node = TradingNode(config)
    # start first: the node builds its venues in start() (numbering the instruments), and
    # the runner looks them up before it would start the node itself
    node.start()
    try:
        # our own sources, so their data-quality reports reach the result
        sources = build_sources(config, {str(i.id): i for i in node.cache.instruments()})
        built = time.perf_counter()
        # the runner itself rather than node.run(), to pass the progress choice through
        # (None: a bar once the run passes a few seconds; False: never)
        run = run_backtest(node, sources=sources, progress=None if progress else False,
                           equity_every=equity_every)
    finally:
        node.stop()
    done = time.perf_counter()
    result = BacktestResult.from_node(node, run, config=config, period_ns=period_ns,
                                      data_reports=[s.report() for s in sources])
    result.timings.setdefault("build", built - started)
    result.timings.setdefault("run", done - built)
    result.timings["total"] = time.perf_counter() - started
    return result


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hft", description="hft: backtest and trade with one node.")
    p.add_argument("--version", action="version", version=f"hft {hft.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    bt = sub.add_parser("backtest", help="run a backtest from a config file",
                        description="Run a backtest; print its summary, write report.json and "
                                    "tearsheet.png into the output folder.")
    bt.add_argument("config", metavar="CONFIG", help="node config file (TOML or JSON)")
    bt.add_argument("--output", "-o", metavar="DIR",
                    help="output folder (default: the config's output_dir, else results/<config name>)")
    bt.add_argument("--no-plot", action="store_true", help="do not render tearsheet.png")
    bt.add_argument("--period", choices=sorted(PERIODS), default="day",
                    help="return period for Sharpe and Sortino (default: day, 365 a year)")
    bt.add_argument("--quiet", "-q", action="store_true",
                    help="print nothing but errors (no progress bar, no summary)")

    for name, text in _NOT_YET.items():
        sub.add_parser(name, help=f"{text} (not available yet)", add_help=True)
    return p


def _output_dir(args: argparse.Namespace, config: Any) -> Path:
    if args.output:
        return Path(args.output)
    if getattr(config, "output_dir", None):
        return Path(config.output_dir)
    return Path("results") / Path(args.config).stem


def _backtest(args: argparse.Namespace) -> int:
    from hft.kernel.config import ConfigError, load_config

    def say(text: str) -> None:
        if not args.quiet:
            print(text)

    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"hft backtest: config error: {e}", file=sys.stderr)
        return EXIT_FAILED
    if config.mode != "backtest":
        print(f"hft backtest: config error: {args.config}: mode: expected 'backtest', "
              f"got {config.mode!r}", file=sys.stderr)
        return EXIT_FAILED
    try:
        result = run_backtest_config(config, progress=not args.quiet,
                                     period_ns=PERIODS[args.period])
    except ImportError as e:
        print(f"hft backtest: the backtest engine is not available: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, FileNotFoundError, NotImplementedError, RuntimeError) as e:
        # ConfigError and DataError are ValueErrors whose message names the file and the
        # key or row; the others name what is missing or not supported
        print(f"hft backtest: {e}", file=sys.stderr)
        return EXIT_FAILED

    from hft.backtest.report import write_report

    out = _output_dir(args, config)
    say(result.summary())
    records, run_s = result.counts.get("records"), result.timings.get("run")
    if records is not None and run_s:
        say(f"records:   {records:,} in {run_s:.3f} s ({records / run_s:,.0f} per s)")
    report = write_report(result, out / "report.json", config=config)
    say(f"report:    {report}")
    if not args.no_plot:
        try:
            from hft.backtest.tearsheet import render_tearsheet

            sheet = render_tearsheet(result, out / "tearsheet.png", title=Path(args.config).stem)
            say(f"tearsheet: {sheet}")
        except ImportError as e:
            print(f"hft backtest: tearsheet skipped: {e}", file=sys.stderr)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Parse argv (default sys.argv[1:]), run the command and return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, usage errors: argparse's own exit code
        return int(e.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command == "backtest":
        return _backtest(args)
    print(f"hft {args.command}: not available yet: see issue 6", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
