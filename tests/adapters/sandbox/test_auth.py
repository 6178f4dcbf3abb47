import logging
import os

import pytest

from hft.adapters.sandbox import auth as a
from hft.adapters.sandbox import protocol as p
from hft.core import encoding as e

SECRET = b"s3cret-value-never-shown"
ORDER = [e.OrderMsg(quantity=1, price=100)]


class Clock:
    def __init__(self, ms=1_000_000):
        self.ms = ms

    def __call__(self):
        return self.ms


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def signer(clock):
    return a.Signer("K1", SECRET, clock_ms=clock)


@pytest.fixture
def verifier(clock):
    return a.Verifier({"K1": SECRET}, window_ms=1_000, clock_ms=clock)


def test_signed_frame_is_accepted(signer, verifier):
    frame = verifier.check(signer.sign(p.FRAME_ORDER, ORDER))
    assert frame.records() == ORDER and frame.key_id == "K1"


@pytest.mark.parametrize("frame_type, records", [
    (p.FRAME_HELLO, [p.Hello()]), (p.FRAME_CANCEL, [p.Cancel(client_order_id=3)]),
    (p.FRAME_QUERY, [p.Query(query_kind=p.QUERY_POSITIONS, request_id=1)]),
])
def test_every_client_frame_type_can_be_signed(signer, verifier, frame_type, records):
    assert verifier.verify(signer.sign(frame_type, records)) == a.AUTH_OK


def test_unsigned_frame_is_rejected(signer, verifier):
    raw = bytearray(signer.sign(p.FRAME_ORDER, ORDER))
    raw[4] = 0
    assert verifier.verify(bytes(raw)) == a.AUTH_UNSIGNED
    with pytest.raises(a.AuthError, match="AUTH_UNSIGNED") as info:
        verifier.check(bytes(raw))
    assert info.value.reason == a.AUTH_UNSIGNED


def test_unknown_key_is_rejected(clock, verifier):
    raw = a.Signer("K2", SECRET, clock_ms=clock).sign(p.FRAME_ORDER, ORDER)
    assert verifier.verify(raw) == a.AUTH_UNKNOWN_KEY


@pytest.mark.parametrize("where", ["payload", "ts", "nonce", "signature", "secret"])
def test_bad_signature_is_rejected(clock, signer, verifier, where):
    raw = bytearray(signer.sign(p.FRAME_ORDER, ORDER))
    n = len(raw)
    if where == "payload":
        raw[16 + 12] ^= 1                      # strategy_id: still a valid order
    elif where == "ts":
        raw[n - 64 + 16] ^= 1
    elif where == "nonce":
        raw[n - 64 + 24] ^= 1
    elif where == "signature":
        raw[-1] ^= 1
    else:
        raw = bytearray(a.Signer("K1", b"wrong", clock_ms=clock).sign(p.FRAME_ORDER, ORDER))
    assert verifier.verify(bytes(raw)) == a.AUTH_BAD_SIGNATURE


def test_replayed_nonce_is_rejected(signer, verifier):
    raw = signer.sign(p.FRAME_ORDER, ORDER)
    assert verifier.verify(raw) == a.AUTH_OK
    assert verifier.verify(raw) == a.AUTH_REPLAYED
    assert verifier.verify(signer.sign(p.FRAME_ORDER, ORDER)) == a.AUTH_OK


@pytest.mark.parametrize("offset_ms", [-1_001, 1_001, -999_999, 10**9])
def test_stale_or_future_timestamp_is_rejected(clock, signer, verifier, offset_ms):
    raw = signer.sign(p.FRAME_ORDER, ORDER, ts_ms=clock.ms + offset_ms)
    assert verifier.verify(raw) == a.AUTH_STALE


def test_timestamp_at_the_window_edge_is_accepted(clock, signer, verifier):
    assert verifier.verify(signer.sign(p.FRAME_ORDER, ORDER, ts_ms=clock.ms - 1_000)) == a.AUTH_OK


def test_rejected_frames_leave_no_nonce(clock, signer, verifier):
    raw = bytearray(signer.sign(p.FRAME_ORDER, ORDER))
    raw[-1] ^= 1
    verifier.verify(bytes(raw))
    verifier.verify(signer.sign(p.FRAME_ORDER, ORDER, ts_ms=clock.ms - 5_000))
    assert len(verifier) == 0


def test_nonce_memory_forgets_nonces_older_than_the_window(clock, signer, verifier):
    for step in range(50):
        clock.ms += 100
        for _ in range(20):
            assert verifier.verify(signer.sign(p.FRAME_ORDER, ORDER)) == a.AUTH_OK
        # nonces of the last window (10 steps of 100 ms, plus the edge) and no more
        assert len(verifier) <= 20 * 11
    clock.ms += 1_001
    verifier.verify(signer.sign(p.FRAME_ORDER, ORDER))
    assert len(verifier) == 1


def test_forgotten_nonce_cannot_be_replayed_because_it_is_stale(clock, signer, verifier):
    raw = signer.sign(p.FRAME_ORDER, ORDER)
    assert verifier.verify(raw) == a.AUTH_OK
    clock.ms += 1_001
    assert verifier.verify(raw) == a.AUTH_STALE


def test_garbage_raises_value_error_not_auth_ok(verifier):
    with pytest.raises(ValueError):
        verifier.verify(b"\x00" * 40)


def test_secrets_never_appear_in_reprs_or_errors(signer, verifier, caplog):
    secret = a.Secret(SECRET)
    texts = [repr(signer), repr(verifier), repr(secret), str(secret),
             repr(a.load_secrets(environ={"HFT_API_SECRET_K1": SECRET.decode()}))]
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("test").info("signer %r verifier %s", signer, verifier)
    texts.append(caplog.text)
    for text in texts:
        assert SECRET.decode() not in text
        assert SECRET.hex() not in text


def test_secrets_load_from_environment():
    got = a.load_secrets(environ={"HFT_API_SECRET_ALICE": "x1", "HFT_API_SECRET_B_2": "y",
                                  "OTHER": "z"})
    assert sorted(got) == ["ALICE", "B_2"]
    assert got["ALICE"].reveal() == b"x1"


def test_secrets_file_with_0600_loads(tmp_path):
    path = tmp_path / "secrets"
    path.write_text("# keys\nALICE = abc\n\nBOB=def\n")
    os.chmod(path, 0o600)
    got = a.load_secrets(path, environ={})
    assert {k: v.reveal() for k, v in got.items()} == {"ALICE": b"abc", "BOB": b"def"}


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_secrets_file_readable_by_others_is_refused(tmp_path, mode):
    path = tmp_path / "secrets"
    path.write_text("ALICE=abc\n")
    os.chmod(path, mode)
    with pytest.raises(ValueError, match=f"mode is {mode:04o}, expected 0600"):
        a.load_secrets(path, environ={})


def test_secrets_file_bad_line_is_refused_without_echoing_it(tmp_path):
    path = tmp_path / "secrets"
    path.write_text("no-separator-topsecret\n")
    os.chmod(path, 0o600)
    with pytest.raises(ValueError, match="line 1") as info:
        a.load_secrets(path, environ={})
    assert "topsecret" not in str(info.value)


def test_signer_refuses_a_key_id_the_wire_cannot_carry():
    with pytest.raises(ValueError, match="key_id"):
        a.Signer("lower-case", SECRET)


# -- the live order hot path: sign_order ------------------------------------------------------

def _model_order(order_type, qty, price=None, trigger=None, side=1, num=77):
    from hft.model.enums import OrderType
    from hft.model.identifiers import ClientOrderId, InstrumentId, StrategyId, TraderId
    from hft.model.objects import Price, Quantity
    from hft.model.orders import Order

    return Order(TraderId("T-001"), StrategyId("S-001"), InstrumentId("EURUSD.SANDBOX"),
                 ClientOrderId("O-1"), side, OrderType(order_type), Quantity(qty),
                 None if price is None else Price(price),
                 None if trigger is None else Price(trigger), ts_init=123,
                 client_order_num=num)


@pytest.mark.parametrize("order_type, qty, price, trigger, want_price, want_trigger", [
    (e.ORDER_TYPE_MARKET, "2", None, None, 0, 0),
    (e.ORDER_TYPE_LIMIT, "3", "1.1", None, 110_000, 0),
    (e.ORDER_TYPE_STOP_LIMIT, "1", "1.10001", "1.1", 110_001, 110_000),
])
def test_sign_order_gives_a_verified_frame_at_the_instrument_precisions(
        signer, verifier, order_type, qty, price, trigger, want_price, want_trigger):
    order = _model_order(order_type, qty, price, trigger)
    frame = verifier.check(signer.sign_order(order, 7, 5, 2, 9))
    (rec,) = frame.records()
    assert (rec.instrument_id, rec.client_order_id, rec.trader_id) == (7, 77, 9)
    assert (rec.price_precision, rec.size_precision) == (5, 2)
    assert (rec.price, rec.trigger_price, rec.quantity) == (want_price, want_trigger,
                                                           int(qty) * 100)
    assert (rec.order_type, rec.side, rec.ts_init) == (order_type, 1, 123)


def test_sign_order_uses_a_fresh_nonce_each_time(signer, verifier):
    order = _model_order(e.ORDER_TYPE_MARKET, "1")
    verifier.check(signer.sign_order(order, 7, 5, 0, 1))
    verifier.check(signer.sign_order(order, 7, 5, 0, 1))  # a replay would raise AuthError


@pytest.mark.parametrize("qty, size_precision, message", [
    ("1.5", 0, "quantity has more decimals than the instrument's 0"),
    ("10", 18, "quantity does not fit int64"),
])
def test_sign_order_refuses_a_quantity_the_instrument_cannot_carry(signer, qty,
                                                                   size_precision, message):
    with pytest.raises(ValueError, match=message):
        signer.sign_order(_model_order(e.ORDER_TYPE_MARKET, qty), 7, 5, size_precision, 1)
