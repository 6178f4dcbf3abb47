"""The sandbox client's per-frame and per-order work in C: quotes in, signed orders out.

`ClientCore` is `SandboxClient`'s base class. It holds the state its hot paths touch and runs
them without the interpreter:

- `on_quote_frame`: a QUOTES frame, straight from picows' read buffer, checked and passed
  record by record to `DataEngine.process_quote_record` (no bytes object, no Python call until
  the strategy's own handler);
- `send_new` / `after_submit` (the engine's wire-first pair, hft.kernel.clients): a new order
  through the circuit breaker and the rate limit, signed in C (`OrderFrameWriter.sign_next`)
  and written with picows' `send` through its C vtable -- tick-to-order ends there -- and,
  after the engine has applied `OrderSubmitted`, the ack stamp and the client's indexes.

`FrameListener` is the picows listener: picows calls its `on_ws_frame` through the C vtable as
it parses each frame. Quote frames go to the core; every other frame (reports, query replies,
welcome, errors) goes to the client's Python `_on_frame` as bytes.

Everything rare (local rejects, logs, link state, reconciliation) stays in Python on the
subclass; the hot paths call back into it only on those branches.
"""

import asyncio
import socket

from libc.stdint cimport int64_t, uint8_t
from posix.time cimport CLOCK_MONOTONIC, CLOCK_REALTIME, clock_gettime, timespec

from picows.picows cimport WSFrame, WSListener, WSMsgType, WSTransport

from hft.adapters.sandbox.protocol cimport FRAME_QUOTES, OrderFrameWriter, dispatch_quote_frame
from hft.kernel.data_engine cimport DataEngine
from hft.live.breaker cimport CircuitBreaker
from hft.live.ratelimit cimport RateLimiter
from hft.kernel.execution_engine cimport ExecutionEngine, WireFirstClient
from hft.model.instruments cimport Instrument
from hft.model.orders cimport Order
from hft.telemetry.latency cimport LatencyRecorder

from hft.adapters.sandbox.auth import wall_clock_ms

__all__ = ["ClientCore", "FrameListener", "perf_counter_ns", "SEND_OK", "SEND_HELD",
           "SEND_REJECTED", "SEND_FAILED"]

cdef enum:
    SEND_OK = 0          # written to the socket
    SEND_HELD = 1        # the link is not live: sent by reconciliation once it is
    SEND_REJECTED = 2    # refused here (breaker, rate limit, instrument, encoding): see reason
    SEND_FAILED = 3      # the write failed (link going down): a breaker failure; resent later

# the statuses for Python
globals().update(SEND_OK=SEND_OK, SEND_HELD=SEND_HELD, SEND_REJECTED=SEND_REJECTED,
                 SEND_FAILED=SEND_FAILED)


cdef inline int64_t _perf_ns() noexcept nogil:
    # time.perf_counter_ns() on Linux: CLOCK_MONOTONIC, the scale of every stamp in the client
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <int64_t>ts.tv_sec * 1_000_000_000 + ts.tv_nsec


cdef inline int64_t _wall_ms() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_REALTIME, &ts)
    return <int64_t>ts.tv_sec * 1000 + ts.tv_nsec // 1_000_000


def perf_counter_ns() -> int:
    """Return the monotonic clock in ns, as the hot paths read it (= time.perf_counter_ns)."""
    return _perf_ns()


def _ignore(_quote) -> None:
    pass


cdef class ClientCore(WireFirstClient):
    """Hold the sandbox client's hot state and run its quote and order paths in C.

    Subclassed by `SandboxClient`, which sets every field in its `__init__` and keeps `live`
    equal to "state is LIVE". Setting `signer` caches its C order writer; setting `_link` caches
    the picows transport under it (any other link object is called through `send(bytes)`).
    """

    cdef public bint live                 # LIVE: quotes reach the strategy, orders are written
    cdef public object data_engine        # DataEngine (or a callable taking QuoteTicks)
    cdef public object engine             # the ExecutionEngine (ExecutionClient contract)
    cdef public dict _iids                # wire instrument number -> InstrumentId
    cdef public dict _by_iid              # InstrumentId -> Instrument
    cdef public dict _orders              # client order num -> Order: open, in flight, or
    #                                       among the last max_closed_orders closed
    cdef public dict _maybe_open          # the same, less those seen closed
    cdef public dict _sent_ns             # awaiting a first report (round trip)
    cdef public dict _ack_due             # awaiting an ack: num -> perf ns written
    cdef public object _ack_handle        # the ack-check timer, None when not armed
    cdef public CircuitBreaker breaker
    cdef public RateLimiter rate_limiter
    cdef public object _c_orders          # telemetry Counter of orders written
    cdef public LatencyRecorder _tick_to_order
    cdef public int64_t _rx_ns            # perf ns of the quote frame being dispatched, or 0
    cdef public long long quotes_received
    cdef public unsigned int trader_num
    cdef object _link_obj
    cdef WSTransport _transport           # the picows transport under _link_obj, or None
    cdef object _signer
    cdef OrderFrameWriter _writer
    cdef object _clock_ms                 # None: the wall clock, read in C
    cdef int64_t _written_ns              # perf ns after the last write
    cdef str _reject_reason               # why the last wire_send / write refused

    @property
    def _link(self):
        """Return the open link (None while down)."""
        return self._link_obj

    @_link.setter
    def _link(self, link):
        self._link_obj = link
        transport = getattr(link, "transport", None) if link is not None else None
        self._transport = transport if isinstance(transport, WSTransport) else None

    @property
    def signer(self):
        """Return the Signer of this client's frames."""
        return self._signer

    @signer.setter
    def signer(self, signer):
        self._signer = signer
        self._writer = signer.order_writer
        clock_ms = signer.clock_ms
        self._clock_ms = None if clock_ms is wall_clock_ms else clock_ms

    # -- inbound --------------------------------------------------------------------------

    cdef int on_quote_frame(self, const uint8_t *buf, Py_ssize_t n, int64_t rx_ns) except -1:
        # a QUOTES frame of n bytes: to the engine while LIVE (dropped during reconciliation)
        if not self.live:
            return 0
        engine = self.data_engine
        if engine is None:
            dispatch_quote_frame(buf, n, self._iids, None, _ignore)  # a bad frame still raises
            return 0
        self._rx_ns = rx_ns
        try:
            self.quotes_received += dispatch_quote_frame(
                buf, n, self._iids, engine if type(engine) is DataEngine else None, engine)
        finally:
            self._rx_ns = 0
        return 0

    # -- outbound -------------------------------------------------------------------------

    cdef int64_t _now(self) except? -1:
        engine = self.engine
        if type(engine) is ExecutionEngine:
            return (<ExecutionEngine>engine).clock.now_ns()
        return (<object>self).timestamp_ns()

    cdef int wire_send(self, Order order) except -1:
        # write a new order now if breaker, rate limit, link and encoding allow; emit nothing.
        # SEND_OK when the frame is written, else the status wire_after acts on
        cdef int64_t now = self._now()
        if not self.breaker.allow():
            self._reject_reason = f"circuit breaker open for venue {(<object>self).venue}"
            return SEND_REJECTED
        if not self.rate_limiter.try_acquire(now):
            self._reject_reason = (f"rate limited: venue {(<object>self).venue} allows "
                                   f"{self.rate_limiter.rate_per_s:g} requests/s")
            return SEND_REJECTED
        if not self.live:
            return SEND_HELD
        return self._write(order)

    cdef int wire_after(self, Order order, int status) except -1:
        # the order is cached and SUBMITTED: index and stamp it, or reject or hold it
        num = order.client_order_num
        self._orders[num] = order
        self._maybe_open[num] = order
        self._settle_write(order, status)
        if status == SEND_HELD:
            (<object>self)._hold(order)  # stays SUBMITTED; reconciliation sends it
        return 0

    def submit_order(self, Order order not None) -> None:
        """Send a new order; a throttle or an open breaker rejects it at once, locally."""
        self.wire_after(order, self.wire_send(order))

    cpdef _write_order(self, Order order):
        """Sign and write a known order's frame again (a resend); stamp it or fail it."""
        self._settle_write(order, self._write(order))

    cdef int _write(self, Order order) except -1:
        # sign and write; tick-to-order ends here, when the bytes are in the socket
        cdef Instrument ins = self._by_iid.get(order.instrument_id)
        if ins is None:
            self._reject_reason = (f"instrument {order.instrument_id} is not traded on "
                                   f"{(<object>self).venue}")
            return SEND_REJECTED
        cdef int64_t ts_ms = _wall_ms() if self._clock_ms is None else self._clock_ms()
        try:
            frame = self._writer.sign_next(order, ins.numeric_id, ins.price_precision,
                                           ins.size_precision, self.trader_num, ts_ms)
        except ValueError as e:
            self._reject_reason = str(e)
            return SEND_REJECTED
        if not self._send(frame):
            return SEND_FAILED
        cdef int64_t t = _perf_ns()
        self._written_ns = t
        if self._rx_ns:
            self._tick_to_order.add(t - self._rx_ns)
        return SEND_OK

    cdef int _settle_write(self, Order order, int status) except -1:
        # after a write: stamp it for the round trip and the ack check, or report the refusal
        if status == SEND_OK:
            t = self._written_ns
            self._c_orders.value += 1
            num = order.client_order_num
            self._sent_ns[num] = t
            self._ack_due[num] = t  # a resend was popped first (_resend): dict order = send order
            if self._ack_handle is None:
                (<object>self)._arm_ack_check()
        elif status == SEND_REJECTED:
            reason, self._reject_reason = self._reject_reason, None
            (<object>self)._reject_local(order, reason)
        elif status == SEND_FAILED:
            self.breaker.record_failure()  # stays SUBMITTED: reconciliation resends it
        return 0

    cdef bint _send(self, bytes frame) except -1:
        cdef WSTransport t = self._transport
        if t is not None:
            if t.is_disconnected or t.is_close_frame_sent:
                return False
            t.send(WSMsgType.BINARY, frame)
            return True
        link = self._link_obj
        return link is not None and bool(link.send(frame))


cdef class FrameListener(WSListener):
    """Receive the venue's frames from picows as it parses them (no queue, no task to wake).

    A binary message (a fragmented one joined first) that is a QUOTES frame goes to
    `core.on_quote_frame`, from picows' buffer when it came whole; any other goes to
    `on_message(bytes, rx_perf_ns)`. A close frame, a text
    frame or an exception from a handler ends the session: `closed` gets the exception.
    """

    cdef ClientCore core
    cdef public object on_message
    cdef public object closed
    cdef list _parts

    def __init__(self, ClientCore core not None, on_message):
        self.core = core
        self.on_message = on_message
        self.closed = asyncio.get_running_loop().create_future()
        self._parts = None

    cpdef on_ws_connected(self, WSTransport transport):
        sock = transport.underlying_transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    cpdef on_ws_frame(self, WSTransport transport, WSFrame frame):
        cdef int64_t rx = _perf_ns()
        cdef WSMsgType kind = frame.msg_type
        cdef const uint8_t *p
        cdef Py_ssize_t n
        cdef bytes data = None
        if kind == WSMsgType.BINARY and frame.fin and self._parts is None:
            p, n = <const uint8_t *>frame.payload_ptr, frame.payload_size  # picows' buffer
        elif kind == WSMsgType.BINARY or (kind == WSMsgType.CONTINUATION
                                          and self._parts is not None):
            # a fragmented message (the venue does not send these, RFC 6455 allows them)
            if self._parts is None:
                self._parts = []
            self._parts.append(frame.get_payload_as_bytes())
            if not frame.fin:
                return
            data, self._parts = b"".join(self._parts), None
            p, n = <const uint8_t *><const char *>data, len(data)
        elif kind == WSMsgType.CLOSE:
            code = frame.get_close_code()
            self._end(ConnectionError(f"venue closed the link: code {code}"))
            transport.send_close(code)
            transport.disconnect()
            return
        elif kind == WSMsgType.CONTINUATION or kind == WSMsgType.TEXT:
            self._end(ConnectionError("venue sent a text message, expected binary frames"))
            transport.disconnect(False)
            return
        else:
            return  # ping / pong: picows answers pings itself
        try:
            if n > 3 and p[3] == FRAME_QUOTES:
                self.core.on_quote_frame(p, n, rx)
            else:
                self.on_message(frame.get_payload_as_bytes() if data is None else data, rx)
        except Exception as e:  # end the session with it, as a reader task would
            self._end(e)
            transport.disconnect(False)

    cpdef on_ws_disconnected(self, WSTransport transport):
        self._end(ConnectionError("link closed"))

    def _end(self, exc) -> None:
        closed = self.closed
        if not closed.done():
            closed.set_exception(exc)
            closed.exception()  # retrieved: no warning when the session ended first
