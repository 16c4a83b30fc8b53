"""The browser dashboard: `qpq dashboard` serves a Mesa SolaraViz page of the bargaining model.

A seminar changes parameters with sliders, watches every world's prisoners held, relief,
sanctions cost and Moscow's pressure month by month, reads world 0's event log in plain words,
and can play Washington's or Minsk's seat at the table (`play.py`). What the page may set is
whitelisted in `controls.py`; the page itself is `app.py`; `serve.py` starts the server.
"""
