"""Run every benchmark in perf_tests/ and print one line per figure.

    python -m perf_tests.report            # table: figure, baseline, ratio, target
    python -m perf_tests.report --json     # {name: {value, unit, baseline, ratio}}
    python -m perf_tests.report -k ring    # only benchmarks matching a pytest -k expression

Each figure is measured with its baseline in the same run (the machine is noisy, so only
ratios compare across runs). A benchmark that misses its target fails under pytest and is
marked MISS here; the report still prints every figure it got.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def run(k: str | None = None, quiet: bool = True) -> tuple[dict[str, dict], int]:
    """Run the perf tests; return ({name: figure}, pytest exit code)."""
    with tempfile.TemporaryDirectory() as tmp:
        figures_file = Path(tmp) / "figures.jsonl"
        env = dict(os.environ, HFT_FIGURES_FILE=str(figures_file))
        cmd = [sys.executable, "-m", "pytest", str(HERE), "-p", "no:cacheprovider",
               "-q", "--benchmark-disable-gc", "--benchmark-columns=min,mean,rounds"]
        if k:
            cmd += ["-k", k]
        out = subprocess.run(cmd, env=env, cwd=HERE.parent,
                             stdout=subprocess.PIPE if quiet else None,
                             stderr=subprocess.STDOUT if quiet else None, text=True)
        if quiet and out.returncode not in (0, 1, 5):
            sys.stderr.write(out.stdout or "")
        rows: dict[str, dict] = {}
        if figures_file.exists():
            for line in figures_file.read_text().splitlines():
                row = json.loads(line)
                rows[row.pop("name")] = row
        if quiet and out.returncode == 1:
            failed = [ln for ln in (out.stdout or "").splitlines() if ln.startswith("FAILED")]
            for ln in failed:
                sys.stderr.write(ln + "\n")
        return rows, out.returncode


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.2f}M"
    if abs(x) >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.3g}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table (docs/BENCHMARKS.md)")
    ap.add_argument("-k", help="pytest -k expression selecting benchmarks")
    args = ap.parse_args(argv)
    rows, code = run(args.k, quiet=True)
    if args.json:
        print(json.dumps({n: {key: r[key] for key in ("value", "unit", "baseline", "ratio")}
                          for n, r in sorted(rows.items())}, indent=2))
    elif args.markdown:
        print("| figure | value | unit | baseline | ratio | target |")
        print("|---|---:|---|---:|---:|---|")
        for name, r in sorted(rows.items()):
            print(f"| `{name}` | {_fmt(r['value'])} | {r['unit']} | {_fmt(r['baseline'])} | "
                  f"{_fmt(r['ratio'])} | {r.get('target') or ''} |")
    else:
        print(f"{'figure':34} {'value':>10} {'unit':10} {'baseline':>10} {'ratio':>8}  target")
        for name, r in sorted(rows.items()):
            print(f"{name:34} {_fmt(r['value']):>10} {r['unit']:10} {_fmt(r['baseline']):>10} "
                  f"{_fmt(r['ratio']):>8}  {r.get('target') or ''}")
        if code == 1:
            print("\nsome benchmarks missed their targets (see FAILED lines above)")
    return 0 if code in (0, 5) else code


if __name__ == "__main__":
    raise SystemExit(main())
