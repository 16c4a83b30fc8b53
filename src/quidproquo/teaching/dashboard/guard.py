"""The page Solara serves: the dashboard (`app.Page`) inside an error boundary.

Whatever a visitor's browser sends -- a click in a race, or a widget value no control would
send -- an error while handling it must not replace the page with a traceback naming server
paths. The boundary catches any exception raised by the page's components or their event
handlers, writes the traceback to the server's log (where the person running the server, and
the tests, read it) and shows the visitor one line and a button that starts the page afresh.
"""

from __future__ import annotations

import sys
import traceback

import solara

from quidproquo.teaching.dashboard import app


def one_line(error: BaseException) -> str:
    """What the visitor reads: the error's own first line, never a path or a stack."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"qpq: the page could not take that: {text[:200]}"


@solara.component
def Layout(children=[]):  # noqa: B006 -- Solara's own signature for a layout
    """Solara's AppLayout (the sidebar and the page) inside the boundary: the sidebar's controls
    are rendered by the layout, not by the page, so only a boundary around it catches theirs."""
    error, clear = solara.use_exception()

    def log():
        if error is not None:
            print("qpq: dashboard: a visitor's action failed:", file=sys.stderr)
            traceback.print_exception(error, file=sys.stderr)
            sys.stderr.flush()

    solara.use_effect(log, [error])
    if error is not None:
        with solara.Card(classes=["qpq-error"]):
            solara.Error(one_line(error))
            solara.Button("Start the page afresh", on_click=clear, color="primary", classes=["qpq-error-continue"])
        return
    solara.AppLayout(children=children)


Page = app.Page
