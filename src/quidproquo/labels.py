"""Human labels and units for every key a person sees (figures, reports, the dashboard), and one
colour per scenario. One table, so a figure, a report and the dashboard name a thing the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    text: str
    unit: str = ""

    def __str__(self) -> str:
        return f"{self.text} ({self.unit})" if self.unit else self.text


LABELS: dict[str, Label] = {
    # outcomes and series
    "prisoners_held": Label("political prisoners held", "people"),
    "prisoners_held_final": Label("political prisoners held at the end", "people"),
    "net_change": Label("net change in prisoners held", "people"),
    "total_released": Label("prisoners released", "people"),
    "total_arrested": Label("new political arrests", "people"),
    "released_deal": Label("released in deals", "people"),
    "released_pardon": Label("pardoned", "people"),
    "released_completion": Label("sentences ended", "people"),
    "arrests": Label("new political arrests", "people a month"),
    "deals": Label("deals", "per world"),
    "first_deal_round": Label("month of the first deal", "months from the start"),
    "sanctions_cost": Label("cost of the sanctions in force to Minsk", "USD m a month"),
    "moscow_pressure": Label("Moscow's pressure on Minsk", "0-1"),
    "mobilisation": Label("opposition mobilisation", "0-1"),
    "repression": Label("Minsk's repression", "x base arrest rate"),
    # tiers
    "rank_and_file": Label("rank-and-file"),
    "prominent": Label("prominent"),
    "foreign": Label("foreign nationals"),
    # instruments
    "envoy_visits": Label("envoy visits (US)"),
    "belavia": Label("Belavia (US)"),
    "embassy": Label("embassy (US)"),
    "potash": Label("potash (US)"),
    "petroleum": Label("petroleum (US)"),
    "airspace_belavia": Label("airspace ban (EU)"),
    "potash_transit": Label("potash transit (EU)"),
    "sectoral_packages": Label("sectoral packages (EU)"),
    # parameters people sweep
    "actors.washington.engagement": Label("US envoy visit probability", "a month"),
    "actors.washington.channel_value": Label("US value of the channel to Moscow", "US utility"),
    "actors.washington.snapback_ratio": Label("US snapback threshold", "x base arrests"),
    "actors.minsk.hostage_elasticity": Label("Minsk's hostage-market elasticity"),
    "actors.minsk.goodwill": Label("Minsk's goodwill pardons around visits"),
    "actors.moscow.responsiveness": Label("Moscow's responsiveness to drift"),
    "actors.opposition.lobbying": Label("opposition lobbying"),
    "actors.minsk.repression_adjust": Label("Minsk's speed of repression changes", "share a month"),
    "actors.eu.hawk_threshold": Label("EU hawks' threshold for relief", "0-1"),
    "actors.eu.dove_threshold": Label("EU doves' threshold for relief", "0-1"),
    "engine.worlds": Label("worlds"),
    "engine.seed": Label("seed"),
    # actors, as a sentence names them
    "washington": Label("Washington"),
    "minsk": Label("Minsk"),
    "moscow": Label("Moscow"),
    "eu": Label("EU"),
    "opposition": Label("opposition"),
    "scenario": Label("timeline"),
    # the dashboard's indicators
    "instruments_relieved": Label("sanctions lifted or suspended", "of all US and EU"),
}

# Scenario files by the name a seminar gives them (the file's own `description` says more).
SCENARIO_NAMES = {
    "thaw": "Thaw: US envoys engage",
    "freeze": "Freeze: no talks",
    "belarus_2025": "Belarus 2024-26",
    "belarus_2025_calibrated": "Belarus 2024-26, fitted",
}

SCENARIO_COLOURS = {"thaw": "#08519c", "freeze": "#cb181d"}
PALETTE = ("#238b45", "#6a51a3", "#d94801", "#525252", "#8c6d31", "#e7298a")


def label(key: str) -> str:
    """'net change in prisoners held (people)' for a known key; the key itself, readably, if not."""
    known = LABELS.get(key)
    if known is not None:
        return str(known)
    if key.startswith("utility_"):
        actor = {"eu": "the EU", "opposition": "the opposition"}.get(
            key.removeprefix("utility_"), key.removeprefix("utility_").capitalize()
        )
        return f"{actor[0].upper() + actor[1:]}'s realised utility (its own units, discounted)"
    return key.rsplit(".", 1)[-1].replace("_", " ")


def text(key: str) -> str:
    """A key's label without its unit ('US envoy visit probability'), for running text."""
    known = LABELS.get(key)
    return known.text if known is not None else key.rsplit(".", 1)[-1].replace("_", " ")


def scenario_name(scenario: str) -> str:
    """'Thaw: US envoys engage' for 'thaw'; an unnamed scenario file by its file name, readably."""
    return SCENARIO_NAMES.get(scenario, scenario.replace("_", " "))


# Code names a sentence of the event log may contain (tiers, instruments, actors), longest first
# so that `airspace_belavia` is replaced whole, never as `belavia`.
_IN_WORDS = {
    key: (LABELS[key].text if key in ("rank_and_file", "prominent", "foreign") else str(LABELS[key]))
    for key in (
        "rank_and_file",
        "prominent",
        "foreign",
        "belavia",
        "embassy",
        "potash",
        "petroleum",
        "airspace_belavia",
        "potash_transit",
        "sectoral_packages",
        "envoy_visits",
    )
}
_CODE_WORD = re.compile(r"(?<!\w)(" + "|".join(sorted(map(re.escape, _IN_WORDS), key=len, reverse=True)) + r")(?!\w)")


def in_words(sentence: str) -> str:
    """A sentence of the event log with its code names in words: '39 rank_and_file' ->
    '39 rank-and-file', 'renews airspace_belavia' -> 'renews airspace ban (EU)'. The log keeps
    the code names (its tables are data); a page shows this."""

    def swap(match: re.Match) -> str:
        words = _IN_WORDS[match.group(1)]
        # A sentence already worded with the label ("2 foreign nationals") stays as it is.
        return match.group(1) if match.string.startswith(words, match.start()) else words

    return _CODE_WORD.sub(swap, sentence)


def colour(scenario: str, index: int = 0) -> str:
    """One colour per scenario everywhere: thaw blue, freeze red, others from one palette."""
    return SCENARIO_COLOURS.get(scenario, PALETTE[index % len(PALETTE)])
