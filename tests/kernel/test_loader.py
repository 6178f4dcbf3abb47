import io
import json
import logging
import os.path

import pytest

from hft.kernel import logging as hlog
from hft.kernel.loader import ResolveError, resolve_path, split_path


def test_resolve_path_returns_the_attribute():
    assert resolve_path("os.path:join") is os.path.join
    assert resolve_path("os:path.join") is os.path.join  # dotted attribute


@pytest.mark.parametrize("path, message", [
    ("os.path.join", "import path 'os.path.join' is malformed, expected 'package.module:Name'"),
    ("os:path:join", "is malformed"),
    (":join", "is malformed"),
    ("os:", "is malformed"),
    ("no_such_pkg.sub:X", "import path 'no_such_pkg.sub:X': module 'no_such_pkg.sub' not found"),
    ("os:nothing_here", "import path 'os:nothing_here': module 'os' has no attribute 'nothing_here'"),
    ("os:path.nothing", "import path 'os:path.nothing': 'os:path' has no attribute 'nothing'"),
])
def test_resolve_path_errors_name_what_is_missing(path, message):
    with pytest.raises(ResolveError) as info:
        resolve_path(path)
    assert message in str(info.value)


def test_module_whose_own_import_fails_is_named_with_the_cause(tmp_path, monkeypatch):
    (tmp_path / "kload_broken.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ResolveError, match="importing module 'kload_broken' failed: "
                                           "No module named 'no_such_dependency_xyz'"):
        resolve_path("kload_broken:X")


def test_resolve_error_is_a_value_error_and_split_path_splits():
    assert issubclass(ResolveError, ValueError)
    assert split_path("a.b:C.D") == ("a.b", "C.D")
    with pytest.raises(ResolveError, match="must be a str"):
        split_path(3)


# ---- hft.kernel.logging -----------------------------------------------------------------

class FakeClock:
    def __init__(self, ns):
        self.ns = ns

    def timestamp_ns(self):
        return self.ns


@pytest.fixture
def hft_stream():
    stream, root = io.StringIO(), logging.getLogger("hft")
    level = root.level
    handler = hlog.configure_logging("INFO", "text", stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    hlog.set_clock(None)


def test_text_line_has_clock_time_level_component_and_ids(hft_stream):
    log = hlog.get_logger("RiskEngine", clock=FakeClock(1_767_225_600_000_000_001))
    log.info("order denied", client_order_id="O-1", reason="MAX_QTY")
    assert hft_stream.getvalue() == (
        "2026-01-01T00:00:00.000000001Z INFO  RiskEngine: order denied "
        "client_order_id=O-1 reason=MAX_QTY\n")


def test_json_lines_switch(hft_stream):
    stream = io.StringIO()
    handler = hlog.configure_logging("INFO", "json", stream=stream, clock=FakeClock(0))
    try:
        hlog.get_logger("Exec").warning("fill", qty=1.5, order="O-2")
    finally:
        logging.getLogger("hft").removeHandler(handler)
    row = json.loads(stream.getvalue())
    assert row == {"ts": "1970-01-01T00:00:00.000000000Z", "level": "WARN", "component": "Exec",
                   "msg": "fill", "qty": 1.5, "order": "O-2"}


def test_disabled_level_does_not_format_ids(hft_stream):
    class Loud:
        def __str__(self):
            raise AssertionError("formatted while disabled")
    hlog.get_logger("X").debug("quiet", obj=Loud())
    assert hft_stream.getvalue() == ""


def test_exception_logs_the_traceback(hft_stream):
    try:
        raise KeyError("k")
    except KeyError:
        hlog.get_logger("Bus").exception("handler failed", topic="t")
    text = hft_stream.getvalue()
    assert "ERROR Bus: handler failed topic=t" in text and "KeyError: 'k'" in text


def test_configure_logging_rejects_unknown_level_and_format():
    with pytest.raises(ValueError, match="level 'LOUD' unknown"):
        hlog.configure_logging("LOUD")
    with pytest.raises(ValueError, match="format 'xml' unknown"):
        hlog.configure_logging("INFO", "xml")
