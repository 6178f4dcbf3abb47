import os

from hypothesis import HealthCheck, settings

# Deterministic by default (CI and local runs see the same examples); HFT_HYPOTHESIS=dev
# explores new random examples.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HFT_HYPOTHESIS", "ci"))


# ---- a backtest config over the bundled EUR/USD sample ------------------------------------------

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

SAMPLE = (Path(__file__).resolve().parents[1] / "examples" / "data"
          / "eurusd-histdata-ticks-20200101.csv")

_SAMPLE_CONFIG = """
[[instruments]]
id = "EURUSD.SIM"
kind = "fx"
price_precision = 5
size_precision = 0
quote_currency = "USD"

[[venues]]
name = "SIM"
starting_balances = ["{balance}"]

[[data]]
path = "{data}"
kind = "quotes"
instrument_id = "EURUSD.SIM"
{data_extra}
[[strategies]]
path = "{path}"
config = {{instrument_id = "EURUSD.SIM"{config}}}
"""


def _sample_config(path: str, config: str = "", *, data: Path = SAMPLE,
                   balance: str = "100000 USD", data_extra: str = "") -> str:
    return _SAMPLE_CONFIG.format(path=path, config=config, data=data, balance=balance,
                                 data_extra=data_extra)


@pytest.fixture
def sample_csv() -> Path:
    """Return the bundled EUR/USD tick sample's path."""
    return SAMPLE


@pytest.fixture
def sample_config():
    """Return config(path, config="", *, data=SAMPLE, balance=..., data_extra="") -> TOML text.

    A backtest of EURUSD.SIM on one venue SIM over `data` (the bundled sample) with the
    strategy at import path `path`; its config gets `instrument_id` and then `config` (text
    such as ", every = 200"); `data_extra` adds lines to the [[data]] table.
    """
    return _sample_config
