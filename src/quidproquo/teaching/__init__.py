"""The seminar's servers: the dashboard and the classroom, over one `play.py` (a person at the table)."""
