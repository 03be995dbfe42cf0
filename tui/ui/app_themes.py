"""The app's themes: install the shipped and user themes, pick one, refuse one whose
variables do not fit the stylesheet, and remember the one applied."""

from __future__ import annotations

from textual.app import App
from textual.theme import Theme


class ThemedApp(App):
    """`OrderTuiApp`'s theme handling. Call `install_themes` at the end of `__init__` and
    `themes_ready` once mounted."""

    remember: bool = True
    _flag_theme: str | None = None  # --theme
    theme_errors: list[str]
    theme_warning: str | None = None
    _theme_ready = False
    _applied_theme: str | None = None

    def install_themes(self, configured: str | None) -> None:
        from tui.ui.themes import load_themes, pick_theme, remembered_theme

        loaded = load_themes()
        for theme in loaded.themes.values():
            self.register_theme(theme)
        self.theme_errors = loaded.errors
        name, self.theme_warning = pick_theme(
            self.available_themes,
            flag=self._flag_theme,
            remembered=remembered_theme() if self.remember else None,
            configured=configured,
            broken=loaded.broken,
        )
        self.theme = name

    def themes_ready(self) -> None:
        """On mount: from now on a switch is checked (`validate_theme`) and remembered."""
        if self.remember and self._flag_theme and self.theme == self._flag_theme:
            self._remember_theme(self.theme)
        self._applied_theme = self.theme
        self.theme_changed_signal.subscribe(self, self._theme_applied)
        self._theme_ready = True

    def validate_theme(self, name: str) -> str:
        """Every switch (palette, `t`, code) passes here after Textual's own check: a theme
        whose variables do not fit the app's stylesheet would fail every CSS parse (a crash), so
        it is refused in one notification and the current theme stays."""
        if not self._theme_ready or name == self.theme:
            return name
        problem = self._theme_problem(name)
        if problem is None:
            return name
        self.notify(f"Theme {name!r} not applied: {problem}", severity="error", timeout=10)
        return self.theme

    def _theme_problem(self, name: str) -> str | None:
        from tui.ui.themes import variable_problem

        theme = self.get_theme(name)
        if theme is None:
            return "no such theme"
        problem = variable_problem(theme)
        if problem:
            return problem
        # Then the app's real stylesheet with this theme's variables (as refresh_css will do).
        variables = {
            **self.get_theme_variable_defaults(),
            **theme.to_color_system().generate(),
            **theme.variables,
        }
        sheet = self.stylesheet.copy()
        sheet.set_variables(variables)
        try:
            sheet.reparse()
        except Exception:
            return "its [variables] do not fit the app's styles"
        return None

    def _theme_applied(self, theme: Theme) -> None:
        """Remember a theme only once it has been applied (the CSS refreshed without error)."""
        if theme.name == self._applied_theme:
            return
        self._applied_theme = theme.name
        if self.remember:
            self._remember_theme(theme.name)

    @staticmethod
    def _remember_theme(name: str) -> None:
        from tui.ui.themes import remember_theme

        remember_theme(name)
