"""Dependencies point downward only: adapters, backtest, live -> kernel -> model, indicators -> core."""

import ast
from pathlib import Path

import pytest

HFT = Path(__file__).resolve().parent.parent / "hft"

# Lower rank = lower layer. A module may import hft modules of its own rank or below.
RANKS = {
    "core": 0,
    "model": 1,
    "indicators": 1,
    "telemetry": 1,
    "kernel": 2,
    "adapters": 3,
    "backtest": 3,
    "live": 3,
}
TOP = 4  # hft/__init__.py, cli.py, demo.py: the public face may import anything


def _rank(module: str) -> int:
    parts = module.split(".")
    if parts[0] != "hft":
        raise ValueError(module)
    if len(parts) == 1:
        return TOP
    return RANKS.get(parts[1], TOP)


def _module_of(path: Path) -> str:
    rel = path.relative_to(HFT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Return (line, absolute module) for every hft import, including cimports."""
    text = path.read_text()
    found = []
    if path.suffix == ".py":
        tree = ast.parse(text)
        pkg = _module_of(path) if path.name == "__init__.py" else _module_of(path).rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "hft"]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                if mod.split(".")[0] == "hft":
                    found.append((node.lineno, mod))
    else:  # .pyx / .pxd: Cython is not Python syntax, so read import lines directly
        for i, line in enumerate(text.splitlines(), 1):
            words = line.split()
            if len(words) >= 2 and words[0] in ("from", "cimport", "import") and words[1].startswith("hft"):
                found.append((i, words[1].rstrip(",")))
    return found


SOURCES = sorted(p for ext in ("*.py", "*.pyx", "*.pxd") for p in HFT.rglob(ext))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(HFT.parent)))
def test_imports_point_downward(path):
    own = _rank(_module_of(path))
    upward = [(line, mod) for line, mod in _imports(path) if _rank(mod) > own]
    assert not upward, f"{path.relative_to(HFT.parent)} imports upward: {upward}"


def test_layering_check_catches_an_upward_import(tmp_path, monkeypatch):
    fake = HFT / "core" / "_layering_probe.py"
    assert _rank("hft.kernel.cache") > _rank(_module_of(fake))
