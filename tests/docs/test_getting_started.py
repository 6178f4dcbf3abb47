"""The Python snippet in docs/getting_started.md runs as written, from the repository root."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_getting_started_python_snippet_runs(monkeypatch, capsys):
    text = (ROOT / "docs" / "getting_started.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    exec(compile(code, "getting_started.md", "exec"), {})
    assert "BacktestRun(records=9500" in capsys.readouterr().out
