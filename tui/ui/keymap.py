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
)


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
    if not isinstance(keys, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in keys.items()):
        return {}, f"{target.name}: [keys] must map binding ids to key strings"
    known = all_binding_ids()
    unknown = sorted(k for k in keys if k not in known)
    if unknown:
        return {k: v for k, v in keys.items() if k in known}, f"{target.name}: unknown binding ids: {', '.join(unknown)}"
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
    ids = set()
    for section in HELP_SECTIONS:
        for binding in section_bindings(section):
            if binding.id:
                ids.add(binding.id)
    return ids


def key_display(keys: str) -> str:
    """"ctrl+p,f1" -> "ctrl+p / f1"; Textual key names made readable."""
    names = {"question_mark": "?", "slash": "/", "comma": ",", "space": "space", "escape": "esc",
             "pageup": "pgup", "pagedown": "pgdn", "enter": "enter"}
    return " / ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))


def help_rows(keymap: dict[str, str] | None = None) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """[(section title, [(keys, description, id)])] with the user's keymap applied."""
    keymap = keymap or {}
    out = []
    for section in HELP_SECTIONS:
        rows = []
        for binding in section_bindings(section):
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            rows.append((key_display(keys), binding.description or binding.action, binding.id or ""))
        out.append((section.title, rows))
    return out
