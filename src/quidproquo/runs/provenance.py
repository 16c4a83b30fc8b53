"""What a run folder records about how it was made, so that it can be made again from itself.

Every run folder gets `config.yaml` (the full resolved config, seed included) and `run.json`
(package version, the git commit of the source when it is a checkout, the seed, the time).
`qpq rerun DIR` rebuilds the config from `config.yaml` alone.
"""

from __future__ import annotations

import enum
import functools
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import yaml
from omegaconf import OmegaConf
from omegaconf._utils import get_omega_conf_dumper
from omegaconf.errors import OmegaConfBaseException

from quidproquo.config import Config, ConfigError, from_dictconfig
from quidproquo.config.compose import structured
from quidproquo.runs import storage


@functools.cache
def git_commit() -> str | None:
    """The commit of the source checkout this package runs from, with `+dirty` if it has edits."""
    return commit_of(Path(__file__).resolve().parents[3])


def commit_of(source: Path) -> str | None:
    """The commit checked out in `source`, with `+dirty` if its tracked files have edits; None
    outside a git checkout. Reads only: it writes nothing into the checkout, not even git's lock."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
        if commit.returncode != 0:
            return None
        # --no-optional-locks: a status that refreshes the index takes .git/index.lock; a run
        # killed meanwhile (Ctrl-C, a kill of its group) would leave the lock, and every git
        # command in the checkout would then refuse.
        dirty = subprocess.run(
            ["git", "-C", str(source), "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
        return commit.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def config_yaml(cfg: Config) -> str:
    """The resolved config as YAML, as `OmegaConf.to_yaml` writes it (its dumper, its options),
    byte for byte; a callable passed in from Python is written by name. The plain tree is dumped
    directly: building a DictConfig of it first only to dump it again cost three times as long
    (~15 ms of each run). The dumper is OmegaConf's own (`omegaconf._utils`; omegaconf is pinned
    below 2.4): it quotes a string that YAML would read as another type."""

    def plain(node):
        if callable(node):
            return {"_target_": f"{node.__module__}.{node.__qualname__}"}
        if hasattr(node, "__dataclass_fields__"):
            return {k: plain(getattr(node, k)) for k in node.__dataclass_fields__}
        if isinstance(node, dict):
            return {k: plain(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [plain(v) for v in node]
        if isinstance(node, enum.Enum):  # as OmegaConf.to_yaml writes one: its name
            return node.name
        return node

    return yaml.dump(
        plain(cfg), default_flow_style=False, allow_unicode=True, sort_keys=False, Dumper=get_omega_conf_dumper()
    )


def write(cfg: Config, folder: Path) -> None:
    from quidproquo import __version__

    storage.write_text(config_yaml(cfg), Path(folder) / "config.yaml")
    about = {
        "quidproquo": __version__,
        "git_commit": git_commit(),
        "seed": cfg.engine.seed,
        "scenario": cfg.name,
        "written": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    storage.write_text(json.dumps(about, indent=2) + "\n", Path(folder) / "run.json")


def load_config(folder: Path) -> Config:
    """The config a finished run folder was made with, validated like any other."""
    path = Path(folder) / "config.yaml"
    if not path.exists():
        raise ConfigError(f"{folder}: not a run folder (no config.yaml)")
    try:
        schema = structured()
        return from_dictconfig(OmegaConf.merge(schema, OmegaConf.load(path)))
    except (OmegaConfBaseException, ValueError, yaml.YAMLError, AttributeError) as err:
        raise ConfigError(f"{path}: not a readable run config ({' '.join(str(err).split())[:160]})") from None
