"""Reconcile a node's orders with what a venue reports after a (re)connect.

On every (re)connect, before the strategy resumes, the client asks the venue for its open
orders, its fills since the last fill the node knows, and its positions, and hands the answers
to `Reconciler.plan`. The plan says, in the order the client must act:

1. `fills`: fills the node missed (not seen by trade id), oldest first; the client emits an
   `OrderFilled` for each (preceded by `OrderAccepted` for an order still SUBMITTED);
2. `accepted`: orders the node sent without seeing an ack that the venue lists as open;
3. `resend`: orders still SUBMITTED that the venue does not know at all (never arrived, or
   were submitted while the link was down): sent again with the **same client order id**, so
   a venue that did get the first copy refuses the second as a duplicate;
4. `cancel_again`: orders the node wants canceled (PENDING_CANCEL) that the venue still has open;
5. `lost`: orders the node thinks open that the venue no longer knows (canceled or expired
   while the link was down, after the missed fills): the client closes them (OrderCanceled);
6. `position_diffs`: instruments whose net position differs between node and venue after the
   fills (logged as errors; the venue is the truth, the node never invents fills to match).

Duplicate or out-of-order reports never double a fill: `seen` remembers (client order number,
trade id) for every fill applied, live or replayed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

import msgspec

__all__ = ["PositionDiff", "ReconcilePlan", "ReconcileReport", "Reconciler"]

# order statuses (hft.model.enums.OrderStatus values), read by name to keep this module light
_SUBMITTED = "ORDER_STATUS_SUBMITTED"
_PENDING_CANCEL = "ORDER_STATUS_PENDING_CANCEL"


class PositionDiff(msgspec.Struct, frozen=True, kw_only=True):
    """Name one instrument whose node and venue positions differ (raw, at size_precision)."""

    instrument_num: int
    node_qty_raw: int
    venue_qty_raw: int
    size_precision: int


class ReconcilePlan(msgspec.Struct, kw_only=True):
    """Say what a client must do, in field order, to bring the node in line with the venue."""

    fills: list[Any] = []
    accepted: list[tuple[Any, int]] = []    # (order, venue order number)
    resend: list[Any] = []
    cancel_again: list[Any] = []
    lost: list[Any] = []
    position_diffs: list[PositionDiff] = []
    unknown_fills: int = 0                  # fills of orders this node never sent


class ReconcileReport(msgspec.Struct, frozen=True, kw_only=True):
    """Summarise one reconciliation for logs and tests."""

    missed_fills: int
    accepted: int
    resent: int
    canceled_again: int
    lost: int
    position_diffs: int
    unknown_fills: int

    @classmethod
    def of(cls, plan: ReconcilePlan) -> ReconcileReport:
        """Count the actions of a plan."""
        return cls(missed_fills=len(plan.fills), accepted=len(plan.accepted),
                   resent=len(plan.resend), canceled_again=len(plan.cancel_again),
                   lost=len(plan.lost), position_diffs=len(plan.position_diffs),
                   unknown_fills=plan.unknown_fills)


def _rescale(raw: int, from_p: int, to_p: int) -> int:
    if from_p == to_p:
        return raw
    return raw * 10 ** (to_p - from_p) if to_p > from_p else raw // 10 ** (from_p - to_p)


class Reconciler:
    """Remember which fills the node has applied; plan what to do after a (re)connect."""

    def __init__(self) -> None:
        self.seen: dict[int, set[int]] = {}   # client order num -> trade ids applied
        self.last_fill_ts_ns = 0
        self.count = 0

    def is_new_fill(self, client_order_num: int, trade_id: int) -> bool:
        """Return True the first time a (client order, trade id) pair is offered, then False."""
        ids = self.seen.get(client_order_num)
        if ids is None:
            self.seen[client_order_num] = {trade_id}
            return True
        if trade_id in ids:
            return False
        ids.add(trade_id)
        return True

    def forget(self, client_order_num: int) -> None:
        """Drop an order's trade ids (the client retired it: it no longer knows the order)."""
        self.seen.pop(client_order_num, None)

    def note_fill_time(self, ts_event_ns: int) -> None:
        """Remember the venue time of an applied fill (the next query starts there)."""
        if ts_event_ns > self.last_fill_ts_ns:
            self.last_fill_ts_ns = ts_event_ns

    def plan(self, orders: Mapping[int, Any], open_orders: Iterable[Any], fills: Iterable[Any],
             positions: Iterable[Any], node_positions: Mapping[int, tuple[int, int]],
             only: Collection[int] | None = None) -> ReconcilePlan:
        """Compare the node's orders with the venue's answers; return what to do.

        Parameters
        ----------
        orders:
            Client order number -> Order: the orders this node sent to the venue that are open
            or recently closed (the client retires older closed ones; a fill for one of those
            counts in `unknown_fills`).
        open_orders:
            The venue's open orders (records with `client_order_id`, `venue_order_id`).
        fills:
            The venue's FILLED reports since the last known fill (`client_order_id`,
            `trade_id`, `quantity`, `size_precision`, `ts_event`).
        positions:
            The venue's positions (`instrument_id`, `quantity`, `size_precision`).
        node_positions:
            Instrument number -> (net quantity raw, size precision) the node holds now,
            before the missed fills.
        only:
            Client order numbers to settle (None: every order). Missed fills are applied for
            every order either way; an ack-timeout check on a live link passes the orders
            that timed out, so orders sent after the query are not judged on its answer.
        """
        self.count += 1
        plan = ReconcilePlan()
        missed_qty: dict[int, int] = {}   # client order num -> raw qty missed (order precision)
        net_delta: dict[int, tuple[int, int]] = {}
        for r in sorted(fills, key=lambda r: (r.ts_event, r.trade_id)):
            order = orders.get(r.client_order_id)
            if order is None:
                plan.unknown_fills += 1
                continue
            if r.trade_id in self.seen.get(r.client_order_id, ()):
                continue
            plan.fills.append(r)
            qty = _rescale(r.quantity, r.size_precision, order.size_precision)
            missed_qty[r.client_order_id] = missed_qty.get(r.client_order_id, 0) + qty
            signed = qty if order.is_buy else -qty
            d, p = net_delta.get(r.instrument_id, (0, order.size_precision))
            net_delta[r.instrument_id] = (d + _rescale(signed, order.size_precision, p), p)
        venue_open = {o.client_order_id: o for o in open_orders}
        scope = orders.items() if only is None else \
            [(num, orders[num]) for num in only if num in orders]
        for num, order in scope:
            if not (order.is_open or order.is_inflight):
                continue
            status = order.status.name
            filled_after = order.filled_qty_raw + missed_qty.get(num, 0)
            if filled_after >= order.quantity_raw:
                continue  # the missed fills close it
            v = venue_open.get(num)
            if v is not None:
                if order.venue_order_id is None and status == _SUBMITTED:
                    plan.accepted.append((order, v.venue_order_id))
                if status == _PENDING_CANCEL:
                    plan.cancel_again.append(order)
            elif status == _SUBMITTED and order.venue_order_id is None and num not in missed_qty:
                plan.resend.append(order)
            else:
                plan.lost.append(order)
        venue_pos = {p.instrument_id: (p.quantity, p.size_precision) for p in positions}
        for num in sorted(set(venue_pos) | set(node_positions)):
            node_raw, node_p = node_positions.get(num, (0, 0))
            venue_raw, prec = venue_pos.get(num, (0, node_p))
            d, dp = net_delta.get(num, (0, node_p))
            after = _rescale(node_raw, node_p, prec) + _rescale(d, dp, prec)
            if after != venue_raw:
                plan.position_diffs.append(PositionDiff(
                    instrument_num=num, node_qty_raw=after, venue_qty_raw=venue_raw,
                    size_precision=prec))
        return plan
