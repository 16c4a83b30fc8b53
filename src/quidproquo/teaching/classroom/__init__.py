"""The seminar room: `qpq classroom`, a session where students bargain with each other.

Students join on their own devices by name and join code and are seated in pairs as Washington
and Minsk (the built-in strategy takes a seat nobody fills). Each pair plays one seeded world of
the session's scenario month by month, through the same table as the dashboard's play mode; the
instructor's page shows every pair live, then a debrief against the built-in strategies and
bargaining theory, with an export of every offer and outcome.

One concept per module:

- `store.py`: the SQLite file that holds the whole session (its settings, seats, pairs, moves);
- `table.py`: one pair's game -- rebuilt by replaying its stored moves, whose turn it is, a move;
- `words.py`: what a student reads: bundles, relief and a month's consequences in plain words;
- `room.py`: the session: joining, pairing, moves checked and stored, one table per pair;
- `debrief.py`: the pairs against the built-in strategies and the theory; the export;
- `pages.py`: the HTML pages (server-rendered, no scripts from elsewhere);
- `server.py`: the Starlette routes, and serving them with uvicorn.
"""
