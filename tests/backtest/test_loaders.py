import gzip
from pathlib import Path

import numpy as np
import pytest

from hft.backtest.loaders import (
    PRESETS, BookSource, CsvLayout, CsvSource, DataError, NpzSource, ParquetSource, detect_layout,
)
from hft.backtest.synthetic import quote_chunks, write_npz
from hft.core.encoding import (
    BOOK_DELTA_DTYPE, DELTA_ADD, DELTA_CLEAR, DELTA_DELETE, DELTA_SNAPSHOT_BEGIN, DELTA_SNAPSHOT_END,
    DELTA_UPDATE, QUOTE_DTYPE, RECORD_BOOK_DELTA, RECORD_QUOTE, RECORD_TRADE, TRADE_DTYPE,
    validate_batch,
)

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


# ------------------------------------------------------------------------------- L2 book files

BYBIT_OB = DATA / "xrpusdt-bybit-ob500-20241201.data.zip"
BINANCE_DEPTH = Path("/work/shared/data/btcusdt-binance-depth-snap.csv")
DEPTH_HEADER = "symbol,timestamp,first_update_id,last_update_id,side,update_type,price,qty,pu\n"


def _replay(deltas: np.ndarray) -> "OrderBook":
    from hft.core.book import OrderBook

    book = OrderBook(int(deltas["price_precision"][0]), int(deltas["size_precision"][0]))
    for d in deltas:
        if d["action"] == DELTA_CLEAR:
            book.clear(int(d["side"]))
        else:
            book.update(int(d["side"]), int(d["price"]), int(d["size"]))
    return book


@pytest.mark.parametrize("chunk_rows", [65_536, 100])
def test_bybit_replay_ends_at_the_documented_top_of_book(chunk_rows):
    src = BookSource(BYBIT_OB, instrument_id=3, price_precision=4, size_precision=0,
                     chunk_rows=chunk_rows)
    deltas = _load(src)
    assert validate_batch(deltas, RECORD_BOOK_DELTA) == (-1, 0)
    assert src.layout == "bybit" and src.report()["rows_read"] == 3_966
    book = _replay(deltas)
    assert (book.best_bid, book.best_ask) == (19537, 19538)
    assert len(book.bids()) == 500 and len(book.asks()) == 500
    # one snapshot: CLEAR flagged BEGIN, 1,000 ADDs, END on the last; 18 deletes among deltas
    assert deltas["action"][0] == DELTA_CLEAR and deltas["flags"][0] == DELTA_SNAPSHOT_BEGIN
    assert deltas["flags"][1000] == DELTA_SNAPSHOT_END and (deltas["flags"][1001:] == 0).all()
    assert (deltas["action"] == DELTA_DELETE).sum() == 18
    assert (np.diff(deltas["ts_event"]) >= 0).all() and (deltas["instrument_id"] == 3).all()
    assert deltas["ts_event"][0] == 1_733_011_200_691_000_000  # 'ts' in ms -> ns


def test_a_snapshot_never_spans_two_chunks():
    src = BookSource(BYBIT_OB, instrument_id=1, price_precision=4, size_precision=0,
                     chunk_rows=10)
    chunks = list(src)
    assert len(chunks[0]) == 1001 and chunks[0]["flags"][-1] == DELTA_SNAPSHOT_END


def test_binance_depth_snapshot_rows_become_one_snapshot():
    src = BookSource(BINANCE_DEPTH, instrument_id=1, price_precision=1, size_precision=3)
    deltas = _load(src)
    assert src.layout == "binance_depth" and len(deltas) == 101
    assert deltas["flags"][0] == DELTA_SNAPSHOT_BEGIN and deltas["flags"][-1] == DELTA_SNAPSHOT_END
    assert (deltas["sequence"] == 2098021528332).all()
    book = _replay(deltas)
    assert book.best_bid == 203770 and book.best_ask is None and len(book.bids()) == 100


def test_binance_depth_set_rows_update_and_zero_qty_deletes(tmp_path):
    path = tmp_path / "depth.csv"
    path.write_text(DEPTH_HEADER
                    + "BTCUSDT,1000,1,5,b,snap,100.0,1.000,-1\n"
                    + "BTCUSDT,1000,1,5,a,snap,101.0,2.000,-1\n"
                    + "BTCUSDT,2000,6,7,b,set,100.0,0,5\n"
                    + "BTCUSDT,2000,6,7,b,set,99.5,3.5,5\n")
    d = _load(BookSource(path, instrument_id=1, price_precision=1, size_precision=3))
    assert list(d["action"]) == [DELTA_CLEAR, DELTA_ADD, DELTA_ADD, DELTA_DELETE, DELTA_UPDATE]
    assert list(d["size"]) == [0, 1000, 2000, 0, 3500]
    assert list(d["ts_event"]) == [1000 * 10**6] * 3 + [2000 * 10**6] * 2
    assert (_replay(d).best_bid, _replay(d).best_ask) == (995, 1010)


def test_generic_book_csv_reads_sides_actions_and_iso_times(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text("ts_event,side,price,size,action\n"
                    "2024-01-01T00:00:00Z,,,,clear\n"
                    "2024-01-01T00:00:00Z,bid,1.25,10,add\n"
                    "2024-01-01T00:00:01Z,ask,1.26,4,\n"
                    "2024-01-01T00:00:02Z,b,1.25,0,\n"
                    "2024-01-01T00:00:03Z,sell,1.26,,delete\n")
    src = BookSource(path, instrument_id=1, price_precision=2, size_precision=0)
    d = _load(src)
    assert src.layout == "book_csv"
    assert list(d["action"]) == [DELTA_CLEAR, DELTA_ADD, DELTA_UPDATE, DELTA_DELETE, DELTA_DELETE]
    assert list(d["side"]) == [0, 1, 2, 1, 2] and list(d["price"]) == [0, 125, 126, 125, 126]
    assert d["ts_event"][1] == np.datetime64("2024-01-01T00:00:00", "ns").astype(np.int64)


BOOK_CSV_BAD = [
    ("1,x,1.25,10,", "bad side"),
    ("1,b,1.255,10,", "bad price"),
    ("1,b,abc,10,", "bad price"),
    ("1,b,1.25,-1,", "negative size"),
    ("1,b,1.25,1.5,", "bad size"),
    ("1,b,1.25,0,add", "size 0 on a snapshot level or an ADD"),
    ("1,b,1.25,3,replace", "bad action"),
    ("0,b,1.25,3,", "timestamp before the previous row's"),
]


@pytest.mark.parametrize("row, reason", BOOK_CSV_BAD, ids=[r for _, r in BOOK_CSV_BAD])
def test_bad_book_row_raises_naming_file_and_line(tmp_path, row, reason):
    path = tmp_path / "book.csv"
    path.write_text("ts_event,side,price,size,action\n5,a,1.30,1,\n" + row + "\n")
    src = BookSource(path, instrument_id=1, price_precision=2, size_precision=0)
    with pytest.raises(DataError, match=f"^{path}: line 3: {reason}"):
        _load(src)
    skip = BookSource(path, instrument_id=1, price_precision=2, size_precision=0,
                      on_error="skip")
    assert len(_load(skip)) == 1 and sum(skip.report()["skipped"].values()) == 1


@pytest.mark.parametrize("text, reason", [
    ('{"type": "snapshot", "ts": 1, "data": {"b": [["1.0"]]}}', "not a Bybit order book message"),
    ("not json", "not a Bybit order book message"),
    ('{"type": "trade", "ts": 1, "data": {}}', "message type 'trade'"),
])
def test_bad_bybit_line_raises_naming_file_and_line(tmp_path, text, reason):
    good = '{"type": "snapshot", "ts": 1, "data": {"b": [["1.0", "5"]], "a": [], "u": 1}}'
    path = tmp_path / "x_ob500.data"
    path.write_text(good + "\n" + text + "\n")
    with pytest.raises(DataError, match=f"^{path}: line 2: {reason}"):
        _load(BookSource(path, instrument_id=1, price_precision=1, size_precision=0))


def test_a_skipped_last_snapshot_level_moves_the_end_flag(tmp_path):
    path = tmp_path / "x.data"
    path.write_text('{"type": "snapshot", "ts": 1, "data": {"b": [["1.0", "5"]], '
                    '"a": [["1.1", "x"]], "u": 1}}\n')
    d = _load(BookSource(path, instrument_id=1, price_precision=1, size_precision=0,
                         on_error="skip"))
    assert list(d["flags"]) == [DELTA_SNAPSHOT_BEGIN, DELTA_SNAPSHOT_END]


def test_book_layout_errors_name_the_file(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("when,what\n1,2\n")
    with pytest.raises(DataError, match=f"{path}: cannot tell the book layout"):
        BookSource(path, instrument_id=1, price_precision=2, size_precision=0)
    with pytest.raises(ValueError, match="book layout 'nope' unknown"):
        BookSource(path, instrument_id=1, price_precision=2, size_precision=0, layout="nope")


def test_npz_of_book_deltas_round_trips(tmp_path):
    deltas = _load(BookSource(BYBIT_OB, instrument_id=1, price_precision=4, size_precision=0))
    np.savez(tmp_path / "book.npz", deltas)
    back = _load(NpzSource(tmp_path / "book.npz", chunk_rows=500, instrument_id=9))
    assert back.dtype == BOOK_DELTA_DTYPE and len(back) == len(deltas)
    assert (back["price"] == deltas["price"]).all() and (back["instrument_id"] == 9).all()
    bad = deltas.copy()
    bad["action"][7] = 9
    np.savez(tmp_path / "bad.npz", bad)
    with pytest.raises(DataError, match="record 7: field 'action' is invalid"):
        _load(NpzSource(tmp_path / "bad.npz"))


def test_npz_renumbers_instrument_ids_only_when_they_differ(tmp_path):
    write_npz(tmp_path / "q.npz", quote_chunks(100, seed=3, instrument_id=7))
    same = next(iter(NpzSource(tmp_path / "q.npz", instrument_id=7)))
    assert not same.flags.writeable  # a view of the mapped file, not a copy
    other = next(iter(NpzSource(tmp_path / "q.npz", instrument_id=2)))
    assert (other["instrument_id"] == 2).all()
