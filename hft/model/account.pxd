# A cash account: per-currency total and locked balances. Balances move on fills only (plus
# deposits, withdrawals and locks), so the arithmetic is on Python ints of currency raw units.
from hft.model.events cimport OrderFilled
from hft.model.identifiers cimport AccountId
from hft.model.instruments cimport Instrument
from hft.model.objects cimport Currency, Money


cdef class CashAccount:
    cdef readonly AccountId account_id
    cdef readonly Currency base_currency      # None: multi-currency
    cdef dict _total                          # Currency -> raw int (Python int)
    cdef dict _locked                         # Currency -> raw int
    cdef readonly int fill_count

    cdef int _check_currency(self, Currency cur) except -1
    cdef int _commit(self, dict total_delta, dict locked_delta, object what) except -1
