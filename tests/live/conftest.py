import sys
from pathlib import Path

# pytest runs with --import-mode=importlib (no sys.path entry per test dir); the sandbox
# tests share live_harness.py.
_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
