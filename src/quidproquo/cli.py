"""The `qpq` command: `qpq run OVERRIDES...` and `qpq scenarios`.

`qpq run` is a thin wrapper around Hydra: it first composes and checks the config itself, so a
user mistake ends in one line on stderr and exit code 2 before any output folder exists; then it
hands the same overrides to `@hydra.main`, which makes the run folder and `.hydra/`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from quidproquo.config import ConfigError, conf_dir, from_dictconfig, load, register
from quidproquo.model import BargainingModel

USAGE = """usage: qpq COMMAND [KEY=VALUE ...]

commands:
  run        run a scenario: qpq run scenario=thaw engine.worlds=1000 hydra.run.dir=DIR
  scenarios  list the scenarios with their descriptions
"""
EXIT_USAGE = 2


def fail(message: str) -> None:
    print(f"qpq: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def check(overrides: list[str]) -> None:
    """Compose the config and build a one-world model, so every user mistake surfaces here."""
    mine = [o for o in overrides if not o.lstrip("+~").startswith(("hydra.", "hydra/"))]
    try:
        cfg = load(mine)
        cfg.engine.worlds = 1
        BargainingModel(config=cfg)
    except ConfigError as err:
        fail(str(err))


register()


@hydra.main(config_path=str(conf_dir()), config_name="config", version_base="1.3")
def _run(dict_cfg: DictConfig) -> None:
    from quidproquo.runner import run

    try:
        cfg = from_dictconfig(dict_cfg)
    except ConfigError as err:
        fail(str(err))
    folder = Path(HydraConfig.get().runtime.output_dir)
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    run(cfg, folder)
    print(f"qpq: {cfg.name}: {cfg.engine.worlds:,} worlds x {cfg.engine.rounds} rounds -> {folder}")


def scenarios() -> None:
    """Print each scenario's name and one-line description."""
    for path in sorted((conf_dir() / "scenario").glob("*.yaml")):
        description = (yaml.safe_load(path.read_text()) or {}).get("description", "")
        print(f"{path.stem:<24} {description}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    command, overrides = argv[0], argv[1:]
    if command == "scenarios":
        scenarios()
    elif command == "run":
        check(overrides)
        sys.argv = [f"qpq {command}", *overrides]
        _run()
    else:
        fail(f"unknown command {command!r}; allowed: run, scenarios")


if __name__ == "__main__":
    main()
