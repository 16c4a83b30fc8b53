"""What the command line's overrides are: which are plain values (`is_value_override`), which
shape our config rather than Hydra's run (`own`), and that a value given there holds for the
whole run over a scenario's dated event (`keep_overrides`)."""

from __future__ import annotations

import sys

from quidproquo.config.checks import month
from quidproquo.config.schema import Config


def beyond_the_horizon(cfg: Config) -> list[str]:
    """Notices for the scenario's events dated after the run's last month (a shortened run):
    they never happen, which is said, not silently assumed."""
    start = month(cfg.engine.start, "engine.start")
    end = start + (cfg.engine.rounds - 1)
    return [
        f"qpq: note: events[{i}] ({event.date}{': ' + event.text if event.text else ''}) falls after the run's last month "
        f"{end}, so it never happens"
        for i, event in enumerate(cfg.events)
        if month(event.date, "events.date") > end
    ]


def keep_overrides(cfg: Config, overrides, notify: bool = True) -> list[str]:
    """A value given on the command line holds for the whole run: where a dated event of the
    scenario would change the same key, that change is dropped from the event (the event's other
    changes stay), and a one-line notice on stderr names both. Returns the notices."""
    given = {o.split("=", 1)[0] for o in overrides if is_value_override(o)}
    notices = []
    for event in cfg.events:
        for key in sorted(given & set(event.changes)):
            notices.append(
                f"qpq: note: {key} is set on the command line, so the scenario's event of {event.date} "
                f"({key} = {event.changes[key]!r}) is skipped for it"
            )
            del event.changes[key]
    notices += beyond_the_horizon(cfg)
    if notify:
        for line in notices:
            print(line, file=sys.stderr)
    return notices


def own(overrides: list[str]) -> list[str]:
    """The overrides that shape our config: ours, and Hydra's search path (a user's own
    scenario folder), but not Hydra's run settings or flags."""
    return [
        o
        for o in overrides
        if o.startswith("hydra.searchpath=") or not o.lstrip("+~").startswith(("hydra.", "hydra/", "-"))
    ]


def is_value_override(override: str) -> bool:
    """A plain `a.b=value` override (not a group choice like `scenario=thaw`, nor +/~ edits)."""
    key = override.split("=", 1)[0]
    return "=" in override and "." in key and not key.startswith(("+", "~", "hydra"))
