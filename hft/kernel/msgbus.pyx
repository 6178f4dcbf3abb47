"""Message bus: publish/subscribe on topics, point-to-point endpoints, request/response.

Topics are dotted strings (`data.quotes.BTCUSDT.BINANCE`). A subscription's topic is a
pattern: `*` matches any sequence (also empty, also across dots), `?` one character;
without wildcards it matches only itself. Handlers of a topic run in a fixed order:
higher priority first, then in subscription order.

`publish` does not match patterns per message: the first publish on a concrete topic
resolves its handlers into a tuple kept in a dict, and every (un)subscribe clears that
cache. The cache holds one entry per distinct published topic.

A handler that raises is logged (component "MessageBus": topic or endpoint, handler,
traceback), counted in `failures`, and does not stop the handlers after it.

Request/response: `request(endpoint, request, callback)` calls the endpoint's handler as
`handler(request, correlation_id)` and returns the correlation id. The handler answers
either by returning a response (not None), or later by calling
`bus.respond(correlation_id, response)`; either way `callback(response)` runs once.
An endpoint used with `send` is called with the message alone: `handler(msg)`.

Not thread-safe: use it from the node's event-loop thread.
"""

cimport cython
from libc.stdint cimport int64_t

from hft.kernel.logging import get_logger


@cython.freelist(16)
cdef class Subscription:
    """Describe one subscription: topic pattern, handler, priority and order."""

    def __repr__(self) -> str:
        return (f"Subscription(topic={self.topic!r}, handler={self.handler!r}, "
                f"priority={self.priority})")


cpdef bint is_matching(str topic, str pattern):
    """Return True when topic matches pattern ('*' any sequence, '?' one character)."""
    cdef Py_ssize_t n = len(topic), m = len(pattern)
    cdef Py_ssize_t i = 0, j = 0, star = -1, mark = 0
    cdef Py_UCS4 p
    # greedy scan; on a mismatch fall back to the last '*' and let it eat one more char
    while i < n:
        if j < m:
            p = pattern[j]
            if p == u'*':
                star = j
                mark = i
                j += 1
                continue
            if p == u'?' or p == topic[i]:
                i += 1
                j += 1
                continue
        if star < 0:
            return False
        j = star + 1
        mark += 1
        i = mark
    while j < m and pattern[j] == u'*':
        j += 1
    return j == m


cdef str _handler_name(object handler):
    name = getattr(handler, "__qualname__", None)
    return name if isinstance(name, str) else repr(handler)


cdef class MessageBus:
    """Route messages to handlers by topic, to endpoints by name, and pair requests with responses.

    Counters (read-only): published, sent, failures, requests, responses.
    """

    def __init__(self):
        self._subs = []
        self._cache = {}
        self._endpoints = {}
        self._pending = {}
        self._log = get_logger("MessageBus")
        self.next_seq = 0
        self.next_correlation_id = 1
        self.published = 0
        self.sent = 0
        self.failures = 0
        self.requests = 0
        self.responses = 0

    # -- publish / subscribe ----------------------------------------------------------------

    def subscribe(self, str topic not None, handler, int priority=0) -> None:
        """Call handler(msg) for every message published on a topic matching the pattern.

        Subscribing the same (topic, handler) again changes nothing (the first priority
        stays). Raises ValueError for an empty topic, TypeError for a non-callable handler.
        """
        if not topic:
            raise ValueError("subscribe: topic must be a non-empty str")
        if not callable(handler):
            raise TypeError(f"subscribe {topic!r}: handler must be callable, got {handler!r}")
        cdef Subscription sub
        for sub in self._subs:
            if sub.topic == topic and sub.handler == handler:
                return
        sub = Subscription.__new__(Subscription)
        sub.topic = topic
        sub.handler = handler
        sub.priority = priority
        sub.seq = self.next_seq
        self.next_seq += 1
        self._subs.append(sub)
        self._cache.clear()

    def unsubscribe(self, str topic not None, handler) -> bool:
        """Remove the (topic, handler) subscription; return False when there was none."""
        cdef Subscription sub
        cdef Py_ssize_t i
        for i in range(len(self._subs)):
            sub = <Subscription>self._subs[i]
            if sub.topic == topic and sub.handler == handler:
                del self._subs[i]
                self._cache.clear()
                return True
        return False

    def is_subscribed(self, str topic not None, handler) -> bool:
        """Return True when handler is subscribed to exactly this topic pattern."""
        cdef Subscription sub
        for sub in self._subs:
            if sub.topic == topic and sub.handler == handler:
                return True
        return False

    def has_subscribers(self, str topic not None) -> bool:
        """Return True when a publish on this concrete topic would reach a handler."""
        return len(self.handlers(topic)) > 0

    def handlers(self, str topic not None) -> tuple:
        """Return the handlers a publish on this concrete topic calls, in dispatch order."""
        cached = self._cache.get(topic)
        return <tuple>cached if cached is not None else self.resolve(topic)

    def topics(self) -> list:
        """Return the distinct subscribed topic patterns, sorted."""
        return sorted({(<Subscription>sub).topic for sub in self._subs})

    def subscriptions(self, str pattern="*") -> list:
        """Return the subscriptions whose topic matches pattern, in dispatch order."""
        subs = [sub for sub in self._subs if is_matching((<Subscription>sub).topic, pattern)]
        subs.sort(key=_dispatch_key)
        return subs

    cdef tuple resolve(self, str topic):
        subs = [sub for sub in self._subs if is_matching(topic, (<Subscription>sub).topic)]
        subs.sort(key=_dispatch_key)
        cdef tuple handlers = tuple([(<Subscription>sub).handler for sub in subs])
        self._cache[topic] = handlers
        return handlers

    cpdef void publish(self, str topic, object msg) except *:
        """Call every handler subscribed to a pattern matching topic with msg, in order."""
        cdef object cached = self._cache.get(topic)
        cdef tuple handlers = <tuple>cached if cached is not None else self.resolve(topic)
        self.published += 1
        for handler in handlers:
            try:
                handler(msg)
            except Exception:
                self.report_failure("topic", topic, handler, msg)

    cdef void report_failure(self, str kind, str name, object handler, object msg):
        # called inside the except block, so the logger picks up the traceback
        self.failures += 1
        self._log.exception("handler failed", **{kind: name}, handler=_handler_name(handler),
                            msg_type=type(msg).__name__)

    # -- point-to-point -----------------------------------------------------------------------

    def register(self, str endpoint not None, handler) -> None:
        """Make handler the receiver of messages sent to endpoint.

        Raises ValueError when the endpoint already has a handler (deregister it first).
        """
        if not endpoint:
            raise ValueError("register: endpoint must be a non-empty str")
        if not callable(handler):
            raise TypeError(f"register {endpoint!r}: handler must be callable, got {handler!r}")
        if endpoint in self._endpoints:
            raise ValueError(f"endpoint {endpoint!r} is already registered")
        self._endpoints[endpoint] = handler

    def deregister(self, str endpoint not None) -> None:
        """Remove the endpoint's handler; KeyError naming the endpoint when unknown."""
        if self._endpoints.pop(endpoint, None) is None:
            raise KeyError(f"no endpoint {endpoint!r} registered")

    def is_registered(self, str endpoint not None) -> bool:
        """Return True when endpoint has a handler."""
        return endpoint in self._endpoints

    def endpoints(self) -> list:
        """Return the registered endpoint names, sorted."""
        return sorted(self._endpoints)

    cpdef void send(self, str endpoint, object msg) except *:
        """Call the endpoint's handler with msg; KeyError naming the endpoint when unknown."""
        handler = self._endpoints.get(endpoint)
        if handler is None:
            raise KeyError(f"no endpoint {endpoint!r} registered")
        self.sent += 1
        try:
            handler(msg)
        except Exception:
            self.report_failure("endpoint", endpoint, handler, msg)

    # -- request / response -------------------------------------------------------------------

    def request(self, str endpoint not None, request, callback) -> int:
        """Send request to endpoint as handler(request, correlation_id); return the id.

        callback(response) runs once: right away if the handler returns a response other
        than None, else when someone calls `respond(correlation_id, response)`. If the
        handler raises, the failure is logged and counted and the request is dropped.
        """
        handler = self._endpoints.get(endpoint)
        if handler is None:
            raise KeyError(f"no endpoint {endpoint!r} registered")
        if not callable(callback):
            raise TypeError(f"request {endpoint!r}: callback must be callable, got {callback!r}")
        cdef int64_t correlation_id = self.next_correlation_id
        self.next_correlation_id += 1
        self._pending[correlation_id] = callback
        self.requests += 1
        try:
            response = handler(request, correlation_id)
        except Exception:
            self._pending.pop(correlation_id, None)
            self.report_failure("endpoint", endpoint, handler, request)
            return correlation_id
        if response is not None and correlation_id in self._pending:
            self.respond(correlation_id, response)
        return correlation_id

    def respond(self, int64_t correlation_id, response) -> None:
        """Deliver response to the request's callback; KeyError when no such request is pending."""
        callback = self._pending.pop(correlation_id, None)
        if callback is None:
            raise KeyError(f"no pending request with correlation id {correlation_id}")
        self.responses += 1
        try:
            callback(response)
        except Exception:
            self.report_failure("correlation_id", str(correlation_id), callback, response)

    @property
    def pending_requests(self) -> int:
        """Number of requests still waiting for a response."""
        return len(self._pending)


def _dispatch_key(Subscription sub):
    return (-sub.priority, sub.seq)
