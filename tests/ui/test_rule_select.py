"""Select by rule (m): the form marks exactly the rows the rule matches; named rules in the palette."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.ui.conftest import loaded, wait_for
from tui.core.rules import Rule
from tui.ui.screens.rule_select import RuleSelectScreen


def expected(app, rule: Rule) -> set[str]:
    now = datetime.now(UTC)
    return {r.key for r in app.main.table.all_rows() if r.known and rule.matches(r.order, now)}


async def test_form_selects_the_matching_rows(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        rows = app.main.table.all_rows()
        keep = next(r.identifier for r in rows if r.identifier and r.side == "bid")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, RuleSelectScreen), what="the form")
        app.screen.query_one("#side").value = "bid"
        app.screen.query_one("#keep").value = keep
        app.screen.query_one("#side").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, RuleSelectScreen))
        rule = Rule.build(side="bid", keep_identifier_prefixes=[keep])
        want = expected(app, rule)
        assert want and len(want) < len(rows)
        assert set(app.main.table.selected_keys) == want
        assert all(r.side == "bid" and r.identifier != keep for r in app.main.table.selected_rows())


async def test_a_bad_rule_stays_in_the_form_with_one_line(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, RuleSelectScreen), what="the form")
        app.screen.query_one("#older_than").value = "5x"
        app.screen.query_one("#older_than").focus()
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, RuleSelectScreen)
                and "bad duration" in str(app.screen.query_one("#error").render())
            ),
            timeout=10,
            what="the form's error",
        )
        assert isinstance(app.screen, RuleSelectScreen)
        assert "bad duration" in str(app.screen.query_one("#error").render())
        assert app.main.table.selected_count == 0
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, RuleSelectScreen))


async def test_named_rules_are_palette_entries(make_app, isolated_home):
    config = isolated_home / ".config" / "ordertui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[rules.asks]\nside = "ask"\n')
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert "Select by rule" in commands
        commands["Select by rule: asks"].callback()
        want = expected(app, Rule.build(side="ask"))
        await wait_for(
            pilot,
            lambda: set(app.main.table.selected_keys) == want,
            timeout=10,
            what="the rule's selection",
        )
        assert want and set(app.main.table.selected_keys) == want


def test_form_snapshot(make_app, snap_compare, monkeypatch):
    from tests.ui import demo_keys
    from tests.ui.test_snapshots import freeze, settle

    demo_keys.install(monkeypatch)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RuleSelectScreen), what="form")
        screen = pilot.app.screen
        screen.query_one("#markets").value = "KRW-BTC, KRW-ETH"
        screen.query_one("#side").value = "bid"
        screen.query_one("#older_than").value = "2h"
        screen.query_one("#keep").value = "hedge-"
        await pilot.pause(0.1)
        freeze(pilot.app)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run_before)


async def test_panic_cancel_takes_every_match_after_the_typed_count(make_app):
    from tests.ui.conftest import sim_truth
    from tui.ui.screens.prompt import PromptScreen
    from tui.ui.screens.results import ResultsScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        rows = app.main.table.all_rows()
        bids = {r.id for r in rows if r.side == "bid"}
        others = {r.id for r in rows} - bids
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, RuleSelectScreen), what="the form")
        app.screen.query_one("#side").value = "bid"
        app.screen.query_one("#side").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="the guard")
        question = str(app.screen.query_one("#title").render())
        assert "created after this confirmation will be cancelled too" in question
        assert f"Type {len(bids)} to confirm" in question
        app.screen.query_one("#value").value = str(len(bids))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen), what="results")
        truth = sim_truth(app)["upbit"]
        assert all(truth[u] == "cancel" for u in bids)
        assert all(truth[u] in ("wait", "watch") for u in others)
        assert app.cancel_run.last_report.counts["cancelled"] == len(bids)


async def test_panic_cancel_without_the_count_cancels_nothing(make_app):
    from tests.ui.conftest import sim_truth
    from tui.ui.screens.prompt import PromptScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, RuleSelectScreen), what="the form")
        app.screen.query_one("#markets").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), what="the guard")
        app.screen.query_one("#value").value = "yes"
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert set(sim_truth(app)["upbit"].values()) <= {"wait", "watch", "done"}
