"""Every parameter a user can set, with its default, what it allows and what it means: `qpq params`.

The table is read from the schema itself -- the dataclasses of `config/schema.py` for the keys
and defaults, the comment beside (or just above) each field for its meaning, and the ranges and
words that `config/checks.py` enforces -- so it cannot drift from what a run uses.
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
    """(class name, field name) -> the comment beside the field, or the comment block above it."""
    source = Path(schema.__file__).read_text()
    out: dict[tuple[str, str], str] = {}
    klass, above = None, []
    lines = source.splitlines()
    comments = {tok.start[0]: tok.string.lstrip("# ").strip()
                for tok in tokenize.generate_tokens(io.StringIO(source).readline) if tok.type == tokenize.COMMENT}
    for number, line in enumerate(lines, start=1):
        started = re.match(r"class (\w+)", line)
        if started:
            klass, above = started.group(1), []
            continue
        field = re.match(r"    (\w+): ", line)
        if klass and field:
            beside = comments.get(number) if not line.strip().startswith("#") else None
            out[(klass, field.group(1))] = beside or " ".join(above)
            above = []
        elif line.strip().startswith("#"):
            above.append(comments.get(number, ""))
        else:
            above = []
    return out


KINDS = {Any: "a _target_ node", float: "a number", int: "a whole number", bool: "true or false", str: "text", list[str]: "a list of names",
         list[float]: "a list of numbers"}


def first_sentence(text: str) -> str:
    """The meaning's first sentence: one line in the table (the schema has the rest)."""
    return re.split(r"(?<=[.:;])\s", text, maxsplit=1)[0].rstrip(".:;") if text else ""


def rows() -> list[tuple[str, str, str, str]]:
    """(key, default, allowed, meaning) for every parameter, in the schema's order."""
    comments = _comments()
    out = []

    def walk(prefix: str, klass) -> None:
        hints = get_type_hints(klass)
        for field in dataclasses.fields(klass):
            key = f"{prefix}.{field.name}" if prefix else field.name
            if field.name in ENTRY:
                entry = getattr(schema, {"prisoners": "TierConfig", "instruments": "InstrumentConfig", "members": "MemberConfig"}[field.name])
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
            out.append((key, "required" if default == "???" else repr(default), str(allowed), first_sentence(meaning)))

    walk("", schema.Config)
    return out


def table(group: str | None = None) -> str:
    """The parameters as aligned text, those of `group` (a key prefix such as `actors.minsk`) only."""
    chosen = [r for r in rows() if group is None or r[0] == group or r[0].startswith(group + ".")]
    if not chosen:
        raise checks.ConfigError(f"{group}: no such group; allowed: " + ", ".join(sorted({r[0].rsplit('.', 1)[0] for r in rows()})))
    width = max(len(r[0]) for r in chosen)
    lines = [f"{'key':<{width}}  {'default':<16} {'allowed':<24} meaning"]
    for key, default, allowed, meaning in chosen:
        default = default if len(default) <= 16 else default[:15] + "…"
        lines.append(f"{key:<{width}}  {default:<16} {allowed:<24} {meaning}")
    return "\n".join(lines)
