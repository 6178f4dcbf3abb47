"""docs/orders.md shows the order state machine; it must be the table the code runs."""

from pathlib import Path

from hft.model import OrderEventKind, OrderStatus, transition_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "orders.md"
MARKERS = {"FILL": "PARTIALLY_FILLED or FILLED", "SAME": "(unchanged)",
           "KEEP_PENDING": "(stays pending ¹)", "PREVIOUS": "(status before the request)"}


def render_table() -> str:
    """Return the Markdown table of (state, event) -> next state."""
    table = transition_table()
    kinds = list(OrderEventKind)
    lines = ["| state \\ event | " + " | ".join(k.name.removeprefix("ORDER_EVENT_") for k in kinds) + " |",
             "|---|" + "---|" * len(kinds)]
    for status in OrderStatus:
        cells = []
        for kind in kinds:
            nxt = table.get((status, kind))
            if nxt is None:
                cells.append("·")
            elif isinstance(nxt, str):
                cells.append(MARKERS.get(nxt, nxt))
            else:
                cells.append(nxt.name.removeprefix("ORDER_STATUS_"))
        lines.append(f"| **{status.name.removeprefix('ORDER_STATUS_')}** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_docs_table_is_the_code_table():
    text = DOC.read_text()
    start = text.index("<!-- table:begin -->") + len("<!-- table:begin -->\n")
    end = text.index("<!-- table:end -->")
    assert text[start:end].strip() == render_table(), (
        "docs/orders.md is out of date: paste tests.docs.test_orders_doc.render_table() output")


if __name__ == "__main__":
    print(render_table())
