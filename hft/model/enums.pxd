# Order, fill and position enums. Side, OrderType and TimeInForce are the core encoding enums
# themselves: C code cimports them from hft.core.encoding, Python imports them from here
# (enums.pyx re-exports them), so an order's numbers are the binary record's numbers.

cpdef enum OrderStatus:
    ORDER_STATUS_INITIALIZED = 1
    ORDER_STATUS_DENIED = 2
    ORDER_STATUS_SUBMITTED = 3
    ORDER_STATUS_ACCEPTED = 4
    ORDER_STATUS_REJECTED = 5
    ORDER_STATUS_CANCELED = 6
    ORDER_STATUS_EXPIRED = 7
    ORDER_STATUS_TRIGGERED = 8
    ORDER_STATUS_PENDING_UPDATE = 9
    ORDER_STATUS_PENDING_CANCEL = 10
    ORDER_STATUS_PARTIALLY_FILLED = 11
    ORDER_STATUS_FILLED = 12

cdef enum:
    ORDER_STATUS_COUNT = 13        # table rows: statuses are 1..12, row 0 unused

# The kind of an order event: the column of the order state-machine table (orders.pyx).
cpdef enum OrderEventKind:
    ORDER_EVENT_DENIED = 1
    ORDER_EVENT_SUBMITTED = 2
    ORDER_EVENT_ACCEPTED = 3
    ORDER_EVENT_REJECTED = 4
    ORDER_EVENT_PENDING_UPDATE = 5
    ORDER_EVENT_PENDING_CANCEL = 6
    ORDER_EVENT_UPDATED = 7
    ORDER_EVENT_MODIFY_REJECTED = 8
    ORDER_EVENT_CANCEL_REJECTED = 9
    ORDER_EVENT_CANCELED = 10
    ORDER_EVENT_EXPIRED = 11
    ORDER_EVENT_TRIGGERED = 12
    ORDER_EVENT_FILLED = 13

cdef enum:
    ORDER_EVENT_KIND_COUNT = 14    # table columns: kinds are 1..13, column 0 unused

cpdef enum LiquiditySide:
    LIQUIDITY_SIDE_NONE = 0
    LIQUIDITY_SIDE_MAKER = 1
    LIQUIDITY_SIDE_TAKER = 2

cpdef enum PositionSide:
    POSITION_SIDE_FLAT = 0
    POSITION_SIDE_LONG = 1
    POSITION_SIDE_SHORT = 2
