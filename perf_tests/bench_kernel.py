"""Kernel hot paths: message-bus publish to one handler, against a plain-Python dispatch."""

from perf_tests._figures import best_seconds, pedantic_min, record

from hft.kernel.msgbus import MessageBus

N = 200_000
TOPIC = "data.quotes.BTCUSDT.BINANCE"


def _handler(msg):
    pass


class PyBus:
    """The least a Python bus can do: cached handler tuple per topic, isolated failures."""

    def __init__(self):
        self.cache = {}
        self.published = 0

    def subscribe(self, topic, handler):
        self.cache.setdefault(topic, ())
        self.cache[topic] += (handler,)

    def publish(self, topic, msg):
        self.published += 1
        for handler in self.cache.get(topic, ()):
            try:
                handler(msg)
            except Exception:
                pass


def _drive(publish):
    def run():
        for i in range(N):
            publish(TOPIC, i)
    return run


def test_bus_publish_one_handler(benchmark):
    bus = MessageBus()
    bus.subscribe("data.quotes.*", _handler)
    py = PyBus()
    py.subscribe(TOPIC, _handler)
    ours = pedantic_min(benchmark, _drive(bus.publish)) / N * 1e9
    base = best_seconds(_drive(py.publish)) / N * 1e9
    ratio = base / ours
    record("kernel.bus_publish", ours, "ns/publish", baseline=base, ratio=ratio,
           target="ratio >= 1.0")
    assert bus.published >= N
    assert ratio >= 1.0
