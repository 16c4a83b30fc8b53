"""Serve the dashboard page with Solara's own server (uvicorn), on 127.0.0.1 unless told otherwise.

`serve` replaces the current process with `python -m solara run quidproquo.dashboard.app`, so
Ctrl-C (SIGINT) and a supervisor's SIGTERM reach uvicorn directly and it shuts down cleanly;
nothing is left running behind a wrapper.
"""

from __future__ import annotations

import os
import sys

APP = "quidproquo.dashboard.app"


def command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(port),
            "--production", "--no-open", "--no-check-version", "--log-level", "warning"]


def environment(scenario: str) -> dict[str, str]:
    env = dict(os.environ)
    env["QPQ_DASHBOARD_SCENARIO"] = scenario
    # The page must work without the internet: no telemetry, and the browser assets come from
    # the solara-assets package (served from its local cache by Solara's asset proxy).
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    return env


def serve(host: str, port: int, scenario: str) -> None:
    print(f"qpq: dashboard at http://{host}:{port}/ (scenario {scenario}); Ctrl-C stops it", flush=True)
    argv = command(host, port)
    os.execve(argv[0], argv, environment(scenario))
