"""Run hft from the command line.

    hft backtest examples/ema_cross/config.toml --output out/ema
    hft backtest CONFIG --no-plot --quiet --period hour
    hft venue --port 8765 --synthetic --instrument 1 --price-precision 5 --size-precision 0
    hft live examples/ema_cross/live.toml --duration 20 [--metrics-port 9464]
    hft feed --url ws://127.0.0.1:8765 --board quotes
    hft bench [--json]

`backtest` loads the config, runs it on a TradingNode, prints the summary table and
writes report.json and tearsheet.png into the output folder (--output, else the config's
output_dir, else results/<config name>). `live CONFIG [--duration S] [--report-every S]`
runs the node live until Ctrl-C/SIGTERM (twice: at once) and prints latency percentiles.
`venue` serves the sandbox venue on 127.0.0.1 (docs/sandbox.md), `feed` fills a
shared-memory quote board from a venue (docs/feed.md), `bench` runs perf_tests/ from a
checkout.

Exit codes: 0 success; 1 the config, the data or the run failed (the message names the
file and key or row); 2 bad usage or a command that is not available.
"""

from __future__ import annotations

import argparse
import os
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

    _venue_parser(sub)
    _feed_parser(sub)

    lv = sub.add_parser("live", help="run a strategy live against a venue",
                        description="Run the node live (config mode = 'live') until Ctrl-C, "
                                    "SIGTERM or --duration; print fills, PnL and latency "
                                    "percentiles (p50/p90/p99/p99.9/max) on stop.")
    lv.add_argument("config", metavar="CONFIG", help="node config file (TOML or JSON)")
    lv.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    lv.add_argument("--report-every", type=float, metavar="S",
                    help="print the latency table every S seconds")
    lv.add_argument("--keep-orders", action="store_true",
                    help="do not cancel open orders on stop")
    lv.add_argument("--busy-poll", action="store_true", default=None,
                    help="poll the sockets without sleeping between frames (lower tick-to-order "
                         "latency, one core at 100%%); default: the config's live.busy_poll")
    lv.add_argument("--cpu", type=int, metavar="N",
                    help="pin the node to CPU N; default: the config's live.cpu")
    lv.add_argument("--metrics-port", type=int, metavar="PORT",
                    help="serve Prometheus metrics (latency percentiles, counters) on "
                         "http://127.0.0.1:PORT/metrics")

    bn = sub.add_parser("bench", help="run the benchmarks and print every figure",
                        description="Run perf_tests/ (pytest-benchmark) from a source checkout "
                                    "and print each figure with its baseline and ratio "
                                    "(python -m perf_tests.report).")
    bn.add_argument("--json", action="store_true", help="print one JSON object")
    bn.add_argument("--markdown", action="store_true", help="print a Markdown table")
    bn.add_argument("-k", metavar="EXPR", help="only benchmarks matching a pytest -k expression")

    return p


def _venue_parser(sub: Any) -> None:
    v = sub.add_parser(
        "venue", help="serve the sandbox venue on 127.0.0.1",
        description="Serve the sandbox venue: binary WebSocket on 127.0.0.1 (other hosts only "
                    "with --allow-remote), HMAC-signed requests, fills by the simulated venue's "
                    "matcher. Secrets: HFT_API_SECRET_<KEY> variables or --secrets FILE (mode "
                    "0600). See docs/sandbox.md.")
    v.add_argument("--port", type=int, required=True, help="TCP port (0 = any free port)")
    v.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; a non-loopback address is refused "
                        "unless --allow-remote)")
    v.add_argument("--allow-remote", action="store_true",
                   help="allow binding a non-loopback address (exposes the venue to the network)")
    src = v.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", metavar="FILE", help="replay a quotes file (.npz, .csv, .parquet)")
    src.add_argument("--synthetic", action="store_true", help="publish a seeded random walk")
    v.add_argument("--speed", type=float, default=1.0, help="replay speed factor (default 1)")
    v.add_argument("--seed", type=int, default=7, help="random walk seed (default 7)")
    v.add_argument("--rate", type=float, default=1000.0, metavar="QUOTES_PER_S",
                   help="random walk quotes per second (default 1000)")
    v.add_argument("--instrument", type=int, required=True, metavar="ID",
                   help="numeric instrument id")
    v.add_argument("--price-precision", type=int, required=True, metavar="P")
    v.add_argument("--size-precision", type=int, required=True, metavar="S")
    v.add_argument("--secrets", metavar="FILE", help="KEYID=secret lines, mode 0600")
    v.add_argument("--maker-fee-bps", type=float, default=0.0)
    v.add_argument("--taker-fee-bps", type=float, default=0.0)
    v.add_argument("--max-errors", type=int, default=16,
                   help="bad frames a connection may send before it is closed (default 16)")
    v.add_argument("--busy-poll", action="store_true",
                   help="poll the sockets without sleeping between frames: a client's order "
                        "write does not pay for waking the venue (one core at 100%%)")
    v.add_argument("--window-ms", type=int, default=5000,
                   help="accepted clock skew of signed requests (default 5000)")
    f = v.add_argument_group("fault injection (tests)")
    f.add_argument("--drop-after", type=int, default=0, metavar="N",
                   help="abort a connection right after acting on its N-th frame")
    f.add_argument("--drop-times", type=int, default=1,
                   help="how many connections to drop that way (0 = all)")
    f.add_argument("--drop-unread", action="store_true",
                   help="with --drop-after: drop the link before acting on the N-th frame (the "
                        "venue never sees it: an order or cancel lost with the link)")
    f.add_argument("--mute-after", type=int, default=0, metavar="N",
                   help="act on the N-th frame of a connection but send none of its reports "
                        "(an ack lost on a link that stays up)")
    f.add_argument("--mute-count", type=int, default=1,
                   help="how many frames in a row --mute-after mutes (default 1)")
    f.add_argument("--delay-ms", type=float, default=0.0, help="delay every reply")
    f.add_argument("--reject-fraction", type=float, default=0.0,
                   help="reject this fraction of orders (seeded by --fault-seed)")
    f.add_argument("--duplicate-fraction", type=float, default=0.0,
                   help="send this fraction of execution reports twice")
    f.add_argument("--reorder", action="store_true", help="swap adjacent execution reports")
    f.add_argument("--fault-seed", type=int, default=0)


def _feed_parser(sub: Any) -> None:
    f = sub.add_parser(
        "feed", help="publish a venue's quotes into a shared-memory quote board",
        description="Hold the venue connection, decode its quotes and publish them into the "
                    "conflating quote board NAME that a node with feed = \"shm\" reads. The "
                    "key id comes from --key or HFT_API_KEY, its secret from "
                    "HFT_API_SECRET_<KEY> or --secrets FILE (0600). See docs/feed.md.")
    f.add_argument("--url", required=True, help="venue URL, e.g. ws://127.0.0.1:8765")
    f.add_argument("--board", required=True, metavar="NAME", help="shared-memory board name")
    f.add_argument("--symbols", type=int, nargs="*", default=[], metavar="ID",
                   help="numeric instrument ids to publish (default: all)")
    f.add_argument("--slots", type=int, default=64, help="symbols the board holds (default 64)")
    f.add_argument("--key", help="API key id (default: $HFT_API_KEY)")
    f.add_argument("--secrets", metavar="FILE", help="KEYID=secret lines, mode 0600")
    f.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")


def _feed(args: argparse.Namespace) -> int:
    from hft.live.feed import run_feed, secret_for

    key = args.key or os.environ.get("HFT_API_KEY")
    if not key:
        print("hft feed: no API key: give --key or set HFT_API_KEY", file=sys.stderr)
        return EXIT_USAGE
    try:
        secret = secret_for(key, args.secrets)
        return run_feed(args.url, key, args.board, args.symbols, secret=secret,
                        n_slots=args.slots, duration_s=args.duration)
    except (ValueError, OSError) as e:
        print(f"hft feed: {e}", file=sys.stderr)
        return EXIT_FAILED


def _venue(args: argparse.Namespace) -> int:
    from hft.adapters.sandbox.server import run_cli

    return run_cli(args)


def _output_dir(args: argparse.Namespace, config: Any) -> Path:
    if args.output:
        return Path(args.output)
    if getattr(config, "output_dir", None):
        return Path(config.output_dir)
    return Path("results") / Path(args.config).stem


def _make_importable(config_path: str) -> None:
    """Let a config name strategies by module path from the current folder or its own folder.

    `python -m` puts the current folder first on sys.path; the installed `hft` script does not,
    so strategies like "examples.ema_cross.strategy:EmaCross" would not import from a checkout.
    """
    for folder in (str(Path(config_path).resolve().parent), os.getcwd()):
        if folder not in sys.path:
            sys.path.insert(0, folder)


def _backtest(args: argparse.Namespace) -> int:
    from hft.kernel.config import ConfigError, load_config

    _make_importable(args.config)

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

            cfg_path = Path(args.config)
            # examples/ema_cross/config.toml reads better as "ema_cross" than as "config"
            title = cfg_path.parent.name if cfg_path.stem == "config" else cfg_path.stem
            sheet = render_tearsheet(result, out / "tearsheet.png", title=title or cfg_path.stem)
            say(f"tearsheet: {sheet}")
        except ImportError as e:
            print(f"hft backtest: tearsheet skipped: {e}", file=sys.stderr)
    return EXIT_OK


def _live(args: argparse.Namespace) -> int:
    from hft.kernel.config import ConfigError, load_config

    _make_importable(args.config)

    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"hft live: config error: {e}", file=sys.stderr)
        return EXIT_FAILED
    if config.mode != "live":
        print(f"hft live: config error: {args.config}: mode: expected 'live', "
              f"got {config.mode!r}", file=sys.stderr)
        return EXIT_FAILED
    try:
        from hft.kernel.logging import configure_logging
        from hft.kernel.node import TradingNode
        from hft.live.runner import run_live

        node = TradingNode(config)
        lc = config.logging
        configure_logging(lc.level, lc.format, file=lc.file, clock=node.clock)
        metrics = None
        if args.metrics_port is not None:
            from hft.telemetry import Telemetry
            from hft.telemetry.prometheus import start_metrics_server

            if getattr(node, "telemetry", None) is None:
                node.telemetry = Telemetry()
            metrics = start_metrics_server(node.telemetry, args.metrics_port)
            print(f"hft live: metrics on {metrics.url}")
        try:
            run_live(node, duration_s=args.duration, report_every_s=args.report_every,
                     cancel_on_stop=not args.keep_orders, busy_poll=args.busy_poll, cpu=args.cpu)
        finally:
            if metrics is not None:
                metrics.close()
    except ImportError as e:
        print(f"hft live: the live runtime is not available: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, OSError, RuntimeError) as e:
        print(f"hft live: {e}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        from perf_tests import report
    except ImportError:
        print("hft bench: the benchmarks ship with the source tree (perf_tests/): run it from a "
              "checkout of hft, or `make bench` there", file=sys.stderr)
        return EXIT_USAGE
    argv = (["--json"] if args.json else []) + (["--markdown"] if args.markdown else [])
    if args.k:
        argv += ["-k", args.k]
    return report.main(argv)


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
    if args.command == "live":
        return _live(args)
    if args.command == "venue":
        return _venue(args)
    if args.command == "feed":
        return _feed(args)
    if args.command == "bench":
        return _bench(args)
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse allows no other


if __name__ == "__main__":
    sys.exit(main())
