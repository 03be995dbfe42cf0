"""`ordertui cancel`: cancel orders from a script or a shell."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from tui.cli.common import Context, ask, stderr_is_tty
from tui.core import decimal_json, terminal
from tui.core.errors import EXIT_AUTH, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, InputError
from tui.core.events import Event, OrderOutcome, OrderResult, Outcome, RunReport
from tui.core.exchange import Exchange
from tui.core.refs import IdKind, OrderRef, RefError
from tui.core.visible import visible

if TYPE_CHECKING:
    from tui.core.engine import CancelEngine
    from tui.core.planner import Plan
    from tui.core.ports import ExchangeClient
    from tui.core.resolve import ResolvedProfile


def collect_refs(ctx: Context) -> list[OrderRef]:
    args = ctx.args
    refs: list[OrderRef] = []
    try:
        refs += [OrderRef.uuid(v) for v in args.uuid]
        refs += [OrderRef.identifier(v) for v in args.identifier]
        refs += [OrderRef.order_id(v) for v in args.order_id]
    except RefError as exc:
        raise InputError(str(exc)) from None
    if args.from_file:
        from tui.core.parsing import parse_file

        parsed = parse_file(args.from_file)
        name = "standard input" if args.from_file == "-" else args.from_file
        for line in parsed.ignored_preview(20):
            print(f"ordertui: {name}: ignored {line}", file=sys.stderr)
        if not parsed.refs:
            detail = (
                f" ({len(parsed.ignored)} lines ignored)" if parsed.ignored else " (it is empty)"
            )
            raise InputError(f"no order ids found in {name}{detail}")
        refs += parsed.refs
    if not refs:
        raise InputError("no orders given: use --uuid, --identifier, --order-id or --from-file")
    return refs


def run_cancel(ctx: Context) -> int:
    from tui.cli.profiles import requested

    if requested(ctx.args):  # several profiles (tui/cli/multi_profile.py)
        from tui.cli.multi_profile import run_cancel_profiles

        return run_cancel_profiles(ctx)
    from tui.cli.cancel_rule_args import rule_flags_given

    if getattr(ctx.args, "all", False) or rule_flags_given(ctx.args):
        from tui.cli.cancel_all import run_cancel_all

        return run_cancel_all(ctx)
    refs = collect_refs(ctx)
    hint = Exchange.B2TRADER if all(r.kind is IdKind.ORDER_ID for r in refs) else Exchange.UPBIT
    profile = ctx.profile(exchange_hint=hint)
    from tui.core.engine import CancelEngine

    client = ctx.client(profile)
    try:
        engine = CancelEngine(client)
        plan = engine.plan(refs)
        if plan.unsupported:
            kinds = sorted({r.kind.value for r in plan.unsupported})
            raise InputError(
                f"{len(plan.unsupported)} order(s) are {'/'.join(kinds)}s, which "
                f"{client.describe()} cannot cancel: check --exchange / --profile"
            )
        args = ctx.args
        if args.dry_run:
            _print_plan(ctx, client.describe(), plan, as_json=args.json)
            return EXIT_OK
        if not args.yes:
            demo = " [DEMO]" if profile.demo else ""
            answer = ask(
                f"Cancel {len(plan.refs)} order(s) on {client.describe()}{demo} "
                f"with {plan.request_count} request(s) ({plan.summary()})?"
            )
            if answer is None:
                raise InputError(
                    "refusing to cancel without confirmation: there is no terminal to ask on; "
                    "pass --yes to confirm from a script"
                )
            if not answer:
                print("Nothing cancelled.", file=sys.stderr)
                return EXIT_USAGE
        report = execute(ctx, profile, engine, refs, client, asyncio.run, total=len(plan.refs))
    finally:
        if not client_closed(client):
            asyncio.run(client.aclose())
    return print_report(ctx, report, client.describe())


def execute(
    ctx: Context,
    profile: ResolvedProfile,
    engine: CancelEngine,
    refs: list[OrderRef],
    client: ExchangeClient,
    run_on: Callable[[Any], RunReport],
    *,
    total: int | None = None,
) -> RunReport:
    """Journal, progress line, stop signals and the order stream around one engine run;
    `run_on` runs the coroutine (asyncio.run, or a Runner whose loop holds the client's pool)."""
    engine.recorder = ctx.journal(profile)
    progress = _Progress(total or len(refs), enabled=stderr_is_tty() and not ctx.args.json)
    engine.on_event = progress.on_event
    stopper = Stopper(engine)
    try:
        report = run_on(_run(engine, refs, client, stopper, live=stream_profile(ctx, profile)))
    finally:
        stopper.settle()
    progress.done()
    return report


def print_report(
    ctx: Context, report: RunReport, target: str, extra: dict[str, Any] | None = None
) -> int:
    """`--json` (plus `extra` fields) or the human summary; the exit code."""
    if ctx.args.json:
        from tui.core.export import report_to_dict

        body = {**report_to_dict(report), **(extra or {})}
        # Scrubbed: an exchange may echo our token or access key back in an answer.
        text = ctx.redactor.scrub(decimal_json.dumps(body, indent=None))
        terminal.write(sys.stdout, text + "\n")
    else:
        print_summary(report, target, ctx.redactor.scrub)
    return exit_code(report)


def client_closed(client: object) -> bool:
    inner = getattr(client, "_client", None)
    return inner is None or inner.is_closed


# What stops a run: Ctrl+C, a polite kill, the terminal closing (an SSH drop). All three take
# the same path: nothing new is sent, the requests in flight finish and are recorded, the
# journal gets the run's end, the summary is printed (where it still can be) and the exit
# code says what happened (1 when anything was not cancelled).
STOP_SIGNALS: dict[int, str] = {
    signal.SIGINT: "Ctrl+C",
    signal.SIGTERM: "SIGTERM",
    signal.SIGHUP: "SIGHUP: the terminal closed",
}


class Abortable(Protocol):
    def abort(self, reason: str = ...) -> None: ...


class Stopper:
    """Turns the stop signals into one abort of the engine.

    A second signal changes nothing: the requests in flight are still waited for (each is
    bounded by the client's timeout and is never retried after the abort), because their
    answers are what the journal must record; it only says so again. After a SIGHUP the
    terminal is gone: its descriptors are pointed at /dev/null before anything is written.
    """

    def __init__(self, engine: Abortable) -> None:
        self.engine = engine
        self.signals: list[int] = []

    def on_signal(self, signum: int) -> None:
        if signum == signal.SIGHUP:
            terminal.detach_hung_up()
        self.signals.append(signum)
        if len(self.signals) == 1:
            self.engine.abort(f"aborted ({STOP_SIGNALS.get(signum, signum)})")
            terminal.write(
                sys.stderr,
                "\nordertui: aborting: no new requests; waiting for those in flight...\n",
            )
        else:
            terminal.write(
                sys.stderr,
                "ordertui: still waiting for requests in flight (their outcome is being recorded)\n",
            )

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        for signum in STOP_SIGNALS:
            try:
                loop.add_signal_handler(signum, self.on_signal, signum)
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    def remove(self, loop: asyncio.AbstractEventLoop) -> None:
        for signum in STOP_SIGNALS:
            try:
                loop.remove_signal_handler(signum)
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    def settle(self) -> None:
        """Once a signal stopped the run, later ones must not cut the summary or the exit
        code short: the run is over and journaled, so they are ignored from here on."""
        if not self.signals:
            return
        for signum in STOP_SIGNALS:
            try:
                signal.signal(signum, signal.SIG_IGN)
            except (ValueError, OSError):
                pass


async def _run(
    engine: CancelEngine,
    refs: list[OrderRef],
    client: ExchangeClient,
    stopper: Stopper,
    *,
    live: ResolvedProfile | None = None,
) -> RunReport:
    """Run the cancels; with `live` (the profile), its order stream confirms cancels it sees
    close, so those need no look-up (tui/cli/live_confirm.py)."""
    from tui.cli.live_confirm import stream_confirmations

    loop = asyncio.get_running_loop()
    stopper.install(loop)
    try:
        async with stream_confirmations(live, enabled=live is not None) as confirmations:
            if confirmations is not None:
                engine.confirmations = confirmations
            return await engine.run(refs)
    finally:
        stopper.remove(loop)
        await client.aclose()


def stream_profile(ctx: Context, profile: ResolvedProfile) -> ResolvedProfile | None:
    """The profile whose order stream confirms this run's cancels (None: `--no-stream`)."""
    return None if getattr(ctx.args, "no_stream", False) else profile


def exit_code(report: RunReport) -> int:
    if report.halted and ("credentials" in report.halted or "blocked" in report.halted):
        return EXIT_AUTH
    counts = report.counts
    if counts["failed"] or counts["unknown"] or counts["not_sent"]:
        return EXIT_PARTIAL
    return EXIT_OK


class _Progress:
    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self.seen: dict[str, Outcome] = {}
        self.started = time.monotonic()
        self._last = 0.0

    def on_event(self, event: Event) -> None:
        if isinstance(event, OrderOutcome):
            self.seen[event.result.ref.key] = event.result.outcome
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        self._draw()

    def _draw(self) -> None:
        counts = {o: 0 for o in Outcome}
        for outcome in self.seen.values():
            counts[outcome] += 1
        done = counts[Outcome.CANCELLED] + counts[Outcome.FAILED]
        line = (
            f"\rcancelling: {done}/{self.total} settled, {counts[Outcome.CANCELLED]} cancelled, "
            f"{counts[Outcome.FAILED]} failed, {counts[Outcome.UNKNOWN]} unknown "
            f"({time.monotonic() - self.started:.1f} s)   "
        )
        # The terminal may be gone (SIGHUP): then the progress line stops, the run does not.
        self.enabled = terminal.write(sys.stderr, line)

    def done(self) -> None:
        if self.enabled:
            self._draw()
            terminal.write(sys.stderr, "\n")


def _print_plan(ctx: Context, target: str, plan: Plan, *, as_json: bool) -> None:
    if as_json:
        print(
            decimal_json.dumps(
                {
                    "target": target,
                    "orders": len(plan.refs),
                    "duplicates": plan.duplicates,
                    "requests": [
                        {"endpoint": r.endpoint, "batch": r.batch, "ids": [x.value for x in r.refs]}
                        for r in plan.requests
                    ],
                }
            )
        )
        return
    print(
        f"Dry run: {len(plan.refs)} order(s) on {target}, {plan.request_count} request(s) ({plan.summary()}):"
    )
    if plan.duplicates:
        print(f"  ({plan.duplicates} duplicate reference(s) dropped)")
    for req in plan.requests:
        ids = ", ".join(r.value for r in req.refs[:3]) + (
            f", ... (+{len(req.refs) - 3})" if len(req.refs) > 3 else ""
        )
        print(f"  {req.endpoint}  [{len(req.refs)}] {ids}")
    print("Nothing was sent.")


def print_summary(
    report: RunReport,
    target: str,
    scrub: Callable[[str], str] = lambda text: text,
    file: Any = None,
    most: int | None = None,
) -> None:
    """The counts line, then one line per order not cancelled (at most `most` of each kind),
    to stdout unless `file`. On a dead stream (a terminal that hung up, a pipe nobody reads)
    the lines go to the void instead of raising."""

    def print(text: str) -> None:  # noqa: A001 - every line of the summary goes out scrubbed
        terminal.write(file or sys.stdout, visible(scrub(text)) + "\n")  # one line each

    def listed(outcome: Outcome, label: str, line: Callable[[OrderResult], None]) -> None:
        results = report.by_outcome(outcome)
        shown = results if most is None else results[:most]
        for result in shown:
            line(result)
        if len(shown) < len(results):
            more = len(results) - len(shown)
            print(f"  ... and {more} more {label} (all in the journal, run {report.run_id})")

    def failed(result: OrderResult) -> None:
        err = result.error
        market = f" {result.row.market}" if result.row and result.row.market else ""
        print(
            f"  failed  {result.ref.value}{market}: {err.name if err else '?'}: {err.message if err else ''}"
        )
        if err and err.hint:
            print(f"          hint: {err.hint}")

    c = report.counts
    print(
        f"{target}: {c['cancelled']} cancelled, {c['failed']} failed, {c['unknown']} unknown"
        + (f", {c['not_sent']} not sent" if c["not_sent"] else "")
        + f" ({report.requests} requests, {report.elapsed_s:.2f} s; run {report.run_id})"
    )
    listed(Outcome.FAILED, "failed", failed)
    listed(
        Outcome.UNKNOWN,
        "unknown",
        lambda r: print(
            f"  unknown {r.ref.value}: outcome not known yet; run `ordertui reconcile`"
        ),
    )
    listed(Outcome.NOT_SENT, "not sent", lambda r: print(f"  not sent {r.ref.value}"))
    if report.halted:
        print(f"Run halted: {report.halted}")
    if report.internal_errors:
        print(internal_errors_line(report.internal_errors))


def internal_errors_line(count: int) -> str:
    """Said after a run that caught bugs of ours: the outcomes stand (each was recorded and, where
    the answer was lost, looked up), but the run was not clean and the log says why."""
    from tui.cli.logs import log_path

    return (
        f"ordertui: {count} internal error(s) caught during this run (a bug in ordertui, "
        f"not the exchange): the outcomes above stand; details in {log_path()}"
    )
