import fnmatch
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hft.kernel.msgbus import MessageBus, is_matching


def tagger(log, tag):
    return lambda msg: log.append((tag, msg))


def test_handlers_run_by_priority_then_subscription_order():
    bus, log = MessageBus(), []
    bus.subscribe("data.quotes.BTC", tagger(log, "a"))
    bus.subscribe("data.quotes.BTC", tagger(log, "high"), priority=10)
    bus.subscribe("data.quotes.BTC", tagger(log, "b"))
    bus.subscribe("data.quotes.BTC", tagger(log, "low"), priority=-1)
    bus.publish("data.quotes.BTC", 1)
    assert [t for t, _ in log] == ["high", "a", "b", "low"]
    assert bus.published == 1


@pytest.mark.parametrize("pattern, matches", [
    ("data.quotes.*", ["data.quotes.BTC", "data.quotes.ETH.X"]),
    ("data.*.BTC", ["data.quotes.BTC", "data.trades.BTC"]),
    ("data.quotes.?TC", ["data.quotes.BTC"]),
    ("*", ["data.quotes.BTC", "data.quotes.ETH.X", "data.trades.BTC", "events.order"]),
    ("events.order", ["events.order"]),
])
def test_wildcard_subscriptions_receive_matching_topics_only(pattern, matches):
    bus, got = MessageBus(), []
    bus.subscribe(pattern, got.append)
    topics = ["data.quotes.BTC", "data.quotes.ETH.X", "data.trades.BTC", "events.order"]
    for topic in topics:
        bus.publish(topic, topic)
    assert got == matches


def test_subscribe_after_publish_invalidates_the_cached_handlers():
    bus, log = MessageBus(), []
    first = tagger(log, "first")
    bus.subscribe("data.*", first)
    bus.publish("data.x", 1)
    bus.subscribe("data.x", tagger(log, "second"), priority=1)
    bus.publish("data.x", 2)
    assert bus.unsubscribe("data.*", first) is True
    bus.publish("data.x", 3)
    assert log == [("first", 1), ("second", 2), ("first", 2), ("second", 3)]


def test_duplicate_subscription_is_ignored_and_unsubscribe_reports_absence():
    bus, got = MessageBus(), []
    bus.subscribe("t", got.append)
    bus.subscribe("t", got.append)  # bound methods compare equal
    bus.publish("t", 1)
    assert got == [1]
    assert bus.is_subscribed("t", got.append)
    assert bus.unsubscribe("t", got.append) is True
    assert bus.unsubscribe("t", got.append) is False
    assert not bus.is_subscribed("t", got.append)


def test_topics_and_subscriptions_list_what_is_subscribed():
    bus = MessageBus()
    h1, h2 = (lambda m: None), (lambda m: None)
    bus.subscribe("data.quotes.*", h1)
    bus.subscribe("data.trades.BTC", h2, priority=3)
    bus.subscribe("events.*", h1)
    assert bus.topics() == ["data.quotes.*", "data.trades.BTC", "events.*"]
    subs = bus.subscriptions("data.*")
    assert [(s.topic, s.priority) for s in subs] == [("data.trades.BTC", 3), ("data.quotes.*", 0)]
    assert bus.has_subscribers("data.quotes.ETH") and not bus.has_subscribers("other")
    assert bus.handlers("data.quotes.ETH") == (h1,)


def test_failing_handler_is_logged_counted_and_does_not_stop_the_others(caplog):
    bus, got = MessageBus(), []

    def broken(msg):
        raise RuntimeError("handler bug")

    bus.subscribe("orders.events", broken, priority=1)
    bus.subscribe("orders.events", got.append)
    with caplog.at_level(logging.ERROR, logger="hft"):
        bus.publish("orders.events", "filled")
    assert got == ["filled"]
    assert bus.failures == 1
    record = caplog.records[-1]
    assert record.name == "hft.MessageBus"
    assert "topic=orders.events" in record.getMessage()
    assert "handler=test_failing_handler_is_logged_counted_and_does_not_stop_the_others.<locals>.broken" \
        in record.getMessage()
    assert "RuntimeError: handler bug" in caplog.text  # the traceback


def test_send_reaches_the_registered_endpoint_and_unknown_endpoint_raises():
    bus, got = MessageBus(), []
    bus.register("ExecEngine.execute", got.append)
    bus.send("ExecEngine.execute", "cmd")
    assert got == ["cmd"] and bus.sent == 1
    assert bus.endpoints() == ["ExecEngine.execute"]
    with pytest.raises(KeyError, match="'RiskEngine.execute'"):
        bus.send("RiskEngine.execute", "cmd")
    with pytest.raises(ValueError, match="'ExecEngine.execute' is already registered"):
        bus.register("ExecEngine.execute", got.append)
    bus.deregister("ExecEngine.execute")
    assert not bus.is_registered("ExecEngine.execute")
    with pytest.raises(KeyError, match="'ExecEngine.execute'"):
        bus.deregister("ExecEngine.execute")


def test_failing_endpoint_is_logged_and_counted(caplog):
    bus = MessageBus()
    bus.register("ep", lambda m: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="hft"):
        bus.send("ep", 1)
    assert bus.failures == 1 and "endpoint=ep" in caplog.text


def test_request_with_returned_response_calls_back_at_once():
    bus, got = MessageBus(), []
    bus.register("Cache.last_price", lambda req, cid: {"id": req, "px": 101})
    cid = bus.request("Cache.last_price", "BTC", got.append)
    assert got == [{"id": "BTC", "px": 101}]
    assert bus.requests == 1 and bus.responses == 1 and bus.pending_requests == 0
    assert isinstance(cid, int)


def test_request_answered_later_through_respond_with_its_correlation_id():
    bus, got, inbox = MessageBus(), [], []
    bus.register("Venue.positions", lambda req, cid: inbox.append((req, cid)))
    cid1 = bus.request("Venue.positions", "acct-1", lambda r: got.append(("1", r)))
    cid2 = bus.request("Venue.positions", "acct-2", lambda r: got.append(("2", r)))
    assert cid1 != cid2 and bus.pending_requests == 2
    bus.respond(inbox[1][1], "pos-2")
    bus.respond(inbox[0][1], "pos-1")
    assert got == [("2", "pos-2"), ("1", "pos-1")]
    with pytest.raises(KeyError, match=f"correlation id {cid1}"):
        bus.respond(cid1, "again")


def test_request_to_unknown_endpoint_raises_naming_it():
    with pytest.raises(KeyError, match="'nowhere'"):
        MessageBus().request("nowhere", 1, print)


@given(st.text(alphabet="ab.", max_size=8), st.text(alphabet="ab.*?", max_size=6))
def test_is_matching_agrees_with_fnmatch(topic, pattern):
    assert is_matching(topic, pattern) == fnmatch.fnmatchcase(topic, pattern)
