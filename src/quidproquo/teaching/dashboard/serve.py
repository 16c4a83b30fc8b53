"""Serve the dashboard page through the gate (`gate.py`), on 127.0.0.1 unless told otherwise.

`serve` replaces the current process with `python -m quidproquo.teaching.dashboard.gate`, which runs
uvicorn on Solara's application behind the gate, so Ctrl-C (SIGINT) and a supervisor's SIGTERM
reach uvicorn directly and it shuts down cleanly; nothing is left running behind a wrapper. On
an address other than loopback the gate prints a warning and the access token a visitor needs.
"""

from __future__ import annotations

import os
import sys


def command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "quidproquo.teaching.dashboard.gate", "--host", host, "--port", str(port)]


def environment(scenario: str) -> dict[str, str]:
    env = dict(os.environ)
    env["QPQ_DASHBOARD_SCENARIO"] = scenario
    # The page must work without the internet: no telemetry, and the browser assets come from
    # the solara-assets package (served from its local cache by Solara's asset proxy).
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    env["SOLARA_MODE"] = "production"
    return env


def serve(host: str, port: int, scenario: str) -> None:
    argv = command(host, port)
    os.execve(argv[0], argv, environment(scenario))
