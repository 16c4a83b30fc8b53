"""What a student reads: bundles, relief and a month's consequences in plain words.

Tiers and relief are worded by the model's event log (`engine.record.EventLog`: `tier_list`,
`relief_words`), the one home of that wording, and its code names become the labels of
`quidproquo.labels` (the table the figures and the dashboard use, `labels.in_words`), so a
student reads "rank-and-file" and "potash (US)", never `rank_and_file`. Lines of the model's
event log that the page shows as they are (a scenario's dated events, snapbacks, the EU's votes)
get the same labels in place of code names.
"""

from __future__ import annotations

import re

import numpy as np

from quidproquo.labels import LABELS, in_words

_ONE = re.compile(r"(?<![\d,.])1 foreign nationals")  # the label is plural: one person is "1 foreign national"


def people(counts: np.ndarray, model) -> str:
    """'12 (10 rank-and-file, 2 foreign nationals)', or 'nobody': the event log's tier list in words."""
    if not np.any(counts):
        return "nobody"
    return _ONE.sub("1 foreign national", in_words(model.events.tier_list(counts)))


def relief(steps: np.ndarray, before: np.ndarray, model) -> str:
    """'potash (US) licence, Belavia (US) licence + general licence' for `steps` of relief per
    instrument on top of the levels `before`; 'no relief' if there are none: the event log's
    relief words, in words."""
    return in_words(model.events.relief_words(steps, before)).removeprefix("relief: ")


def sentence(text: str) -> str:
    """The text with its first letter a capital (and the rest as it was: 'Minsk' stays)."""
    return text[:1].upper() + text[1:]


def number(value: float) -> str:
    """A utility or a cost for people: '1,234.5', '-12.3'."""
    return f"{value:,.1f}"


def bundle(talk, candidate: int, model) -> str:
    """'release 12 (12 foreign nationals) for potash (US) licence'."""

    def words() -> str:
        releases, steps = talk.bundle(candidate)
        return f"release {people(releases, model)} for {relief(steps, talk.level, model)}"

    return talk.remembered(("bundle words", candidate), words)


def offer_line(talk, step: int, model, role: str | None, verdict: bool = True) -> str:
    """'Washington (you) offered: release ... -- Minsk refused.'"""
    made = talk.offers[step]
    other = "Minsk" if made.proposer == "washington" else "Washington"
    who = made.proposer.capitalize() + (" (you)" if made.proposer == role else "")
    kind = "offered" if step == 0 else "counter-offered"
    line = f"{who} {kind}: {bundle(talk, made.candidate, model)}"
    if verdict:
        line += f" -- {other}{' (you)' if other.lower() == role else ''} {'accepted' if made.accepted else 'refused'}."
    return line


QUIET = {"visit", "offer", "deal", "pardon"}  # log lines the month's own sentences already say


def month_lines(model, talk, role: str | None) -> list[str]:
    """A played month's talks and consequences, in plain words, for the pair's page."""
    return talk.remembered(("lines", role), lambda: _month_lines(model, talk, role))


def _month_lines(model, talk, role: str | None) -> list[str]:
    r, record = talk.month, model.recorder
    lines = [
        in_words(e[5])
        for e in model.events.rows
        if e[0] == 0 and e[1] == r and e[4] not in QUIET and e[3] == "scenario"
    ]
    if not talk.held:
        lines.append("No envoy visit: no talks this month.")
    elif not talk.offers:
        lines.append("Envoy visit, but no bundle was worth talking about: no offers.")
    for step in range(len(talk.offers)):
        lines.append(offer_line(talk, step, model, role))
    if talk.deal is not None:
        releases, steps = talk.bundle(talk.deal)
        lines.append(
            f"Deal: Minsk releases {people(releases, model)}; Washington grants {relief(steps, talk.level, model)}."
        )
    elif talk.offers:
        lines.append("No deal this month.")
    flows = record.tier_flows
    lines.append(f"New political arrests: {people(flows['arrests'][r, 0], model)}.")
    if flows["released_pardon"][r, 0].any():
        lines.append(f"Minsk pardons {people(flows['released_pardon'][r, 0], model)}.")
    if flows["completed"][r, 0].any():
        lines.append(f"Sentences ended: {people(flows['completed'][r, 0], model)}.")
    lines += [
        sentence(in_words(e[5])) + "."
        for e in model.events.rows
        if e[0] == 0 and e[1] == r and e[4] not in QUIET and e[3] != "scenario"
    ]
    lines.append(
        f"{sentence(LABELS['prisoners_held'].text)} at the month's end: {int(record.prisoners[r, 0].sum()):,}."
    )
    levels = record.levels[r, 0]
    lines.append(f"Relief in force: {relief(levels, np.zeros_like(levels), model)}.")
    lines.append(
        f"{sentence(LABELS['moscow_pressure'].text)}: {record.moscow_pressure[r, 0]:.2f} (0 = none, 1 = the most)."
    )
    lines.append(f"{sentence(LABELS['sanctions_cost'].text)}: {number(record.sanctions_cost[r, 0])} USD m a month.")
    return lines
