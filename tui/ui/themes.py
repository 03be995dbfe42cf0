"""Themes: Textual's built-ins, the theme files shipped in the package, and the user's own.

A theme file is TOML:

    name = "my-theme"
    dark = true
    primary = "#3A8DFF"          # required; every other colour is optional
    background = "#0B0F17"
    [variables]                  # any Textual design variable
    "block-cursor-background" = "#2A4A7A"

Shipped files live in `tui/themes` inside the installed package (`themes/` in the source tree);
user files in `<user config dir>/ordertui/themes/*.toml`. A broken user file never stops the
app: every problem is collected and the app shows them in one notification.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tui.core.errors import error_text

if TYPE_CHECKING:
    from textual.theme import Theme

DEFAULT_THEME = "ordertui-dark"
COLOR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)


def _check_color(value: str) -> str:
    from textual.color import Color, ColorParseError

    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise ValueError(f"not a colour: {value!r}") from exc
    return value


class ThemeFile(BaseModel):
    """One theme file, checked before it reaches Textual."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    dark: bool = True
    primary: str
    secondary: str | None = None
    accent: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    luminosity_spread: float = Field(default=0.15, ge=0, le=1)
    text_alpha: float = Field(default=0.95, ge=0, le=1)
    variables: dict[str, str] = {}

    @field_validator(*COLOR_FIELDS)
    @classmethod
    def _colors(cls, value: str | None) -> str | None:
        return None if value is None else _check_color(value)

    def to_theme(self):
        """The Textual theme. Raises ValueError when a [variables] value would not parse where
        Textual uses that variable (it would fail every stylesheet parse: a crash on start)."""
        from textual.theme import Theme

        theme = Theme(**self.model_dump())
        problem = variable_problem(theme)
        if problem:
            raise ValueError(problem)
        return theme


def _variable_property(name: str, known: bool) -> str | None:
    """The CSS property a design variable goes into (judged by its name, as Textual names
    them), or None for a variable of the user's own that nothing uses (harmless)."""
    parts = name.split("-")
    if "style" in parts:
        return "text-style"
    if "foreground" in parts or "color" in parts or parts[0] == "text":
        return "color"
    if known or "background" in parts:
        return "background"
    return None


def variable_problem(theme) -> str | None:
    """The first `[variables]` entry that would not parse where it is used, as one line.

    Each variable is tried in a one-rule stylesheet with the property Textual uses it for
    (a colour for `*-background`, a style for `*-text-style`, ...), with every other variable of
    the theme defined, so references like "$primary 40%" work as they will in the app.
    """
    from textual.css.stylesheet import Stylesheet
    from textual.theme import Theme

    if not theme.variables:
        return None
    plain = Theme(
        **{
            **{
                k: getattr(theme, k)
                for k in (*COLOR_FIELDS, "name", "dark", "luminosity_spread", "text_alpha")
            },
            "variables": {},
        }
    )
    defaults = plain.to_color_system().generate()
    try:
        variables = {**theme.to_color_system().generate(), **theme.variables}
    except Exception as exc:  # Textual computes some colours from others
        return f"variables: {exc}"
    for name, value in theme.variables.items():
        prop = _variable_property(name, name in defaults)
        if prop is None:
            continue
        sheet = Stylesheet(variables=variables)
        sheet.add_source(f"Screen {{ {prop}: ${name}; }}", read_from=("theme variable", name))
        try:
            sheet.parse()
        except Exception:  # StylesheetError, or an undefined variable referenced from a value
            kind = 'text style (e.g. "bold", "none")' if prop == "text-style" else "colour"
            return f"variables.{name}: {value!r} is not a {kind}"
    return None


@dataclass(slots=True)
class LoadedThemes:
    themes: dict[str, Theme] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)  # name -> file it came from
    errors: list[str] = field(default_factory=list)  # one line per broken user file
    broken: dict[str, str] = field(default_factory=dict)  # theme name -> its broken file's name


def shipped_themes_dir() -> Path:
    """`tui/themes` in an installed package; `themes/` next to `tui/` in a source checkout."""
    import tui

    package = Path(tui.__file__).parent
    inside = package / "themes"
    return inside if inside.is_dir() else package.parent / "themes"


def user_themes_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("ordertui", appauthor=False)) / "themes"


def read_theme_file(path: Path) -> ThemeFile:
    """Parse and check one file. Raises ValueError with a one-line reason."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(exc.strerror or str(exc)) from None
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"not valid TOML ({exc})") from None
    try:
        return ThemeFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "file"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ValueError(f"{where}: {error_text(dict(first))}{more}") from None


def load_themes(*, user_dir: Path | None = None, shipped_dir: Path | None = None) -> LoadedThemes:
    """Every shipped theme, then every user theme (a user theme may replace a shipped one)."""
    out = LoadedThemes()
    for directory, is_user in (
        (shipped_dir or shipped_themes_dir(), False),
        (user_dir or user_themes_dir(), True),
    ):
        try:
            files = sorted(directory.glob("*.toml")) if directory.is_dir() else []
        except OSError:
            files = []
        for path in files:
            parsed = None
            try:
                parsed = read_theme_file(path)
                theme = parsed.to_theme()
            except ValueError as exc:
                if is_user:
                    out.errors.append(f"{path.name}: {exc}")
                    if parsed is not None:
                        out.broken[parsed.name] = path.name
                    continue
                raise
            except Exception as exc:  # anything Textual itself refuses
                if is_user:
                    out.errors.append(f"{path.name}: {exc}")
                    continue
                raise
            out.themes[theme.name] = theme
            out.sources[theme.name] = path
    return out


# ---- remembering the choice ------------------------------------------------------------------
def ui_state_path() -> Path:
    """Where the app remembers the last theme (no secrets: separate from the config file)."""
    import platformdirs

    return Path(platformdirs.user_state_dir("ordertui", appauthor=False)) / "ui.toml"


def remembered_theme(path: Path | None = None) -> str | None:
    target = path or ui_state_path()
    try:
        data = tomllib.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    theme = data.get("theme")
    return theme if isinstance(theme, str) and theme else None


def remember_theme(name: str, path: Path | None = None) -> Path | None:
    """Write the chosen theme; failing to remember is not worth an error."""
    import tomlkit

    target = path or ui_state_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(tomlkit.dumps({"theme": name}), encoding="utf-8")
        tmp.replace(target)
    except OSError:
        return None
    return target


def pick_theme(
    available: Mapping[str, object],
    *,
    flag: str | None,
    remembered: str | None,
    configured: str | None,
    broken: dict[str, str] | None = None,
) -> tuple[str, str | None]:
    """The theme to start with and, if a requested one is unknown, a warning to show.

    Order: `--theme`, then the last choice made in the app, then `[ui] theme` in the config.
    `broken` (theme name -> file) says which names were skipped for an error in their file.
    """
    warning = None
    for source, name in (
        ("--theme", flag),
        ("remembered", remembered),
        ("config [ui] theme", configured),
    ):
        if not name:
            continue
        if name in available:
            return name, warning
        if warning is None and broken and name in broken:
            warning = f"Theme {name!r} ({source}) not used: {broken[name]} has an error."
        elif warning is None:
            known = ", ".join(sorted(available))
            warning = f"Unknown theme {name!r} ({source}); available: {known}"
    return (DEFAULT_THEME if DEFAULT_THEME in available else "textual-dark"), warning
