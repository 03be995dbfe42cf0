"""Key bindings by id (as posting does): every binding has an id, and a user keymap file can
rebind any of them without touching code.

`<user config dir>/ordertui/keymap.toml`:

    [keys]
    "main.cancel" = "c,delete"
    "table.toggle" = "space,x"

Ids are listed on the help screen (`?`). A bad file is reported in one notification.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class HelpSection:
    title: str
    owner: str  # dotted path of the class whose BINDINGS are listed


# What the help screen lists, in order (each class's BINDINGS, with keymap overrides applied).
HELP_SECTIONS: tuple[HelpSection, ...] = (
    HelpSection("Everywhere", "tui.ui.app.OrderTuiApp"),
    HelpSection("Orders", "tui.ui.screens.main.MainScreen"),
    HelpSection("Order table", "tui.ui.widgets.order_table.OrderTable"),
    HelpSection("Confirm", "tui.ui.screens.confirm.ConfirmScreen"),
    HelpSection("Results", "tui.ui.screens.results.ResultsScreen"),
    HelpSection("Paste / import preview", "tui.ui.screens.paste_preview.PastePreviewScreen"),
    HelpSection("Order detail", "tui.ui.screens.detail.DetailScreen"),
    HelpSection("Questions (abort, quit, reconcile)", "tui.ui.screens.ask.AskScreen"),
    HelpSection("Add an order", "tui.ui.screens.add_order.AddOrderScreen"),
    HelpSection("Select by rule", "tui.ui.screens.rule_select.RuleSelectScreen"),
    HelpSection("Path prompts (export, import)", "tui.ui.screens.prompt.PromptScreen"),
    HelpSection("Profiles", "tui.ui.screens.profiles.ProfilesScreen"),
    HelpSection("Settings", "tui.ui.screens.settings.SettingsScreen"),
    HelpSection("This help", "tui.ui.screens.help.HelpScreen"),
)

FIXED = "fixed"  # shown in the id column of keys Textual itself binds (no id: not rebindable)


def fixed_rows(owner: str) -> list[tuple[str, str, str]]:
    """Keys the app has from Textual itself, listed with the app's own (they work everywhere)."""
    if owner != "tui.ui.app.OrderTuiApp":
        return []
    from textual.app import App

    cls = _resolve(owner)
    rows = [
        (key_display(cls.COMMAND_PALETTE_BINDING), "Command palette: every action by name", FIXED)
    ]
    for item in App.BINDINGS:
        key, action = (item.key, item.action) if not isinstance(item, tuple) else item[:2]
        if action == "quit":
            rows.append((key_display(key), "Quit (works while typing too)", FIXED))
    return rows


def keymap_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("ordertui", appauthor=False)) / "keymap.toml"


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], str | None]:
    """(binding id -> keys, error). A missing file is an empty keymap."""
    target = path or keymap_path()
    if not target.exists():
        return {}, None
    try:
        data = tomllib.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, f"{target.name}: {exc}"
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
    ):
        return {}, f"{target.name}: [keys] must map binding ids to key strings"
    known = all_binding_ids()
    unknown = sorted(k for k in keys if k not in known)
    if unknown:
        return {
            k: v for k, v in keys.items() if k in known
        }, f"{target.name}: unknown binding ids: {', '.join(unknown)}"
    return dict(keys), None


def _resolve(dotted: str):
    import importlib

    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def section_bindings(section: HelpSection):
    from textual.binding import Binding

    cls = _resolve(section.owner)
    out = []
    for item in getattr(cls, "BINDINGS", []):
        if isinstance(item, Binding):
            out.append(item)
        elif isinstance(item, tuple):
            out.append(Binding(*item))
    return out


def all_binding_ids() -> set[str]:
    """Every binding id the app defines (each screen and widget with bindings has a section)."""
    ids = set()
    for section in HELP_SECTIONS:
        for binding in section_bindings(section):
            if binding.id:
                ids.add(binding.id)
    return ids


def key_display(keys: str) -> str:
    """ "ctrl+p,f1" -> "ctrl+p / f1"; Textual key names made readable."""
    names = {
        "question_mark": "?",
        "slash": "/",
        "comma": ",",
        "space": "space",
        "escape": "esc",
        "pageup": "pgup",
        "pagedown": "pgdn",
        "enter": "enter",
    }
    return " / ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))


def help_rows(keymap: dict[str, str] | None = None) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """[(section title, [(keys, description, id)])] with the user's keymap applied."""
    keymap = keymap or {}
    out = []
    for section in HELP_SECTIONS:
        rows = []
        for binding in section_bindings(section):
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            rows.append(
                (key_display(keys), binding.description or binding.action, binding.id or "")
            )
        rows.extend(fixed_rows(section.owner))
        out.append((section.title, rows))
    return out
