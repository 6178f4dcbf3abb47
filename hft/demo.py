"""`make demo`: the main job on the bundled sample data.

Runs the core tour (`hft.tour`) and prints the benchmark figures recorded in
docs/BENCHMARKS.md (`make bench` measures them again on this machine).
"""

from __future__ import annotations

from pathlib import Path

from hft import tour

BENCHMARKS = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


def main() -> None:
    """Run the demo."""
    print("== hft core tour ==")
    tour.main()
    if BENCHMARKS.exists():
        print("\n== benchmark figures (docs/BENCHMARKS.md; `make bench` re-measures) ==")
        for line in BENCHMARKS.read_text().splitlines():
            if line.startswith("|"):
                print(line)


if __name__ == "__main__":
    main()
