"""The default command: the TUI; and `serve`, the TUI in a browser."""

from __future__ import annotations

from tui.cli.common import Context


def run_tui(ctx: Context) -> int:
    from tui.ui.app import run_app

    a = ctx.args
    return (
        run_app(
            overrides=ctx.overrides(),
            config_path=a.config,
            theme=a.theme,
            import_path=a.import_path,
        )
        or 0
    )


def run_serve(ctx: Context) -> int:
    from tui.ui.serve import serve

    return serve(ctx.args, ctx.redactor) or 0
