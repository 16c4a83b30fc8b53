"""No sequence of clicks crashes the dashboard: 50 seeded random click sequences at full speed.

One `qpq dashboard` and one headless Chromium (Debian's) serve all sequences. Each sequence
makes a few random choices among what a student can click -- the seat, Reset, the relief and
release buttons, accept or refuse, Step, Finish and compare, the scenario buttons -- without
waiting for the page between them (Playwright waits only until the element can be clicked).
Then Reset, whose effect ("nothing run yet") shows that the server has handled every click
before it, and the page must show no traceback and no error. At the end the server's log must
have none either.

Issue 13 measured the races this catches: a release share chosen after a relief set, then
Step at once, replaced the page with `ValueError: '30% of the ask: 21 (...)' is not in list`.
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright
from test_dashboard_browser import CHROMIUM_ARGS, WAIT, chromium, only_local, serving

SEQUENCES = 50
# Weighted towards the play form: the seat chosen applies at the next Reset (every sequence
# ends with one) and lasts until a scenario button opens a new session.
ACTIONS = (
    ("seat",) * 2
    + ("reset",) * 2
    + ("relief",) * 3
    + ("release",) * 3
    + ("accept",) * 2
    + ("step",) * 4
    + ("finish", "scenario")
)
FAILURES = re.compile(
    r"Traceback|Error:|error in step|error in visualization|Exception|could not take that|action failed"
)


def click_option(choice, rng: random.Random) -> bool:
    """Click one of a choice's options at random (False if the page does not show the choice now)."""
    options = choice.locator(".qpq-option")
    count = options.count()
    if not count:
        return False
    pick = rng.randrange(count)
    try:
        options.nth(pick).click(timeout=WAIT)
    except PlaywrightTimeout:
        # The page moved on between counting and clicking (a step or a reset re-rendered the
        # form without this option): a click that lands on nothing, as a student's would. Any
        # other reason is a failure.
        if options.count() > pick:
            raise
        return False
    return True


def act(page, action: str, rng: random.Random) -> bool:
    """One click a student could make; a control that the page does not show now is skipped
    (False)."""
    if action in ("seat", "relief", "release", "accept"):
        return click_option(page.locator(f".qpq-{action}"), rng)
    elif action == "reset":
        page.get_by_role("button", name="Reset").click()
    elif action == "step":
        button = page.get_by_role("button", name="Step")
        if not button.is_enabled():
            return False
        button.click()
    elif action == "finish":
        finish = page.locator(".qpq-finish")
        if not finish.count():
            return False
        try:
            finish.click(timeout=WAIT)
        except PlaywrightTimeout:
            # The form went away between counting and clicking (the step before it ended the
            # run, or a reset re-rendered it): a click on nothing, as in click_option.
            if finish.count():
                raise
            return False
    elif action == "scenario":
        buttons = page.locator(".qpq-scenario")
        with page.expect_navigation(timeout=60_000):  # a scenario button loads the page afresh
            buttons.nth(rng.randrange(buttons.count())).click()
        expect(page.locator(".qpq-summary")).to_be_visible(timeout=60_000)
    return True


def settled_without_error(page) -> str:
    """Reset, and wait until the page shows the new model -- or something went wrong."""
    if FAILURES.search(page.inner_text("body")):
        return page.inner_text("body")
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function(
        "() => /Traceback|error in step|could not take that/.test(document.body.innerText) || "
        "/nothing run yet/.test(document.querySelector('.qpq-summary')?.innerText || '')",
        timeout=WAIT,
    )
    return page.inner_text("body")


def test_fifty_random_click_sequences_never_break_the_page(tmp_path):
    log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "QPQ_TRUST")}
    with serving(log, env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            page.route("**/*", only_local)
            page.goto(url)
            expect(page.locator(".qpq-summary")).to_be_visible(timeout=60_000)
            chosen, made = Counter(), Counter()
            for seed in range(SEQUENCES):
                rng = random.Random(seed)
                if seed % 5 == 0:  # every fifth sequence starts in a seat, so that play mode is well covered
                    seat = "Washington" if seed % 10 == 0 else "Minsk"
                    page.locator(".qpq-seat .qpq-option", has_text=re.compile(f"^{seat}:")).click()
                    page.get_by_role("button", name="Reset").click()
                    expect(page.locator(".qpq-play")).to_contain_text(f"You are {seat}", timeout=WAIT)
                actions = [rng.choice(ACTIONS) for _ in range(rng.randint(3, 7))]
                chosen.update(actions)
                made.update(action for action in actions if act(page, action, rng))
                body = settled_without_error(page)
                assert not FAILURES.search(body), f"sequence {seed} {actions}: the page shows an error:\n{body[:3000]}"
        finally:
            browser.close()
    # Every kind of click was drawn, and the play form's were made many times.
    assert set(chosen) == set(ACTIONS), chosen
    assert made["relief"] + made["release"] >= 10 and made["step"] >= 20, made
    server_log = Path(log).read_text()
    assert not FAILURES.search(server_log), server_log[-3000:]
