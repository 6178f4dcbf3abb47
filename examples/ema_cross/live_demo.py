"""`make live-demo`: the ema_cross strategy live against a sandbox venue on 127.0.0.1.

Starts `hft venue --synthetic` on a free port, waits until it serves, runs
`hft live examples/ema_cross/live.toml` for --duration seconds (default 20) against it, then
stops the venue. The node prints its fills, PnL and latency percentiles on stop. The API key
and secret are demo values passed through the environment, never through the config.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    """Run venue + live node; return the node's exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--rate", type=int, default=2000, help="synthetic quotes per second")
    ap.add_argument("--busy-poll", action="store_true",
                    help="run the node with busy poll (one core at 100 %%, lower tick-to-order "
                         "latency; docs/live.md)")
    args = ap.parse_args(argv)
    port = _free_port()
    env = dict(os.environ, HFT_API_KEY="DEMO", HFT_API_SECRET_DEMO="demo-secret",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    venue = subprocess.Popen(
        [sys.executable, "-u", "-m", "hft.cli", "venue", "--port", str(port), "--synthetic",
         "--rate", str(args.rate), "--instrument", "1", "--price-precision", "5",
         "--size-precision", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = venue.stdout.readline()  # "hft venue: serving ws://..." once it listens
        print(line, end="")
        if "serving" not in line:
            print(venue.stdout.read(), end="")
            return 1
        config = (ROOT / "examples" / "ema_cross" / "live.toml").read_text()
        config = re.sub(r'url = "ws://127\.0\.0\.1:\d+"', f'url = "ws://127.0.0.1:{port}"', config)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "live.toml"
            path.write_text(config)
            node = subprocess.run(
                [sys.executable, "-m", "hft.cli", "live", str(path), "--duration",
                 str(args.duration), *(["--busy-poll"] if args.busy_poll else [])],
                env=env, cwd=ROOT)
        return node.returncode
    finally:
        venue.terminate()
        try:
            out, _ = venue.communicate(timeout=10)
            print(out, end="")
        except subprocess.TimeoutExpired:
            venue.kill()


if __name__ == "__main__":
    raise SystemExit(main())
