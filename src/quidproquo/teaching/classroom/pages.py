"""The classroom's HTML pages, rendered on the server: the student's page and the instructor's.

Pages are plain HTML forms with one small inline script each, which asks the server every two
seconds whether anything changed (`/state`) and reloads the page when it did. Nothing is loaded
from elsewhere. Every piece of text that is not the page's own -- above all a student's name --
goes through `esc` (HTML-escaped) on its way out.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from quidproquo.teaching.classroom import words
from quidproquo.teaching.classroom.table import TURN_WORDS, Table, Talk
from quidproquo.labels import label
from quidproquo.engine.menu import share_words

STYLE = """
body { font: 18px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem 1.5rem; color: #111; }
body.projector { font-size: 22px; max-width: none; }
h1 { font-size: 1.6em; margin: .3em 0; } h2 { font-size: 1.25em; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #bbb; padding: .25em .5em; vertical-align: top; }
th { background: #f0f0f0; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.error { background: #fde2e1; border: 2px solid #b3261e; padding: .5em .8em; margin: .6em 0; }
.note { color: #444; } .turn { background: #e8f1fb; border: 2px solid #08519c; padding: .6em 1em; margin: .8em 0; }
.code { font: bold 2.6em/1.1 ui-monospace, monospace; letter-spacing: .15em; }
.join { display: flex; gap: 2em; align-items: center; flex-wrap: wrap; } .qr svg { width: 240px; height: 240px; }
button { font: inherit; padding: .3em .9em; margin: .2em 0; cursor: pointer; }
select, input { font: inherit; max-width: 100%; }
ol.month { margin: .2em 0 1em; } .muted { color: #777; } form.inline { display: inline; }
"""

POLL = """
(function () {
  var version = %s;
  setInterval(function () {
    fetch(%s, {cache: "no-store", credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (j) { if (j.version !== version) { location.replace(%s); } })
      .catch(function () {});
  }, 2000);
})();
"""


def esc(value) -> str:
    return escape(str(value), quote=True)


def js(value: str) -> str:
    """A string as a JavaScript literal inside a <script> element ("<" escaped, so no tag can end it)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\u003c").replace(">", "\\u003e") + '"'


def page(title: str, body: str, nonce: str, poll: tuple[str, str, str] | None = None, projector: bool = False) -> str:
    """A whole page; `poll` = (version, state url, page url) reloads it when the version changes."""
    script = f'<script nonce="{esc(nonce)}">{POLL % tuple(js(v) for v in poll)}</script>' if poll else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>'
            f'<style nonce="{esc(nonce)}">{STYLE}</style></head>'
            f'<body class="{"projector" if projector else ""}">{body}{script}</body></html>')


def error_box(error: str | None) -> str:
    return f'<p class="error" role="alert">{esc(error)}</p>' if error else ""


# ------------------------------------------------------------------------------- students
def join_page(nonce: str, error: str | None = None, name: str = "") -> str:
    body = f"""<h1>Join the bargaining class</h1>
{error_box(error)}
<p>You will play Washington or Minsk, in talks over political prisoners and sanctions relief.</p>
<form method="post" action="/join" class="qpq-join">
<p><label>Your name<br><input name="name" maxlength="40" required value="{esc(name)}" autocomplete="off"></label></p>
<p><label>Join code (on the projector)<br><input name="code" maxlength="12" required autocomplete="off"
   autocapitalize="characters"></label></p>
<p><button type="submit">Join</button></p>
</form>"""
    return page("Join the class", body, nonce)


def seat_page(nonce: str, version: str, name: str, role: str | None, pair: int | None, partner: str | None,
              table: Table | None, months: int, ended: bool, error: str | None = None) -> str:
    poll = (version, "/state", "/")
    if role is None:
        body = (f"<h1>Welcome, {esc(name)}</h1>{error_box(error)}"
                f'<p class="qpq-waiting">You have a seat. Wait for your instructor to pair you; this page updates by itself.</p>')
        return page("Waiting to be paired", body, nonce, poll)
    other = "minsk" if role == "washington" else "washington"
    parts = [f'<h1 class="qpq-role">You are {role.capitalize()}</h1>',
             f'<p>Pair {pair}. {other.capitalize()} is played by <b class="qpq-partner">{esc(partner)}</b>.</p>',
             error_box(error)]
    talk = table.talk
    if ended:
        parts.append(f'<p class="qpq-status">The class has ended after {table.month} of {months} months. Your instructor shows the debrief.</p>')
    elif talk is None:
        parts.append(f'<p class="qpq-status">All {months} months are played. Your instructor shows the debrief.</p>')
    else:
        parts.append(f'<p class="qpq-status">Month {talk.month + 1} of {months} ({esc(talk.date)}).</p>')
        parts.append(turn(table, talk, role))
    parts.append(f'<p class="qpq-utility">Your side\'s realised utility so far: <b>{words.number(table.realised_utility(role))}</b> '
                 f'<span class="note">({esc(role.capitalize())}\'s own units, discounted; the other side\'s: '
                 f'{words.number(table.realised_utility(other))})</span></p>')
    if table.played:
        parts.append("<h2>What happened</h2>")
        for played in reversed(table.played):
            lines = "".join(f"<li>{esc(line)}</li>" for line in words.month_lines(table.model, played, role))
            parts.append(f'<h3>Month {played.month + 1} ({esc(played.date)})</h3><ol class="month qpq-month-{played.month + 1}">{lines}</ol>')
    return page(f"{role.capitalize()}: month {table.month + 1}", "".join(parts), nonce, poll)


def turn(table: Table, talk: Talk, role: str) -> str:
    """What the month waits for, and the form if it waits for this student."""
    model, waiting = table.model, talk.waiting
    known = []
    if waiting in (("minsk", "reply"), ("washington", "answer")):
        known.append(words.offer_line(talk, 0, model, role, verdict=waiting == ("washington", "answer")))
    if waiting == ("washington", "answer"):
        known.append(words.offer_line(talk, 1, model, role, verdict=False))
    said = "".join(f'<p class="qpq-offer">{esc(line)}</p>' for line in known)
    if waiting[0] != role:
        return f'{said}<p class="turn qpq-turn">Waiting for {esc(TURN_WORDS[waiting])}. This page updates by itself.</p>'
    hidden = f'<input type="hidden" name="month" value="{talk.month + 1}"><input type="hidden" name="kind" value="{waiting[1]}">'
    if waiting == ("washington", "offer"):
        return (f'<div class="turn qpq-turn"><h2>Your offer to Minsk</h2>{menu_table(table, talk, role)}'
                f'<form method="post" action="/move" class="qpq-offer-form">{hidden}{choose(table, talk)}'
                f'<button type="submit">Make this offer</button></form></div>')
    on_table = talk.offers[0 if waiting == ("minsk", "reply") else 1]  # the offer this move answers
    value = talk.values[role][on_table.candidate]
    worth = f'<p class="note">Worth to you: {words.number(value)} (no deal: {words.number(talk.reservation[role])}).</p>'
    if waiting == ("minsk", "reply"):
        return (f'{said}<div class="turn qpq-turn"><h2>Your reply</h2>{worth}'
                f'<form method="post" action="/move" class="qpq-accept-form">{hidden}<input type="hidden" name="accept" value="yes">'
                f'<button type="submit">Accept Washington\'s offer</button></form>'
                f'<h2>Or refuse it and counter-offer</h2>{menu_table(table, talk, role)}'
                f'<form method="post" action="/move" class="qpq-counter-form">{hidden}<input type="hidden" name="accept" value="no">'
                f'{choose(table, talk)}<button type="submit">Refuse and counter-offer</button></form></div>')
    return (f'{said}<div class="turn qpq-turn"><h2>Your answer to the counter-offer</h2>{worth}'
            f'<form method="post" action="/move" class="qpq-answer-form">{hidden}'
            f'<button type="submit" name="accept" value="yes">Accept the counter-offer</button> '
            f'<button type="submit" name="accept" value="no">Refuse it: no deal this month</button></form></div>')


def menu_table(table: Table, talk: Talk, role: str) -> str:
    """This month's menu: a row per relief set, a column per release level; each cell who is
    freed and what the bundle is worth to the student's side."""
    model = table.model
    head = "".join(f"<th>{esc(share_words(g, talk.levels))}</th>" for g in range(talk.levels))
    rows = []
    for s in range(talk.sets):
        cells = []
        for g in range(talk.levels):
            c = s * talk.levels + g
            if talk.valid(c):
                releases, _ = talk.bundle(c)
                cells.append(f"<td>{esc(words.people(releases, model))}<br>"
                             f'<span class="note">worth to you {words.number(talk.values[role][c])}</span></td>')
            else:
                cells.append('<td class="muted">not on the menu</td>')
        _, steps = talk.bundle(s * talk.levels)
        rows.append(f"<tr><th>{s}: {esc(words.relief(steps, talk.level, model))}</th>{''.join(cells)}</tr>")
    return (f'<table class="qpq-menu"><tr><th>relief granted (rows); prisoners released (columns: share of Washington\'s price)</th>{head}</tr>'
            f'{"".join(rows)}</table>'
            f'<p class="note">No deal is worth {words.number(talk.reservation[role])} to you this month.</p>')


def choose(table: Table, talk: Talk) -> str:
    model = table.model
    sets = "".join(f'<option value="{s}">{s}: {esc(words.relief(talk.bundle(s * talk.levels)[1], talk.level, model))}</option>'
                   for s in range(talk.sets))
    levels = "".join(f'<option value="{g}">{esc(share_words(g, talk.levels))}</option>' for g in range(talk.levels))
    return (f'<p><label>Relief <select name="relief" class="qpq-relief">{sets}</select></label> '
            f'<label>Release <select name="release" class="qpq-release">{levels}</select></label></p>')


# ----------------------------------------------------------------------------- instructor
def key_page(nonce: str) -> str:
    body = ("<h1>Instructor's page</h1><p class=\"error\" role=\"alert\">This page needs the instructor key: open the "
            "instructor link that <code>qpq classroom</code> printed when it started.</p>")
    return page("Instructor key needed", body, nonce)


def instructor_page(nonce: str, version: str, session, link: str, qr_svg: str, waiting: list[str], live: list[dict],
                    debrief=None, error: str | None = None) -> str:
    parts = [f"<h1>Classroom: scenario {esc(session.scenario)}, {session.months} months</h1>", error_box(error),
             f'<div class="join"><div><p>Students open</p><p><a class="qpq-link" href="{esc(link)}">{esc(link)}</a></p>'
             f'<p>and join with the code</p><p class="code qpq-code">{esc(session.join_code)}</p></div>'
             f'<div class="qr" aria-label="QR code of the link">{qr_svg}</div></div>']
    if session.ended:
        parts.append(f'<p class="qpq-ended">The class ended at {esc(session.ended)}.</p>')
    else:
        names = ", ".join(esc(name) for name in waiting) or "nobody"
        parts.append(f'<p class="qpq-waiting">Waiting to be paired ({len(waiting)}): {names}</p>'
                     '<form method="post" action="/instructor/pair" class="inline"><button type="submit" class="qpq-pair">'
                     "Pair waiting students (the built-in strategy fills an empty seat)</button></form> "
                     '<form method="post" action="/instructor/end" class="inline"><button type="submit" class="qpq-end">'
                     "End and debrief</button></form>")
    parts.append(live_table(live, session.months))
    if debrief is not None:
        parts.append(debrief_section(debrief))
    return page("Classroom: instructor", "".join(parts), nonce, (version, "/instructor/state", "/instructor"), projector=True)


def live_table(live: list[dict], months: int) -> str:
    if not live:
        return "<p>No pairs yet.</p>"
    head = ("<tr><th>pair</th><th>Washington</th><th>Minsk</th><th>months played</th><th>waiting for</th><th>deals</th>"
            f"<th>{esc(label('released_deal'))}</th><th>US relief steps in force</th><th>Washington's utility</th>"
            "<th>Minsk's utility</th></tr>")
    rows = "".join(
        f'<tr class="qpq-pair-{r["pair"]}"><td class="num">{r["pair"]}</td><td>{esc(r["washington"])}</td><td>{esc(r["minsk"])}</td>'
        f'<td class="num qpq-months">{r["months"]} of {months}</td><td>{esc(r["waiting"])}</td><td class="num">{r["deals"]}</td>'
        f'<td class="num">{r["released_deal"]}</td><td class="num">{r["relief_steps"]}</td>'
        f'<td class="num">{words.number(r["utility_washington"])}</td><td class="num">{words.number(r["utility_minsk"])}</td></tr>'
        for r in live)
    return f'<h2>Pairs</h2><table class="qpq-live">{head}{rows}</table>'


def _cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        return '<td class="num">–</td>' if math.isnan(value) else f'<td class="num">{words.number(value)}</td>'
    if isinstance(value, (int, np.integer)):
        return f'<td class="num">{int(value):,}</td>'
    return f"<td>{esc(value)}</td>"


def frame_table(frame, css: str, columns: dict[str, str], index: str | None = None) -> str:
    """A DataFrame as an HTML table: `columns` maps its columns to headings."""
    head = (f"<th>{esc(index)}</th>" if index is not None else "") + "".join(f"<th>{esc(h)}</th>" for h in columns.values())
    rows = []
    for key, row in frame.iterrows():
        first = f"<th>{esc(key)}</th>" if index is not None else ""
        rows.append("<tr>" + first + "".join(_cell(row[c]) for c in columns) + "</tr>")
    return f'<table class="{css}"><tr>{head}</tr>{"".join(rows)}</table>'


PAIR_COLUMNS = {
    "pair": "pair", "washington": "Washington", "minsk": "Minsk", "months": "months",
    "deals": "deals", "deals_builtin": "deals, built-in",
    "released_deal": "released in deals", "released_deal_builtin": "released in deals, built-in",
    "net_change": "net change in prisoners held", "net_change_builtin": "net change, built-in",
    "relief_steps": "US relief steps in force", "relief_steps_builtin": "relief steps, built-in",
    "utility_washington": "Washington's utility", "utility_washington_builtin": "Washington's, built-in",
    "utility_minsk": "Minsk's utility", "utility_minsk_builtin": "Minsk's, built-in",
    "share_washington": "Washington's share of the gains", "share_washington_builtin": "share, built-in",
}
SPREAD_NAMES = {"deals": "deals", "released_deal": "released in deals", "net_change": "net change in prisoners held",
                "relief_steps": "US relief steps in force", "gain_washington": "Washington's gain over the built-in strategy",
                "gain_minsk": "Minsk's gain over the built-in strategy", "share_washington": "Washington's share of the gains"}


def debrief_section(debrief) -> str:
    from quidproquo.teaching.classroom.debrief import EXPORTS, FORMATS

    predictions = "".join(f"<li>{esc(name)}: <b>{value:.3f}</b></li>" for name, value in debrief.predictions.items())
    spread = debrief.spread.rename(index=SPREAD_NAMES)
    parts = ['<section class="qpq-debrief"><h1>Debrief</h1>',
             "<p>Each pair against the built-in strategies on the same world (the same seed, nobody seated) over the "
             "same months. <i>Washington's share of the gains</i>: on each month's menu, how the gains of the deal "
             "over no deal were split (0: all to Minsk, 1: all to Washington), averaged over the pair's deals; a side "
             "that accepts a deal worth less to it than no deal gains none of them.</p>",
             f"<h2>What theory predicts for Washington's share</h2><ul class=\"qpq-theory\">{predictions}</ul>",
             "<h2>Pairs</h2>", frame_table(debrief.pairs, "qpq-debrief-pairs", PAIR_COLUMNS),
             "<h2>Spread across pairs</h2>",
             frame_table(spread, "qpq-spread", {"mean": "mean", "sd": "sd", "min": "min", "max": "max"}, index="")]
    for role, ranked in debrief.ranking.items():
        parts.append(f"<h2>Ranking: the {role.capitalize()} players, by gain over the built-in strategy</h2>")
        parts.append(frame_table(ranked, f"qpq-ranking-{role}", {"rank": "rank", "student": "student", "pair": "pair",
                                                                  "utility": "realised utility", "builtin": "built-in strategy's",
                                                                  "gain": "gain"}))
    links = " · ".join(f'<a class="qpq-export" href="/instructor/export/{n}.{k}" download>{n}.{k}</a>'
                       for n in EXPORTS for k in FORMATS)
    parts.append(f"<h2>Export</h2><p>{links}</p><p class=\"note\">Also written into the session folder.</p></section>")
    return "".join(parts)
