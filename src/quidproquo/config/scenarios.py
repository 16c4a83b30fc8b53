"""Where scenarios live, and which file and line a mistake in one comes from.

The scenario folders are `conf/scenario/` (or $QPQ_CONF) and the folders a user adds with
`hydra.searchpath`; a scenario inherits from the scenarios its `defaults` list names. A key
that is wrong in a file, not on the command line, is reported with that file and line in front
(`scenarios/mine.yaml: line 7: actors.minsk.goodwil: unknown key`); a scenario that does not
exist gets the close names and how to add a folder of one's own.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from quidproquo.config.schema import DEFAULT_SCENARIO


def conf_dir() -> Path:
    """The Hydra config folder: $QPQ_CONF, else `conf/` at the top of the source checkout."""
    return Path(os.environ.get("QPQ_CONF", Path(__file__).resolve().parents[3] / "conf"))


def scenario_names(group: str = "scenario") -> list[str]:
    """Every scenario (or case, policy, behaviour), subfolders included (`theory/rubinstein`)."""
    folder = conf_dir() / group
    return sorted(p.relative_to(folder).with_suffix("").as_posix() for p in folder.rglob("*.yaml"))


def alone(overrides) -> list[str]:
    """A case or a policy named without a scenario runs alone: the default scenario (thaw, which
    is a case and a policy of its own) is dropped, and the actors behave as the posterior says
    (conf/behaviour/posterior.yaml) unless a `behaviour=` is named. Other overrides pass as given."""
    overrides = list(overrides)
    named = {o.split("=", 1)[0].lstrip("+~") for o in overrides}
    if not {"case", "policy"} & named or "scenario" in named:
        return overrides
    return [*overrides, "~scenario", *([] if "behaviour" in named else ["behaviour=posterior"])]


SCENARIO_DIR_HINT = (
    "a scenario of your own goes in DIR/scenario/NAME.yaml, added with --scenario-dir DIR "
    "(or hydra.searchpath=[file://DIR])"
)


def no_such(group: str, choice: str, options: list[str]) -> str:
    """`scenario=thwa: no such scenario; allowed: ...; did you mean thaw?` and, for a scenario,
    how to add a folder of one's own."""
    import difflib

    close = difflib.get_close_matches(choice, options, n=3, cutoff=0.6)
    out = f"{group}={choice}: no such {group}; allowed: {', '.join(options)}"
    if close:
        out += f"; did you mean {' or '.join(close)}?"
    if group == "scenario":
        out += f"{' ' if close else '; '}{SCENARIO_DIR_HINT[0].upper() if close else SCENARIO_DIR_HINT[0]}{SCENARIO_DIR_HINT[1:]}"
    return out


def search_roots(overrides) -> list[Path]:
    """The config folders a composition reads, in Hydra's order of precedence: the folders of
    `hydra.searchpath` overrides, then the project's."""
    roots = []
    for o in overrides:
        if o.startswith("hydra.searchpath="):
            roots += [
                Path(p.strip().strip("'\"").removeprefix("file://"))
                for p in o.split("=", 1)[1].strip("[]").split(",")
                if p.strip()
            ]
    return [*roots, conf_dir()]


def scenario_files(overrides) -> list[Path]:
    """The chosen scenario's file and the files it inherits from (its `defaults` list), nearest first."""
    chosen = [o.split("=", 1)[1] for o in overrides if o.startswith("scenario=")]
    todo, out = [chosen[-1] if chosen else DEFAULT_SCENARIO], []
    while todo and len(out) < 20:
        name = todo.pop(0)
        for root in search_roots(overrides):
            path = root / "scenario" / f"{name}.yaml"
            if path.is_file() and path not in out:
                out.append(path)
                try:
                    defaults = (yaml.safe_load(path.read_text()) or {}).get("defaults") or []
                except (yaml.YAMLError, AttributeError):
                    defaults = []
                todo += [d for d in defaults if isinstance(d, str) and d != "_self_"]
                break
    return out


def _line_of(path: Path, key: str) -> int | None:
    """The line of `path` (a YAML mapping) that sets dotted `key` (or `events[N]`), if it does."""
    try:
        node = yaml.compose(path.read_text())
    except yaml.YAMLError:
        return None
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", key)
    line = None
    for part in parts:
        if part.startswith("[") and isinstance(node, yaml.SequenceNode):
            index = int(part[1:-1])
            if index >= len(node.value):
                return None
            node = node.value[index]
            line = node.start_mark.line + 1
            continue
        if not isinstance(node, yaml.MappingNode):
            return None
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == part:
                node, line = v, k.start_mark.line + 1
                break
        else:
            return None
    return line


def locate(message: str, overrides) -> str:
    """A mistake that comes from a scenario file, not the command line, with the file and line
    that set it in front: `scenarios/mine.yaml: line 7: actors.minsk.goodwil: unknown key`."""
    key = re.match(r"([A-Za-z_][\w.]*(?:\[\d+\])?)", message)
    if not key or key.group(1) in ("scenario", "hydra") or re.match(r"/|\w+\.yaml", message):
        return message
    key = key.group(1)
    given = {o.split("=", 1)[0].lstrip("+~") for o in overrides}
    if key in given:
        return message
    for path in scenario_files(overrides):
        line = _line_of(path, key)
        if line is not None:
            return f"{path}: line {line}: {message}"
    return message
