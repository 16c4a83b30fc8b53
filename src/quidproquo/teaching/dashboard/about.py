"""The page's Info panel (NetLogo's Info tab is the model): what the model is, and for each
scenario what to notice and what to try. Fixed wording of the project's own, shown as HTML.

The "notice" lines say what the charts and the log show in that scenario's default runs; the
"try" lines name a slider or the seat and what to watch, so a seminar can start from them.
"""

from __future__ import annotations

from dataclasses import dataclass

MODEL = (
    "Five actors bargain month by month: <b>Minsk</b> holds political prisoners; <b>Washington</b> can "
    "lift its sanctions step by step (a licence, a general licence, a suspension, delisting) in exchange "
    "for releases; the <b>EU</b> decides its own sanctions by unanimity; <b>Moscow</b> presses Minsk when it "
    "drifts west; the <b>opposition</b> mobilises and lobbies. Each month: new arrests and ended sentences, "
    "then the opposition, Moscow, an envoy visit (or not), talks of up to a few offers, the EU's votes, and "
    "Minsk's pardons and next month's repression. The model runs many <i>worlds</i> at once -- the same "
    "rules, different luck -- and the charts show all of them: the dark band holds half the worlds, the "
    "light band nine in ten, the line is the median, the dashed line is world 0, whose event log is below."
)

QUESTION = (
    "The question: does trading sanctions relief for prisoner releases reduce political imprisonment, "
    "or does it turn a revolving door, with new arrests refilling the prisons?"
)


@dataclass(frozen=True)
class About:
    notice: tuple[str, ...]
    try_: tuple[str, ...]


ABOUT: dict[str, About] = {
    "thaw": About(
        notice=(
            "Envoys come about one month in three; nearly every visit ends in a deal of a dozen or so "
            "prisoners against a step or two of relief -- deals come in tranches, not one grand bargain.",
            "Relief lowers the cost of sanctions to Minsk, and Moscow's pressure rises as Minsk drifts west.",
            "Prisoners held fall slowly: pardons and ended sentences free far more than deals, and new arrests "
            "go on -- compare the end of the fan with Freeze's.",
        ),
        try_=(
            "Raise <i>Minsk's hostage-market elasticity</i> to 0.5 and press Reset: releases now earn relief, "
            "so arrests pay -- watch whether prisoners held still fall (the revolving door).",
            "Set <i>US envoy visit probability</i> to 0 (or choose Freeze) and compare the fan of prisoners held.",
            "Take Washington's seat: offer small releases for much relief, then the reverse, and see which "
            "Minsk accepts and what it counters.",
        ),
    ),
    "freeze": About(
        notice=(
            "No envoy visits: no talks, no deals, no relief -- the sanctions' cost to Minsk stays where it is.",
            "Prisoners leave only by pardon or at the end of a sentence, while new arrests go on.",
            "Moscow's pressure relaxes: Minsk does not drift west.",
        ),
        try_=(
            "Raise <i>US envoy visit probability</i> to 0.3 and press Reset: the freeze becomes a thaw.",
            "Lower <i>EU doves' threshold for relief</i>: a dove may veto a renewal, and an EU sanction lapses "
            "without any deal.",
            "Take Washington's seat: an envoy then visits every month -- can you get prisoners out of a freeze?",
        ),
    ),
    "belarus_2025": About(
        notice=(
            "The run starts in July 2024 with about 1,400 held; Washington does not engage until the new US "
            "administration (a dated event in January 2025), then deals begin.",
            "Dated events from the record (the election, the new administration) show in the event log as "
            "'timeline' lines.",
            "After June 2025 the months are a forecast, not the record.",
        ),
        try_=(
            "Compare with the calibrated scenario: the same story with parameters fitted to the 2024-25 record.",
            "Raise <i>Minsk's hostage-market elasticity</i>: do the 2025 releases still lower the count a year on?",
            "Take Minsk's seat and refuse Washington's first offers: what does holding out earn you?",
        ),
    ),
    "belarus_2025_calibrated": About(
        notice=(
            "Arrests, sentence completions, pardons and engagement are fitted to the record up to June 2025 "
            "(qpq calibrate); the fan shows how far luck alone spreads the worlds around it.",
            "Releases come in deals of about a dozen prisoners, as in 2025, while new arrests continue.",
        ),
        try_=(
            "Move one slider at a time and press Reset: which one moves the median of prisoners held most by 2026?",
            "Set <i>US snapback threshold</i> low: relief is re-imposed after an arrest surge -- does it deter arrests?",
            "Play Washington for six months and compare your utility with the built-in strategy's (Finish and compare).",
        ),
    ),
}

GENERIC = About(
    notice=(
        "Watch the median of prisoners held against the bands: a deal in world 0 is one world's luck, "
        "the bands are the rule.",
    ),
    try_=("Move one slider at a time and press Reset, then Step a year and compare.",),
)


def about(scenario: str) -> About:
    """The panel's notice and try lines for a scenario (a generic pair for one without its own)."""
    return ABOUT.get(scenario, GENERIC)
