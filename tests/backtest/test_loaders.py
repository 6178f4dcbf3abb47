import gzip
from pathlib import Path

import numpy as np
import pytest

from hft.backtest.loaders import PRESETS, CsvLayout, CsvSource, DataError, NpzSource, ParquetSource, detect_layout
from hft.backtest.synthetic import quote_chunks, write_npz
from hft.core.encoding import QUOTE_DTYPE, RECORD_QUOTE, RECORD_TRADE, TRADE_DTYPE, validate_batch

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
EURUSD = DATA / "eurusd-histdata-ticks-20200101.csv"
USDJPY = DATA / "usdjpy-truefx-ticks.csv"
BTC_TRADES = DATA / "btcusdt-binance-trades.csv"


def _load(src):
    return np.concatenate(list(src))


def test_histdata_file_loads_with_est_converted_to_utc():
    src = CsvSource(EURUSD, instrument_id=4, price_precision=5, size_precision=0,
                    layout="histdata", default_size="1000000", chunk_rows=1000)
    q = _load(src)
    assert len(q) == 9500 and src.report()["skipped"] == {}
    # 20200101 170000065 EST = 2020-01-01 22:00:00.065 UTC
    assert q["ts_event"][0] == np.datetime64("2020-01-01T22:00:00.065", "ns").astype(np.int64)
    assert (q["bid_price"][0], q["ask_price"][0]) == (112120, 112172)
    assert (q["instrument_id"] == 4).all() and (q["bid_size"] == 1_000_000).all()
    assert validate_batch(q, RECORD_QUOTE) == (-1, 0)


def test_auto_layout_reads_truefx_header_and_keeps_duplicate_timestamps():
    q = _load(CsvSource(USDJPY, instrument_id=1, price_precision=3, size_precision=0))
    assert len(q) == 1000
    assert (np.diff(q["ts_event"]) >= 0).all()
    assert (np.diff(q["ts_event"]) == 0).sum() == 7  # the file's 7 duplicated timestamps
    assert q["sequence"][0] == 2  # line number of the first data row


def test_binance_trades_map_buyer_maker_to_aggressor_side():
    t = _load(CsvSource(BTC_TRADES, instrument_id=2, price_precision=2, size_precision=6,
                        kind="trades"))
    assert t.dtype == TRADE_DTYPE and len(t) == 2001
    assert (t["aggressor_side"] == 2).sum() == 914  # buyer_maker True: the aggressor sold
    assert (t["aggressor_side"] == 1).sum() == 1087
    assert t["trade_id"][0] == 553287559 and t["price"][0] == 3943248 and t["size"][0] == 263
    assert validate_batch(t, RECORD_TRADE) == (-1, 0)


def _write(tmp_path, text, name="q.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


BAD_ROWS = [
    ("2020-01-01T00:00:02,1.1,nan", "bad ask price"),
    ("2020-01-01T00:00:02,1.1,abc", "bad ask price"),
    ("2020-01-01T00:00:02,1.123456,1.2", "bad bid price"),  # more decimals than precision 5
    ("2020-01-01T00:00:02,-1.1,1.2", "non-positive bid price"),
    ("2020-01-01T00:00:02,1.3,1.2", "crossed quote"),
    ("not-a-time,1.1,1.2", "bad timestamp"),
    ("2019-12-31T00:00:00,1.1,1.2", "timestamp before the previous row"),
    ("2020-01-01T00:00:02,1.1", "too few columns"),
]


@pytest.mark.parametrize("row,reason", BAD_ROWS, ids=[r for _, r in BAD_ROWS])
def test_bad_row_raises_naming_file_line_and_reason(tmp_path, row, reason):
    p = _write(tmp_path, "timestamp,bid,ask\n2020-01-01T00:00:01,1.1,1.2\n" + row + "\n"
               "2020-01-01T00:00:03,1.1,1.2\n")
    with pytest.raises(DataError) as e:
        _load(CsvSource(p, instrument_id=1, price_precision=5, size_precision=0))
    assert str(p) in str(e.value) and "line 3" in str(e.value) and reason in str(e.value)


@pytest.mark.parametrize("row,reason", BAD_ROWS, ids=[r for _, r in BAD_ROWS])
def test_skip_policy_drops_and_counts_the_bad_row(tmp_path, row, reason):
    p = _write(tmp_path, "timestamp,bid,ask\n2020-01-01T00:00:01,1.1,1.2\n" + row + "\n"
               "2020-01-01T00:00:03,1.1,1.2\n")
    src = CsvSource(p, instrument_id=1, price_precision=5, size_precision=0, on_error="skip")
    q = _load(src)
    assert len(q) == 2
    assert list(q["sequence"]) == [2, 4]
    (got_reason, count), = src.skipped.items()
    assert reason in got_reason and count == 1


def test_unsorted_check_carries_across_chunks(tmp_path):
    p = _write(tmp_path, "timestamp,bid,ask\n" + "".join(
        f"2020-01-01T00:00:0{s},1.1,1.2\n" for s in (1, 2, 3, 2, 4)))
    src = CsvSource(p, instrument_id=1, price_precision=5, size_precision=0, chunk_rows=3,
                    on_error="skip")
    assert list(_load(src)["sequence"]) == [2, 3, 4, 6]
    with pytest.raises(DataError, match="line 5: timestamp before"):
        _load(CsvSource(p, instrument_id=1, price_precision=5, size_precision=0, chunk_rows=3))


def test_gzip_csv_reads_like_the_plain_file(tmp_path):
    gz = tmp_path / "usdjpy.csv.gz"
    gz.write_bytes(gzip.compress(USDJPY.read_bytes()))
    a = _load(CsvSource(USDJPY, instrument_id=1, price_precision=3, size_precision=0))
    b = _load(CsvSource(gz, instrument_id=1, price_precision=3, size_precision=0))
    assert np.array_equal(a, b)


def test_layout_errors_name_the_file(tmp_path):
    p = _write(tmp_path, "when,x,y\n1,2,3\n")
    with pytest.raises(DataError, match=r"q.csv: cannot tell which column is"):
        detect_layout(p, "quotes")
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        CsvSource(tmp_path / "nope.csv", instrument_id=1, price_precision=2, size_precision=0)
    with pytest.raises(ValueError, match="layout 'bogus' unknown"):
        CsvSource(p, instrument_id=1, price_precision=2, size_precision=0, layout="bogus")


def test_explicit_layout_with_sizes(tmp_path):
    p = _write(tmp_path, "t;b;a;bs;as\n1577836800000;1.5;1.6;10.5;11\n")
    layout = CsvLayout(kind="quotes", delimiter=";", timestamp_format="epoch_ms",
                       columns={"ts_event": "t", "bid": "b", "ask": "a", "bid_size": "bs", "ask_size": "as"})
    q = _load(CsvSource(p, instrument_id=1, price_precision=1, size_precision=1, layout=layout))
    assert (q["ts_event"][0], q["bid_price"][0], q["bid_size"][0], q["ask_size"][0]) == (
        1577836800000 * 10**6, 15, 105, 110)


def test_npz_streams_in_chunks_and_round_trips(tmp_path):
    path = tmp_path / "q.npz"
    n = write_npz(path, quote_chunks(10_000, seed=3, chunk_rows=3000))
    assert n == 10_000
    whole = np.concatenate(list(quote_chunks(10_000, seed=3, chunk_rows=3000)))
    chunks = list(NpzSource(path, chunk_rows=4096))
    assert [len(c) for c in chunks] == [4096, 4096, 1808]
    assert np.array_equal(np.concatenate(chunks), whole)
    assert validate_batch(whole, RECORD_QUOTE) == (-1, 0)
    # np.load reads the same file: it is a plain .npz
    assert np.array_equal(np.load(path)["quotes"], whole)


def test_npz_rejects_unsorted_and_foreign_arrays(tmp_path):
    q = np.concatenate(list(quote_chunks(10, seed=1)))
    q["ts_event"][5] = 0
    np.savez(tmp_path / "bad.npz", quotes=q)
    with pytest.raises(DataError, match="record 5: timestamp before"):
        list(NpzSource(tmp_path / "bad.npz"))
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(DataError, match="not QUOTE_DTYPE"):
        list(NpzSource(tmp_path / "other.npz"))


def test_synthetic_quotes_are_deterministic_and_valid():
    a = np.concatenate(list(quote_chunks(5000, seed=9, chunk_rows=1000)))
    b = np.concatenate(list(quote_chunks(5000, seed=9, chunk_rows=5000)))
    assert np.array_equal(a, b)
    assert (a["bid_price"] < a["ask_price"]).all() and (a["bid_price"] > 0).all()


def test_parquet_source_reads_record_columns(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    q = np.concatenate(list(quote_chunks(1000, seed=2)))
    table = pa.table({name: q[name] for name in ("ts_event", "bid_price", "ask_price", "bid_size", "ask_size")})
    pq.write_table(table, tmp_path / "q.parquet")
    got = np.concatenate(list(ParquetSource(tmp_path / "q.parquet", "quotes", instrument_id=1,
                                            price_precision=5, size_precision=0, chunk_rows=300)))
    for name in ("ts_event", "bid_price", "ask_price", "bid_size", "ask_size", "instrument_id"):
        assert np.array_equal(got[name], q[name])


def test_compressed_npz_and_plain_npy_read_like_the_mapped_npz(tmp_path):
    whole = np.concatenate(list(quote_chunks(5_000, seed=4)))
    np.savez_compressed(tmp_path / "c.npz", quotes=whole)
    np.save(tmp_path / "p.npy", whole)
    for name in ("c.npz", "p.npy"):
        got = np.concatenate(list(NpzSource(tmp_path / name, chunk_rows=999)))
        assert np.array_equal(got, whole), name


def test_npz_checks_every_record_field_before_trusting_it(tmp_path):
    q = np.concatenate(list(quote_chunks(10, seed=1)))
    q["version"][3] = 9
    np.savez(tmp_path / "v.npz", quotes=q)
    with pytest.raises(DataError, match=r"v.npz: record 3: field 'version' is invalid"):
        list(NpzSource(tmp_path / "v.npz"))
    q = np.concatenate(list(quote_chunks(10, seed=1)))
    q["bid_size"][7] = -1
    np.savez_compressed(tmp_path / "s.npz", quotes=q)
    with pytest.raises(DataError, match=r"record 7: field 'bid_size' is invalid"):
        list(NpzSource(tmp_path / "s.npz"))


def test_truncated_npz_is_an_error_not_a_short_read(tmp_path):
    path = tmp_path / "q.npz"
    write_npz(path, quote_chunks(1000, seed=2))
    data = path.read_bytes()
    (tmp_path / "t.npz").write_bytes(data[: len(data) // 2] + data[-200:])
    with pytest.raises(DataError, match="t.npz"):
        list(NpzSource(tmp_path / "t.npz"))
