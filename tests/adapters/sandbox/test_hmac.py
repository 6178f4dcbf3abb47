"""HMAC-SHA256 in C (protocol.hmac_sha256, OrderFrameWriter.frame) against Python's hmac."""

from __future__ import annotations

import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.adapters.sandbox.protocol import HmacKey, OrderFrameWriter, hmac_sha256


@given(key=st.binary(min_size=0, max_size=150), msg=st.binary(min_size=0, max_size=300))
def test_c_hmac_equals_pythons_hmac(key, msg):
    want = hmac.digest(key, msg, "sha256")
    assert hmac_sha256(key, msg) == want
    assert hmac_sha256(key, msg, portable=True) == want


@given(key=st.binary(min_size=1, max_size=150),
       msgs=st.lists(st.binary(min_size=0, max_size=300), max_size=4))
def test_a_keyed_hmac_reused_equals_pythons_hmac_each_time(key, msgs):
    mac = HmacKey(key)  # the venue's verifier: keyed once, used for every frame
    for msg in msgs:
        assert mac.digest(msg) == hmac.digest(key, msg, "sha256")


@pytest.mark.parametrize("n", [65_535, 65_536, 200_003])
def test_a_keyed_hmac_of_a_long_message_without_the_gil_is_the_same(n):
    msg = bytes(range(256)) * (n // 256) + bytes(n % 256)   # from 64 KiB the GIL is released
    assert HmacKey(b"k").digest(msg) == hmac.digest(b"k", msg, "sha256")


def test_a_keyed_hmac_needs_a_key_and_hides_it():
    with pytest.raises(ValueError, match="empty"):
        HmacKey(b"")
    assert "secret" not in repr(HmacKey(b"secret"))


@pytest.mark.parametrize("n", [0, 55, 56, 63, 64, 65, 119, 120, 127, 128, 176, 1000])
def test_c_hmac_pads_every_length_around_a_block_edge(n):
    key, msg = b"k" * 64, bytes(range(256)) * 4
    assert hmac_sha256(key, msg[:n]) == hmac.digest(key, msg[:n], "sha256")


def test_order_frame_ends_with_the_hmac_of_its_body():
    from tests.adapters.sandbox.test_auth import _model_order
    from hft.core import encoding as e

    writer = OrderFrameWriter("KEY1")
    writer.set_secret(b"s3cret")
    order = _model_order(e.ORDER_TYPE_MARKET, "1")
    frame = writer.frame(order, 7, 5, 0, 1, 1_700_000_000_000, 42)
    body = writer.body(order, 7, 5, 0, 1, 1_700_000_000_000, 42)
    assert len(frame) == 208
    assert frame == body + hmac.digest(b"s3cret", body, "sha256")


def test_order_frame_without_a_secret_is_refused():
    from tests.adapters.sandbox.test_auth import _model_order
    from hft.core import encoding as e

    with pytest.raises(ValueError, match="no secret set"):
        OrderFrameWriter("KEY1").frame(_model_order(e.ORDER_TYPE_MARKET, "1"), 7, 5, 0, 1, 1, 1)


def test_an_empty_secret_is_refused():
    with pytest.raises(ValueError, match="secret is empty"):
        OrderFrameWriter("KEY1").set_secret(b"")
