"""The classroom's HTML pages, rendered on the server: the student's, the instructor's, and the debrief for the projector.

Pages are plain HTML forms with small inline scripts (their nonce is the page's own): one asks the
server every two seconds whether anything changed (`/state`) and reloads the page when it did;
one names the bundle a student clicked in the menu, with its value part by part. Nothing is
loaded from elsewhere, and a page works without scripts (the forms post; a reload shows news).
Every piece of text that is not the page's own -- above all a student's name -- goes through
`esc` (HTML-escaped) on its way out.

Made to fit: the student's page puts the month's choice first -- a table of bundles, a relief set
per row group and a release size (one person up to Washington's price, in two mixes of tiers) per column, where a click on a cell chooses it --
and keeps the button in a bar at the bottom of the screen, in sight at 1024x768 and on a 390 px
phone alike. The debrief page is for the projector: the lesson, the chart and the theory on its
first screen at 1024x768, at most eight columns in its table with the rest folded away.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from quidproquo.engine.menu import share_words
from quidproquo.teaching import parts as worth
from quidproquo.teaching.classroom import chart, words
from quidproquo.teaching.classroom.table import TURN_WORDS, Table, Talk

STYLE = """
* { box-sizing: border-box; }
body { font: 17px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 64rem; padding: .5rem 1rem 0; color: #111; }
body.projector { font-size: 20px; max-width: none; padding: .4rem 1.2rem; }
h1 { font-size: 1.3em; margin: .2em 0; } h2 { font-size: 1.12em; margin: .6em 0 .3em; } h3 { font-size: 1em; margin: .6em 0 .2em; }
table { border-collapse: collapse; margin: .3em 0; } td, th { border: 1px solid #bbb; padding: .2em .45em; vertical-align: top; }
th { background: #f0f0f0; text-align: left; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.error { background: #fde2e1; border: 2px solid #b3261e; padding: .4em .7em; margin: .4em 0; }
.note { color: #444; } .muted { color: #777; }
.turn { background: #e8f1fb; border: 2px solid #08519c; padding: .4em .7em; margin: .4em 0; }
.bar { display: flex; flex-wrap: wrap; gap: .2em 1em; align-items: baseline; border-bottom: 1px solid #ccc; padding-bottom: .2em; }
.bot { background: #fff4d6; border: 2px solid #b7791f; padding: .4em .7em; margin: .4em 0; }
table.qpq-menu { width: 100%; table-layout: fixed; }
/* eight columns on a phone: a smaller type, words wrap only where they must, the page never scrolls sideways */
@media (max-width: 480px) { table.qpq-menu { font-size: .68em; } table.qpq-menu th { padding: .15em .1em; } table.qpq-menu label { padding: .2em .1em; } }
table.qpq-menu th, table.qpq-menu label { overflow-wrap: break-word; }
table.qpq-menu th.set { background: #dde8f4; font-weight: 600; }
table.qpq-menu td { padding: 0; }
table.qpq-menu label { display: block; padding: .25em .35em; cursor: pointer; min-height: 2.6em; }
table.qpq-menu input { position: absolute; opacity: 0; }
table.qpq-menu td:has(input:checked) { background: #08519c; color: #fff; }
table.qpq-menu td:has(input:checked) .note { color: #e8f1fb; }
table.qpq-menu td:hover { outline: 2px solid #08519c; outline-offset: -2px; }
.freed { display: block; font-weight: 600; } .worth { display: block; font-size: .88em; }
.actions { position: sticky; bottom: 0; background: #fff; border-top: 2px solid #08519c; padding: .4em .2em .5em;
           display: flex; flex-wrap: wrap; gap: .3em .8em; align-items: center; margin: 0 -.2em; }
.actions .qpq-choice { flex: 1 1 16em; margin: 0; }
button { font: inherit; padding: .35em .9em; margin: .15em 0; cursor: pointer; }
button.primary { background: #08519c; color: #fff; border: 0; border-radius: 4px; font-weight: 600; }
.code { font: bold 2.2em/1.1 ui-monospace, monospace; letter-spacing: .15em; margin: 0; }
.join { display: flex; gap: 1.5em; align-items: center; flex-wrap: wrap; } .join p { margin: .15em 0; }
.qr svg { width: 150px; height: 150px; }
ol.month { margin: .2em 0 .8em; } form.inline { display: inline; }
.buttons { display: flex; gap: .6em; flex-wrap: wrap; align-items: center; margin: .3em 0; }
.lesson { font-size: 1.15em; font-weight: 600; margin: .3em 0 .5em; max-width: 60rem; }
.debrief-top { display: flex; gap: 1.2em; align-items: flex-start; flex-wrap: wrap; }
.debrief-top ul { padding-left: 1.1em; margin: .3em 0; } .theory-box { flex: 1 1 14em; font-size: .9em; }
svg.qpq-chart { max-width: 100%; height: auto; }
@media (max-width: 600px) { body { font-size: 16px; padding: .3rem .5rem 0; } .worth { font-size: .8em; } }
"""

POLL = """
(function () {
  var version = %s;
  setInterval(function () {
    fetch(%s, {cache: "no-store", credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.version === version) { return; }
        // News arrived: reload, keeping a half-made choice (the cell clicked, not yet sent) for
        // the same form and month, so that news never costs a student the bundle they chose.
        var c = document.querySelector("form.qpq-choose input[type=radio]:checked");
        var m = c && c.form.querySelector("input[name=month]");
        if (m) { try { sessionStorage.setItem("qpq-choice", c.form.className + "|" + m.value + "|" + c.value); } catch (e) {} }
        location.replace(%s);
      })
      .catch(function () {});
  }, 2000);
})();
"""

# The bundle a student clicked, named in the bar beside the button, with its value part by part.
CHOOSE = """
var kept = null;
try { kept = sessionStorage.getItem("qpq-choice"); sessionStorage.removeItem("qpq-choice"); } catch (e) {}
kept = kept ? kept.split("|") : null;
document.querySelectorAll("form.qpq-choose").forEach(function (form) {
  form.addEventListener("change", function (event) {
    var cell = event.target.closest("label");
    var shown = form.querySelector(".qpq-choice");
    if (cell && shown) { shown.textContent = cell.dataset.choice; }
  });
  // The choice the page held before news reloaded it: the same form, the same month.
  var month = form.querySelector("input[name=month]");
  if (kept && month && form.className === kept[0] && month.value === kept[1]) {
    form.querySelectorAll("input[type=radio]").forEach(function (radio) {
      if (radio.value === kept[2]) { radio.checked = true; radio.dispatchEvent(new Event("change", {bubbles: true})); }
    });
  }
});
"""


def esc(value) -> str:
    return escape(str(value), quote=True)


def js(value: str) -> str:
    """A string as a JavaScript literal inside a <script> element ("<" escaped, so no tag can end it)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\u003c").replace(">", "\\u003e") + '"'


def page(
    title: str,
    body: str,
    nonce: str,
    poll: tuple[str, str, str] | None = None,
    projector: bool = False,
    choose: bool = False,
) -> str:
    """A whole page; `poll` = (version, state url, page url) reloads it when the version changes."""
    script = POLL % tuple(js(v) for v in poll) if poll else ""
    script += CHOOSE if choose else ""
    script = f'<script nonce="{esc(nonce)}">{script}</script>' if script else ""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>'
        f'<style nonce="{esc(nonce)}">{STYLE}</style></head>'
        f'<body class="{"projector" if projector else ""}">{body}{script}</body></html>'
    )


def error_box(error: str | None) -> str:
    return f'<p class="error" role="alert">{esc(error)}</p>' if error else ""


# ------------------------------------------------------------------------------- students
def join_page(nonce: str, error: str | None = None, name: str = "", note: str | None = None) -> str:
    body = f"""<h1>Join the bargaining class</h1>
{error_box(error)}
<p>You will play Washington or Minsk, in talks over political prisoners and sanctions relief.</p>
<form method="post" action="/join" class="qpq-join">
<p><label>Your name (as your class knows you)<br><input name="name" maxlength="40" required value="{esc(name)}"
   autocomplete="off"></label></p>
<p><label>Join code (on the projector)<br><input name="code" maxlength="12" required autocomplete="off"
   autocapitalize="characters"></label></p>
<p><button type="submit" class="primary">Join</button></p>
</form>
<p class="note">Lost this page, or joining from another device? Join again with the same name and code: you get your
seat back once the built-in strategy has taken it over{f" ({esc(note)})" if note else ""}.</p>"""
    return page("Join the class", body, nonce)


def seat_page(
    nonce: str,
    version: str,
    name: str,
    place,
    partner: str | None,
    table: Table | None,
    months: int,
    ended: bool,
    idle: int,
    error: str | None = None,
    welcome: str | None = None,
) -> str:
    poll = (version, "/state", "/")
    role, pair = place.role, place.pair.id if place.pair else None
    welcome_line = f'<p class="note qpq-welcome">{esc(welcome)}</p>' if welcome else ""
    if role is None:
        body = (
            f"<h1>Welcome, {esc(name)}</h1>{welcome_line}{error_box(error)}"
            f'<p class="qpq-waiting">You have a seat. Wait for your instructor to pair you; this page updates by itself.</p>'
        )
        return page("Waiting to be paired", body, nonce, poll)
    other = "minsk" if role == "washington" else "washington"
    talk = table.talk
    if ended:
        status = f"The class has ended after {table.month} of {months} months. Your instructor shows the debrief."
    elif talk is None:
        status = f"All {months} months are played. Your instructor shows the debrief."
    else:
        status = f"Month {talk.month + 1} of {months} ({esc(talk.date)})"
    parts = [
        f'<div class="bar"><h1 class="qpq-role">You are {role.capitalize()}</h1>'
        f'<span>pair {pair} · {other.capitalize()}: <b class="qpq-partner">{esc(partner)}</b></span>'
        f'<b class="qpq-status">{status}</b></div>',
        welcome_line,
        error_box(error),
    ]
    if not place.playing:
        since = place.since
        why = (
            {"idle": f"no move for {idle} s", "instructor": "your instructor handed it over"}.get(since.reason, "")
            if since
            else ""
        )
        parts.append(
            f'<div class="bot qpq-bot"><p>The built-in strategy is playing your seat since month '
            f"{(since.month + 1) if since else table.month + 1} ({esc(why)}).</p>"
            '<form method="post" action="/reclaim"><button type="submit" class="primary qpq-reclaim">'
            "Take my seat back</button></form></div>"
        )
    elif talk is not None and not ended:
        parts.append(turn(table, talk, role, idle))
    parts.append(
        f'<p class="qpq-utility">Your side\'s realised utility so far: <b>{words.number(table.realised_utility(role))}</b> '
        f"<span class=\"note\">({esc(role.capitalize())}'s own units, discounted; the other side's: "
        f"{words.number(table.realised_utility(other))})</span></p>"
    )
    if table.played:
        parts.append("<h2>What happened</h2>")
        for played in reversed(table.played):
            lines = "".join(f"<li>{esc(line)}</li>" for line in words.month_lines(table.model, played, role))
            parts.append(
                f'<h3>Month {played.month + 1} ({esc(played.date)})</h3><ol class="month qpq-month-{played.month + 1}">{lines}</ol>'
            )
    return page(f"{role.capitalize()}: month {table.month + 1}", "".join(parts), nonce, poll, choose=True)


def value_words(talk: Talk, role: str, candidate: int) -> str:
    """'worth 34.5 to you: prisoners freed +80.0, credibility: relief given at home -40.0, ...'"""
    return talk.remembered(("value words", role, candidate), lambda: _value_words(talk, role, candidate))


def _value_words(talk: Talk, role: str, candidate: int) -> str:
    total = f"worth {words.number(talk.values[role][candidate])} to you"
    shares = talk.parts.get(role, {})
    if not shares:
        return total
    shown = [
        f"{worth.words(role, name)} {shares[name][candidate]:+,.1f}"
        for name in shares
        if abs(shares[name][candidate]) >= 0.05
    ]
    return f"{total}: {', '.join(shown)}" if shown else total


def turn(table: Table, talk: Talk, role: str, idle: int) -> str:
    """What the month waits for, and the form if it waits for this student."""
    model, waiting = table.model, talk.waiting
    known = []
    if waiting in (("minsk", "reply"), ("washington", "answer")):
        known.append(words.offer_line(talk, 0, model, role, verdict=waiting == ("washington", "answer")))
    if waiting == ("washington", "answer"):
        known.append(words.offer_line(talk, 1, model, role, verdict=False))
    said = "".join(f'<p class="qpq-offer">{esc(line)}</p>' for line in known)
    if waiting[0] != role:
        return (
            f'{said}<p class="turn qpq-turn">Waiting for {esc(TURN_WORDS[waiting])}. This page updates by itself. '
            f'<span class="note">(A side with no move for {idle} s passes to the built-in strategy.)</span></p>'
        )
    hidden = f'<input type="hidden" name="month" value="{talk.month + 1}"><input type="hidden" name="kind" value="{waiting[1]}">'
    clock = f'<span class="note qpq-idle">No move for {idle} s and the built-in strategy takes your seat.</span>'
    if waiting == ("washington", "offer"):
        return (
            f'<form method="post" action="/move" class="turn qpq-turn qpq-offer-form qpq-choose">{hidden}'
            f"<h2>Your offer to Minsk: click a bundle</h2>{menu_table(table, talk, role)}"
            f'<div class="actions"><p class="qpq-choice">Click a cell of the table to choose your offer. {clock}</p>'
            f'<button type="submit" class="primary qpq-submit">Make this offer</button></div></form>'
        )
    on_table = talk.offers[0 if waiting == ("minsk", "reply") else 1]  # the offer this move answers
    value = (
        f'<p class="note qpq-value">That offer is {esc(value_words(talk, role, on_table.candidate))}; no deal: '
        f"{words.number(talk.reservation[role])}.</p>"
    )
    if waiting == ("minsk", "reply"):
        return (
            f'{said}<div class="turn qpq-turn">{value}'
            f'<form method="post" action="/move" class="qpq-accept-form">{hidden}<input type="hidden" name="accept" value="yes">'
            f'<button type="submit" class="primary">Accept Washington\'s offer</button> {clock}</form></div>'
            f'<form method="post" action="/move" class="turn qpq-counter-form qpq-choose">{hidden}'
            f'<input type="hidden" name="accept" value="no"><h2>Or refuse it and counter-offer: click a bundle</h2>'
            f'{menu_table(table, talk, role)}<div class="actions"><p class="qpq-choice">Click a cell of the table to '
            'choose your counter-offer.</p><button type="submit" class="primary qpq-submit">Refuse and counter-offer'
            "</button></div></form>"
        )
    return (
        f'{said}<div class="turn qpq-turn"><h2>Your answer to the counter-offer</h2>{value}'
        f'<form method="post" action="/move" class="qpq-answer-form">{hidden}'
        f'<button type="submit" name="accept" value="yes" class="primary">Accept the counter-offer</button> '
        f'<button type="submit" name="accept" value="no">Refuse it: no deal this month</button> {clock}</form></div>'
    )


def menu_table(table: Table, talk: Talk, role: str) -> str:
    """This month's menu: a row of cells per relief set, a column per release size and mix;
    each cell who is freed and what the bundle is worth to the student's side -- a radio button,
    so that a click on the cell chooses it (the form sends `bundle` = 'set.level')."""
    return talk.remembered(("menu", role), lambda: _menu_table(table, talk, role))


def _menu_table(table: Table, talk: Talk, role: str) -> str:
    model = table.model

    def heading(g: int) -> str:  # the size, short, and under it the mix after the first
        size, _, mix = share_words(g, talk.levels).partition(", ")
        size = {"all of the price": "all", "1 person": "1"}.get(size, size.replace("price", "p"))
        return esc(size) + (f"<br><small>{esc(mix.removesuffix(' mix'))}</small>" if mix else "")

    head = "".join(f'<th class="num">{heading(g)}</th>' for g in range(talk.levels))
    rows = []
    for s in range(talk.sets):
        _, steps = talk.bundle(s * talk.levels)
        relief = words.relief(steps, talk.level, model)
        rows.append(f'<tr><th class="set" colspan="{talk.levels}">relief {s}: {esc(relief)}</th></tr>')
        cells = []
        for g in range(talk.levels):
            c = s * talk.levels + g
            if not talk.valid(c):
                cells.append('<td class="muted"><label>not on the menu</label></td>')
                continue
            releases, _ = talk.bundle(c)
            choice = f"Your choice: {words.bundle(talk, c, model)} -- {value_words(talk, role, c)}."
            cells.append(
                f'<td><label data-choice="{esc(choice)}" title="{esc(choice)}">'
                f'<input type="radio" name="bundle" value="{s}.{g}" required>'
                f'<span class="freed">{int(releases.sum())} freed</span>'
                f'<span class="worth note">worth {words.number(talk.values[role][c])}</span></label></td>'
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="qpq-menu"><tr>{head}</tr>{"".join(rows)}</table>'
        f'<p class="note">Columns: how many are released, from 1 to all of Washington\'s price p (p^(1/3) and p^(2/3) between), in Washington\'s mix of tiers and then the best-value mix; "worth": to you, against '
        f"{words.number(talk.reservation[role])} for no deal this month (hover or click a cell for its parts).</p>"
    )


# ----------------------------------------------------------------------------- instructor
def key_page(nonce: str) -> str:
    body = (
        '<h1>Instructor\'s page</h1><p class="error" role="alert">This page needs the instructor key: open the '
        "instructor link that <code>qpq classroom</code> printed when it started.</p>"
    )
    return page("Instructor key needed", body, nonce)


def instructor_page(
    nonce: str,
    version: str,
    session,
    link: str,
    qr_svg: str,
    waiting: list[str],
    live: list[dict],
    debrief_ready: bool,
    error: str | None = None,
) -> str:
    parts = [
        f"<h1>Classroom: scenario {esc(session.scenario)}, {session.months} months</h1>",
        error_box(error),
        f'<div class="join"><div><p>Students open <a class="qpq-link" href="{esc(link)}">{esc(link)}</a></p>'
        f'<p>and join with the code</p><p class="code qpq-code">{esc(session.join_code)}</p></div>'
        f'<div class="qr" aria-label="QR code of the link">{qr_svg}</div></div>',
    ]
    debrief_link = (
        '<a class="qpq-debrief-link" href="/instructor/debrief"><button type="button" class="primary">'
        "Debrief for the projector</button></a>"
    )
    if session.ended:
        parts.append(
            f'<div class="buttons"><p class="qpq-ended">The class ended at {esc(session.ended)}.</p>{debrief_link}</div>'
        )
    else:
        names = ", ".join(esc(name) for name in waiting) or "nobody"
        parts.append(
            f'<p class="qpq-waiting">Waiting to be paired ({len(waiting)}): {names}</p>'
            '<div class="buttons"><form method="post" action="/instructor/pair" class="inline">'
            '<button type="submit" class="qpq-pair">Pair waiting students (the built-in strategy fills an empty '
            'seat)</button></form><form method="post" action="/instructor/end" class="inline">'
            f'<button type="submit" class="qpq-end">End the class</button></form>{debrief_link}</div>'
        )
        parts.append(
            f'<p class="note qpq-idle-rule">A side the table has waited on for {session.idle} s passes to the '
            "built-in strategy by itself; a student takes it back by joining again with the same name and code.</p>"
        )
    parts.append(live_table(live, session.months, not session.ended))
    if debrief_ready:
        parts.append(
            '<p class="qpq-debrief-ready">Every pair has finished: the debrief is ready (the button above).</p>'
        )
    return page(
        "Classroom: instructor", "".join(parts), nonce, (version, "/instructor/state", "/instructor"), projector=True
    )


def hand_button(pair: int, role: str) -> str:
    return (
        f'<form method="post" action="/instructor/hand" class="inline"><input type="hidden" name="pair" value="{pair}">'
        f'<input type="hidden" name="role" value="{role}"><button type="submit" class="qpq-hand qpq-hand-{role}" '
        f'title="the built-in strategy plays this side from its next move">to the built-in strategy</button></form>'
    )


def live_table(live: list[dict], months: int, open_: bool = True) -> str:
    if not live:
        return "<p>No pairs yet.</p>"
    head = (
        "<tr><th>pair</th><th>Washington</th><th>Minsk</th><th>months</th><th>waiting for</th>"
        '<th class="num">deals</th><th class="num">released in deals</th></tr>'
    )
    rows = []
    for r in live:
        sides = "".join(
            f"<td>{esc(r[role])}{' ' + hand_button(r['pair'], role) if open_ and r[f'{role}_hand'] else ''}</td>"
            for role in ("washington", "minsk")
        )
        rows.append(
            f'<tr class="qpq-pair-{r["pair"]}"><td class="num">{r["pair"]}</td>{sides}'
            f'<td class="num qpq-months">{r["months"]} of {months}</td><td>{esc(r["waiting"])}</td>'
            f'<td class="num">{r["deals"]}</td><td class="num">{r["released_deal"]}</td></tr>'
        )
    return f'<h2>Pairs</h2><table class="qpq-live">{head}{"".join(rows)}</table>'


# ------------------------------------------------------------------------------- debrief
def _cell(value, decimals: int = 1) -> str:
    if isinstance(value, (float, np.floating)):
        return '<td class="num">–</td>' if math.isnan(value) else f'<td class="num">{value:,.{decimals}f}</td>'
    if isinstance(value, (int, np.integer)):
        return f'<td class="num">{int(value):,}</td>'
    return f"<td>{esc(value)}</td>"


def frame_table(frame, css: str, columns: dict[str, str], index: str | None = None, shares: tuple = ()) -> str:
    """A DataFrame as an HTML table: `columns` maps its columns to headings; `shares` (columns or
    index labels) are shown to two decimals, other numbers to one."""
    head = (f"<th>{esc(index)}</th>" if index is not None else "") + "".join(
        f"<th>{esc(h)}</th>" for h in columns.values()
    )
    rows = []
    for key, row in frame.iterrows():
        first = f"<th>{esc(key)}</th>" if index is not None else ""
        cells = "".join(_cell(row[c], 2 if c in shares or key in shares else 1) for c in columns)
        rows.append(f"<tr>{first}{cells}</tr>")
    return f'<table class="{css}"><tr>{head}</tr>{"".join(rows)}</table>'


# The projector's table: eight columns; every other column is in the folded table below it.
FIRST_COLUMNS = {
    "pair": "pair",
    "washington": "Washington",
    "minsk": "Minsk",
    "deals": "deals",
    "released_deal": "released in deals",
    "released_deal_builtin": "built-in: released",
    "share_washington": "Washington's share",
    "share_washington_builtin": "built-in: share",
}
PAIR_COLUMNS = {
    "pair": "pair",
    "washington": "Washington",
    "minsk": "Minsk",
    "months": "months",
    "deals": "deals",
    "deals_builtin": "deals, built-in",
    "released_deal": "released in deals",
    "released_deal_builtin": "released in deals, built-in",
    "net_change": "net change in prisoners held",
    "net_change_builtin": "net change, built-in",
    "relief_steps": "US relief steps in force",
    "relief_steps_builtin": "relief steps, built-in",
    "utility_washington": "Washington's utility",
    "utility_washington_builtin": "Washington's, built-in",
    "utility_minsk": "Minsk's utility",
    "utility_minsk_builtin": "Minsk's, built-in",
    "share_washington": "Washington's share of the gains",
    "share_washington_builtin": "share, built-in",
    "washington_by_person": "Washington's decisions by the student",
    "washington_by_bot": "by the built-in strategy",
    "minsk_by_person": "Minsk's decisions by the student",
    "minsk_by_bot": "by the built-in strategy",
}
SHARES = ("share_washington", "share_washington_builtin")
SPREAD_NAMES = {
    "deals": "deals",
    "released_deal": "released in deals",
    "net_change": "net change in prisoners held",
    "relief_steps": "US relief steps in force",
    "gain_washington": "Washington's gain over the built-in strategy",
    "gain_minsk": "Minsk's gain over the built-in strategy",
    "share_washington": "Washington's share of the gains",
}


def debrief_page(nonce: str, version: str, session, debrief, pairs_total: int) -> str:
    from quidproquo.teaching.classroom.debrief import EXPORTS, FORMATS

    theory = "".join(f"<li>{esc(name)}: <b>{value:.2f}</b></li>" for name, value in debrief.predictions.items())
    playing = (
        f"{len(debrief.pairs)} of {pairs_total} pairs" if len(debrief.pairs) < pairs_total else f"{pairs_total} pairs"
    )
    parts = [
        f"<h1>Debrief: scenario {esc(session.scenario)}, {debrief.months} of {session.months} months, {playing}</h1>",
        f'<p class="lesson qpq-lesson">{esc(debrief.lesson)}</p>',
    ]
    if debrief.pairs.empty:
        parts.append("<p>No pair has played a month yet: the chart appears after the first month.</p>")
    else:
        parts.append(
            f'<div class="debrief-top"><div>{chart.svg(debrief.pairs, debrief.predictions)}</div>'
            f'<div class="theory-box">{chart.legend()}<h2>What theory predicts for Washington\'s share</h2>'
            f'<ul class="qpq-theory">{theory}</ul><p class="note">A share: how a deal split the gains over no deal on '
            "its month's menu (0: all to Minsk, 1: all to Washington), averaged over the pair's deals.</p></div></div>"
        )
        person = debrief.pairs[[c for c in debrief.pairs.columns if c.endswith("_by_bot")]].sum().sum()
        parts.append("<h2>Pairs</h2>" + frame_table(debrief.pairs, "qpq-debrief-pairs", FIRST_COLUMNS, shares=SHARES))
        parts.append(
            '<details class="qpq-more"><summary>All the columns</summary>'
            + frame_table(debrief.pairs, "qpq-debrief-all", PAIR_COLUMNS, shares=SHARES)
            + "</details>"
        )
        if person:
            parts.append(
                f'<p class="note qpq-bot-moves">The built-in strategy made {int(person)} decisions in students\' '
                "seats (after an idle spell or the instructor's hand): see the columns \"by the built-in "
                'strategy".</p>'
            )
        for role, ranked in debrief.ranking.items():
            parts.append(f"<h2>Ranking: the {role.capitalize()} players, by gain over the built-in strategy</h2>")
            parts.append(
                frame_table(
                    ranked,
                    f"qpq-ranking-{role}",
                    {
                        "rank": "rank",
                        "student": "student",
                        "pair": "pair",
                        "utility": "realised utility",
                        "builtin": "built-in strategy's",
                        "gain": "gain",
                    },
                )
                if len(ranked)
                else "<p>Nobody to rank.</p>"
            )
        if debrief.unranked:
            items = "".join(f"<li>{esc(line)}</li>" for line in debrief.unranked)
            parts.append(f'<h2>Not ranked (not comparable)</h2><ul class="qpq-unranked">{items}</ul>')
        spread = debrief.spread.rename(index=SPREAD_NAMES)
        parts.append(
            "<h2>Spread across pairs</h2>"
            + frame_table(
                spread,
                "qpq-spread",
                {"mean": "mean", "sd": "sd", "min": "min", "max": "max"},
                index="",
                shares=(SPREAD_NAMES["share_washington"],),
            )
        )
    links = " · ".join(
        f'<a class="qpq-export" href="/instructor/export/{n}.{k}" download>{n}.{k}</a>'
        for n in EXPORTS
        for k in FORMATS
    )
    parts.append(
        f'<h2>Export</h2><p>{links}</p><p class="note">Also written into the session folder; months count from 1, '
        'as on the pages. <a href="/instructor">Back to the instructor\'s page</a></p>'
    )
    return page(
        "Classroom: debrief",
        f'<section class="qpq-debrief">{"".join(parts)}</section>',
        nonce,
        (version, "/instructor/state", "/instructor/debrief"),
        projector=True,
    )
