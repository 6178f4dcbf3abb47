# Actor and Strategy: the base classes user code subclasses (in Python or in a .pyx).
from hft.kernel.cache cimport Cache
from hft.kernel.clock cimport Clock
from hft.kernel.data_engine cimport DataEngine, DataHandler
from hft.kernel.execution_engine cimport ExecutionEngine
from hft.kernel.msgbus cimport MessageBus
from hft.kernel.portfolio cimport Portfolio
from hft.model.identifiers cimport ClientOrderIdGenerator, StrategyId, TraderId
from hft.model.orders cimport Order


cdef class Actor(DataHandler):
    cdef readonly StrategyId id
    cdef readonly object config
    cdef readonly TraderId trader_id
    cdef readonly Clock clock
    cdef readonly Cache cache
    cdef readonly Portfolio portfolio
    cdef readonly MessageBus msgbus
    cdef readonly object log
    cdef readonly bint is_running
    cdef DataEngine _data
    cdef list _timer_names

    cdef int _check_registered(self, str what) except -1


cdef class Strategy(Actor):
    cdef ExecutionEngine _exec
    cdef ClientOrderIdGenerator _ids

    cdef Order _make(self, object instrument_id, int side, int order_type, object quantity,
                     object price, object trigger_price, int time_in_force,
                     long long expire_time_ns, bint post_only, bint reduce_only, object tags)
