"""Every parameter a user can set, with its default, what it allows and what it means: `qpq params`.

The table is read from the schema itself -- the dataclasses of `config/schema.py` for the keys
and defaults, the comment beside each field for its meaning (every field has one; a comment
block above a few fields explains them together in the source and is not a meaning), and the
ranges and words that `config/checks.py` enforces -- so it cannot drift from what a run uses.
With a scenario, the value that scenario's composed config uses stands beside the default, and
the tiers, instruments and EU members are listed by name.
"""

from __future__ import annotations

import dataclasses
import io
import re
import tokenize
from pathlib import Path
from typing import Any, get_type_hints

from quidproquo.config import checks, schema

ENTRY = {"prisoners": "*", "instruments": "*", "members": "*"}  # dict fields whose entries are a dataclass


def _comments() -> dict[tuple[str, str], str]:
    """(class name, field name) -> the comment beside the field (empty where it has none)."""
    source = Path(schema.__file__).read_text()
    out: dict[tuple[str, str], str] = {}
    klass = None
    lines = source.splitlines()
    comments = {
        tok.start[0]: tok.string.lstrip("# ").strip()
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }
    for number, line in enumerate(lines, start=1):
        started = re.match(r"class (\w+)", line)
        if started:
            klass = started.group(1)
            continue
        field = re.match(r"    (\w+): ", line)
        if klass and field:
            out[(klass, field.group(1))] = comments.get(number, "")
    return out


KINDS = {
    Any: "a _target_ node",
    float: "a number",
    int: "a whole number",
    bool: "true or false",
    str: "text",
    list[str]: "a list of names",
    list[float]: "a list of numbers",
}


def first_sentence(text: str) -> str:
    """The meaning's first sentence (the comments are one line each; a second sentence stays in the schema)."""
    return re.split(r"(?<=\.)\s", text, maxsplit=1)[0].rstrip(".") if text else ""


def shown(value) -> str:
    """A value as the table shows it, whole: a `_target_` node as its function and arguments."""
    if isinstance(value, dict) and "_target_" in value:
        arguments = ", ".join(f"{k}={v!r}" for k, v in value.items() if k != "_target_")
        return f"{value['_target_']}({arguments})" if arguments else str(value["_target_"])
    if isinstance(value, str):
        return repr(value)
    return repr(value)


def rows() -> list[tuple[str, str, str, str]]:
    """(key, default, allowed, meaning) for every parameter, in the schema's order."""
    comments = _comments()
    out = []

    def walk(prefix: str, klass) -> None:
        hints = get_type_hints(klass)
        for field in dataclasses.fields(klass):
            key = f"{prefix}.{field.name}" if prefix else field.name
            if field.name in ENTRY:
                entry = getattr(
                    schema,
                    {"prisoners": "TierConfig", "instruments": "InstrumentConfig", "members": "MemberConfig"}[
                        field.name
                    ],
                )
                walk(f"{key}.*", entry)
                continue
            kind = hints[field.name]
            if dataclasses.is_dataclass(kind):
                walk(key, kind)
                continue
            if field.name in ("events", "name", "description"):
                continue
            default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
            if field.name == "strategy" and default is None:
                default = schema.STRATEGIES.get(prefix.rsplit(".", 1)[-1])
            allowed = checks.RANGES.get(key) or ", ".join(checks.CHOICES.get(key, ())) or KINDS.get(kind, str(kind))
            meaning = comments.get((klass.__name__, field.name), "")
            out.append((key, "required" if default == "???" else shown(default), str(allowed), first_sentence(meaning)))

    walk("", schema.Config)
    return out


def scenario_rows(cfg) -> list[tuple[str, str, str, str, str]]:
    """(key, default, the scenario's value, allowed, meaning): `rows()` with each `*` entry
    (tier, instrument, EU member) named as the composed config has them."""
    out = []
    for key, default, allowed, meaning in rows():
        if "*" not in key:
            value = checks.value_of(cfg, key)
            if value is None and key.endswith(".strategy"):
                value = schema.STRATEGIES.get(key.split(".")[1])
            out.append((key, default, shown(value), allowed, meaning))
            continue
        parent, _, rest = key.partition(".*.")
        for name in checks.value_of(cfg, parent):
            concrete = f"{parent}.{name}.{rest}"
            out.append((concrete, default, shown(checks.value_of(cfg, concrete)), allowed, meaning))
    return out


def table(group: str | None = None, scenario: str | None = None, overrides: tuple[str, ...] = ()) -> str:
    """The parameters as aligned text, those of `group` (a key prefix such as `actors.minsk`)
    only; with `scenario`, the value that scenario uses beside each default (a changed value
    marked *)."""
    if scenario is None:
        every = [(k, d, None, a, m) for k, d, a, m in rows()]
    else:
        from quidproquo.config.compose import load

        every = scenario_rows(load([f"scenario={scenario}", *overrides]))
    chosen = [r for r in every if group is None or r[0] == group or r[0].startswith(group + ".")]
    if not chosen:
        groups = sorted({r[0].rsplit(".", 1)[0] for r in every})
        raise checks.ConfigError(f"{group}: no such group; allowed: " + ", ".join(groups))
    width = max(len(r[0]) for r in chosen)
    given = max(len("default"), *(len(r[1]) for r in chosen))
    header = f"{'key':<{width}}  {'default':<{given}}  "
    if scenario is not None:
        used = max(len(scenario), *(len(r[2]) + 2 for r in chosen))
        header += f"{scenario:<{used}}  "
    allowed_width = max(len("allowed"), *(len(r[3]) for r in chosen))
    lines = [header + f"{'allowed':<{allowed_width}}  meaning"]
    for key, default, value, allowed, meaning in chosen:
        line = f"{key:<{width}}  {default:<{given}}  "
        if scenario is not None:
            mark = " *" if value != default and default != "required" else ""
            line += f"{value + mark:<{used}}  "
        lines.append(line + f"{allowed:<{allowed_width}}  {meaning}".rstrip())
    if scenario is not None:
        lines.append(f"(* {scenario} changes the default)")
    return "\n".join(lines)
