"""The command palette's commands and the settings screen's rows (what the app offers)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from tui.core.models.stream import StreamState

if TYPE_CHECKING:
    from tui.ui.app import OrderTuiApp


def system_commands(app: OrderTuiApp) -> Iterable[SystemCommand]:
    """The command palette's commands (each names its key)."""
    main = app.main
    yield SystemCommand(
        "Load open orders", "Fetch every open order from the exchange (r)", main.action_load
    )
    yield SystemCommand(
        "Cancel selected orders",
        "Confirm, then cancel the selection or the row under the cursor (c)",
        main.action_cancel,
    )
    yield SystemCommand(
        "Add an order", "Add one order by uuid, identifier or order id (n)", main.action_add
    )
    yield SystemCommand(
        "Import orders from a file",
        "Text, CSV/TSV or JSON, previewed before adding (i)",
        main.action_import,
    )
    yield SystemCommand(
        "Look up unknown orders",
        "Fetch full details of orders known only by id (l)",
        main.action_lookup,
    )
    yield SystemCommand(
        "Filter orders",
        "Free text over market, side, id, identifier, state (/)",
        main.action_filter,
    )
    yield SystemCommand(
        "Select all shown orders",
        "Or clear them when all are selected (a)",
        lambda: main.table.action_select_all(),
    )
    yield SystemCommand(
        "Show last results", "The result panels of the last run (v)", main.action_results
    )
    yield SystemCommand(
        "Export last results",
        "Write the last run's results to CSV or JSON",
        lambda: export_last(app),
    )
    yield SystemCommand(
        "Switch profile",
        "Choose another configured profile or the demo (p)",
        app.action_switch_profile,
    )
    yield SystemCommand(
        "Change theme", "Pick a theme; the choice is remembered (t)", app.action_pick_theme
    )
    yield SystemCommand(
        "Settings",
        "Where the config, journal, themes and keymap live (,)",
        app.action_settings,
    )
    yield SystemCommand("Help", "Every key binding (?)", app.action_help)
    from tui.ui.screens.rule_select import rule_commands

    yield from rule_commands(main)
    status = app.stream_status
    if status is not None and status.state is StreamState.OFF:  # only while it is off
        yield SystemCommand(
            "Reconnect the order stream",
            f"Live updates are off ({status.reason or 'stopped'}): open the stream again",
            app.reconnect_stream,
        )
    from tui.ui.widgets.order_table import COLUMN_LABELS, SORTABLE

    for column in SORTABLE:
        yield SystemCommand(
            f"Sort by {COLUMN_LABELS[column]}",
            "Again to reverse the order",
            lambda c=column: main.table.sort_by(c),
        )
    yield SystemCommand("Quit", "Quit ordertui (q)", app.action_quit)


def export_last(app: OrderTuiApp) -> None:
    main = app.main
    report = app.cancel_run.last_report
    if report is None:
        app.notify("No run yet in this session.")
        return
    main.show_results(report)
    app.call_after_refresh(lambda: app.screen.run_action("export"))


def settings_rows(app: OrderTuiApp) -> list[tuple[str, str]]:
    """What the settings screen (,) lists: where everything lives, and the profile in use."""
    from tui.ui.keymap import keymap_path
    from tui.ui.session import journal_dir
    from tui.ui.themes import shipped_themes_dir, ui_state_path, user_themes_dir

    session = app.session
    path = session.config_file
    from tui.ui.formatting import short_path

    rows = [
        (
            "Config file",
            short_path(path)
            + ("" if path.exists() else "  (not created yet: `ordertui config init`)"),
        )
    ]
    if session.config_error:
        rows.append(("Config problem", session.config_error))
    profile = session.profile
    if profile is not None:
        rows.append(
            (
                "Profile",
                (profile.name or "default")
                + ("  (demo: built-in simulator)" if profile.demo else ""),
            )
        )
        rows.append(("Exchange", profile.target()))
        rows.append(("Base URL", profile.base_url or "default for the region"))
        for key, value in profile.masked_credentials().items():
            rows.append((key.replace("_", " ").capitalize(), value))
        rows.append(
            (
                "Settings from",
                ", ".join(f"{k}: {v}" for k, v in sorted(profile.sources.items())) or "defaults",
            )
        )
    if session.config is not None and session.config.profiles:
        rows.append(("Profiles", ", ".join(sorted(session.config.profiles))))
    rows.append(("Journal", short_path(journal_dir())))
    rows.append(
        (
            "Theme",
            f"{app.theme}  (t or the command palette changes it; remembered in "
            f"{short_path(ui_state_path())})",
        )
    )
    rows.append(
        (
            "Theme files",
            f"{short_path(shipped_themes_dir())}  and  {short_path(user_themes_dir())}",
        )
    )
    rows.append(("Keymap", short_path(keymap_path())))
    return rows
