"""The `tandem` command line: run the bot, chat in the terminal, check lessons, ask questions."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError, load_settings, unknown_settings
from lessons import LANGS, Library, load_library

if TYPE_CHECKING:
    from bot.core.commands.dashboard import SignIn

logger = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tandem` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(settings, quiet=getattr(args, "quiet_logs", True))
    for line in unknown_settings():
        logger.warning(line)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    from storage.db import DatabaseUnavailable, DatabaseURLError

    try:
        return int(args.handler(args, settings) or 0)
    except (DatabaseUnavailable, DatabaseURLError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`tandem chat ... | head`): nothing left to tell
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


TANDEM_LOGGERS = ("bot", "storage", "scheduler", "lessons")
"""Tandem's own loggers: they name people by id (or key), never by display name, and quote no text."""
LIBRARY_FLOORS = {
    "slack_bolt": logging.INFO,
    "slack_sdk": logging.INFO,
    "microsoft_agents": logging.INFO,
    "aiohttp": logging.INFO,
    "urllib3": logging.INFO,
    "msal": logging.INFO,
    "asyncio": logging.INFO,
    "sqlalchemy": logging.WARNING,
    "alembic": logging.WARNING,
    "bm25s": logging.WARNING,
}
"""The most each library may log, whatever TANDEM_LOG_LEVEL says. At DEBUG the Slack, Teams and HTTP
libraries log whole request and response bodies (people's names, their messages); SQLAlchemy logs every
statement with its parameters from INFO on, so it stays at WARNING, its own default."""
QUIET_BELOW_DEBUG = (
    "apscheduler",
    "microsoft_agents.hosting.core.authorization.connection_manager",
)
"""Libraries' INFO lines that say nothing an operator needs (APScheduler's two lines per drip tick, the
Agents SDK's dump of its connection settings): shown only at TANDEM_LOG_LEVEL=DEBUG."""
QUIET_MESSAGES = ("`token` will be unused", "`token` (or SLACK_BOT_TOKEN env variable) will be ignored")
"""Warnings that are expected, shown only at DEBUG: bolt reads SLACK_BOT_TOKEN itself and says it will
not use it, because Tandem hands it a ready Web API client."""


class _QuietFilter(logging.Filter):
    """Drops the libraries' expected warnings (`QUIET_MESSAGES`) below DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("slack_bolt"):
            return True
        message = record.getMessage()
        return not any(quiet in message for quiet in QUIET_MESSAGES)


def configure_logging(settings: Settings, *, quiet: bool) -> None:
    """Terminal commands log warnings only unless TANDEM_LOG_LEVEL asks for more; servers log INFO.

    TANDEM_LOG_LEVEL=DEBUG is for Tandem's own loggers only. Libraries stay at INFO at most, even then:
    at DEBUG they log request and response bodies with people's names and messages. So the root logger
    (which every library inherits from, and which slack_bolt copies onto its loggers as it creates them)
    stays at INFO, and the libraries that log bodies are capped by name as well (`LIBRARY_FLOORS`).
    """
    level = (
        settings.log_level if "log_level" in settings.model_fields_set else ("WARNING" if quiet else "INFO")
    )
    wanted = logging.getLevelName(level)
    logging.basicConfig(
        level=max(wanted, logging.INFO), format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    for package in TANDEM_LOGGERS:
        logging.getLogger(package).setLevel(wanted)
    for library, floor in LIBRARY_FLOORS.items():
        logging.getLogger(library).setLevel(max(floor, wanted))
    for library in QUIET_BELOW_DEBUG:
        logging.getLogger(library).setLevel(logging.INFO if wanted <= logging.DEBUG else logging.WARNING)
    if wanted > logging.DEBUG:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_QuietFilter())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description="Tandem, the reverse-mentoring bot.")
    parser.add_argument(
        "--lessons",
        action="append",
        default=[],
        metavar="DIR",
        type=Path,
        help="extra lesson directory (repeatable); adds to TANDEM_LESSONS",
    )
    sub = parser.add_subparsers(metavar="COMMAND")

    lessons = _command(sub, "lessons", "check or list the lesson library")
    lessons_sub = lessons.add_subparsers(metavar="ACTION")
    check = _command(lessons_sub, "check", "validate lesson files; exit 1 on any error")
    check.add_argument("dirs", nargs="*", type=Path, metavar="DIR")
    check.set_defaults(handler=cmd_lessons_check)
    listing = _command(lessons_sub, "list", "print the tracks and lessons")
    listing.set_defaults(handler=cmd_lessons_list)
    learned = _command(lessons_sub, "examples", "write what mentors taught into lesson files, for review")
    learned.add_argument(
        "--export", required=True, type=Path, metavar="DIR", help="where to write the lesson files"
    )
    learned.set_defaults(handler=cmd_lessons_examples)

    ask = _command(sub, "ask", "answer a question from the library (stdin: one per line)")
    ask.add_argument("question", nargs="?", help="the question; read from stdin when left out")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--lang", choices=LANGS, help="learner language when the question's is unclear")
    ask.set_defaults(handler=cmd_ask)

    chat = _command(sub, "chat", "talk to the bot in this terminal")
    chat.add_argument("--user", required=True, help="your console name, as others @mention you")
    chat.add_argument("--name", help='your display name, like "Alice Martin"')
    chat.set_defaults(handler=cmd_chat)

    run = _command(sub, "run", "start the bot for Slack or Teams, else in this terminal")
    run.add_argument(
        "--user",
        help="console name of the local user (default: your login name); the first admin of a database "
        "that has no admin yet, never of one that has",
    )
    run.add_argument("--host", help="address of the HTTP server (default TANDEM_HOST, 0.0.0.0)")
    run.add_argument("--port", type=int, help="port of the HTTP server (default TANDEM_PORT, 3000)")
    run.set_defaults(handler=cmd_run)

    dashboard = _command(sub, "dashboard", "print a one-time sign-in link to the web dashboard")
    dashboard.add_argument(
        "--user",
        required=True,
        metavar="NAME",
        help="the admin or mentor it is for: a console name, a platform id, a display name or a person key",
    )
    dashboard.set_defaults(handler=cmd_dashboard)

    drip = _command(sub, "drip", "run one drip tick as if it were a given moment")
    drip.add_argument(
        "--at", required=True, help="ISO date-time, like 2027-01-05T09:00+01:00 (UTC if no offset)"
    )
    drip.add_argument("--dry-run", action="store_true", help="show who would receive what; send nothing")
    drip.set_defaults(handler=cmd_drip)

    db = _command(sub, "db", "database maintenance")
    db_sub = db.add_subparsers(metavar="ACTION")
    db_upgrade = _command(db_sub, "upgrade", "apply pending migrations")
    db_upgrade.set_defaults(handler=cmd_db_upgrade)

    teams = _command(sub, "teams-package", "build the Teams app package (manifest and icons) to upload")
    teams.add_argument("--app-id", required=True, help="the bot's Microsoft App ID, a GUID")
    teams.add_argument(
        "--endpoint",
        required=True,
        help="the bot's public address, like https://tandem.example.org/api/messages",
    )
    teams.add_argument(
        "--out", type=Path, default=Path("tandem-teams.zip"), help="zip to write (default tandem-teams.zip)"
    )
    teams.add_argument("--name", default="Tandem", help="the app's name in Teams (default Tandem)")
    teams.add_argument(
        "--version", dest="app_version", default="1.0.0", help="app version; raise it for each new upload"
    )
    teams.set_defaults(handler=cmd_teams_package)
    return parser


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str
) -> argparse.ArgumentParser:
    """A subcommand whose one-line summary is both its entry in `tandem --help` and the description
    in its own `--help`."""
    return sub.add_parser(name, help=summary, description=f"{summary[0].upper()}{summary[1:]}.")


def library_from(args: argparse.Namespace, settings: Settings, extra: Sequence[Path] = ()) -> Library:
    """Bundled lessons, then TANDEM_LESSONS, then --lessons, then any extra directories."""
    return load_library([*settings.lessons, *args.lessons, *extra])


def cmd_lessons_check(args: argparse.Namespace, settings: Settings) -> int:
    library = library_from(args, settings, args.dirs)
    from lessons.engine import check_examples  # builds an index: only this command pays for it

    library.problems.extend(check_examples(library))
    for problem in library.problems:
        print(problem)
    errors = len(library.errors)
    counts = (
        (len(library.lessons), "lesson"),
        (len(library.tracks), "track"),
        (errors, "error"),
        (len(library.warnings), "warning"),
    )
    notes = [plural(len(library.notes), "note")] if library.notes else []
    print(", ".join([*(plural(count, noun) for count, noun in counts), *notes]))
    return 1 if errors else 0


def plural(count: int, noun: str) -> str:
    """`1 error`, `0 warnings`, `2 lessons`: English puts the singular with one only."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def cmd_lessons_list(args: argparse.Namespace, settings: Settings) -> int:
    library = library_from(args, settings)
    for track in library.tracks.values():
        print(f"{track.id}: {track.title('en')} / {track.title('fr')}")
        for lesson_id in track.lessons:
            lesson = library.get(lesson_id, "en")
            langs = ",".join(lang for lang in LANGS if (lesson_id, lang) in library.lessons)
            print(f"  {lesson_id:<28} [{langs}] {lesson.title if lesson else ''}")
    in_tracks = {lesson_id for track in library.tracks.values() for lesson_id in track.lessons}
    loose = [lesson_id for lesson_id in library.ids() if lesson_id not in in_tracks]
    if loose:
        print("not in a track:")
        for lesson_id in loose:
            lesson = library.get(lesson_id, "en")
            print(f"  {lesson_id:<28} {lesson.title if lesson else ''}")
    print(f"{len(library.ids())} lessons in {len(library.tracks)} tracks")
    if library.errors:
        print(f"{len(library.errors)} lesson errors: run `tandem lessons check`", file=sys.stderr)
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console.render import render_answer
    from bot.core.context import engine_for

    engine = engine_for(library_from(args, settings), semantic=settings.semantic)  # what the bot answers
    lang = args.lang or settings.default_lang
    questions = [args.question] if args.question is not None else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        result = engine.answer(question, lang)
        if args.json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
        else:
            print(render_answer(result), flush=True)
    return 0


def cmd_lessons_examples(args: argparse.Namespace, settings: Settings) -> int:
    """The learned examples in the database, appended to the `asks:` of copies of their lesson files in
    DIR (then `tandem lessons check DIR`, review, and copy them into the library)."""
    import asyncio

    from lessons.learned import export_examples
    from storage import examples
    from storage.db import Database

    async def read() -> tuple[tuple[str, str, str], ...]:
        db = Database(settings.database_url)
        try:
            async with db.transaction() as session:
                return await examples.learned_triples(session)
        finally:
            await db.dispose()

    found = asyncio.run(read())
    report = export_examples(library_from(args, settings), found, args.export)
    for problem in report.skipped:
        print(f"skipped: {problem}", file=sys.stderr)
    print(
        f"{plural(report.added, 'example')} written into {plural(len(report.written), 'lesson file')} "
        f"under {args.export} ({len(found)} learned in all)"
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.db import upgrade

    upgrade(settings.database_url)
    print("Database is up to date.")
    return 0


def cmd_teams_package(args: argparse.Namespace, settings: Settings) -> int:
    from bot.teams.package import PackageError, build_package

    try:
        path = build_package(
            app_id=args.app_id, endpoint=args.endpoint, out=args.out, name=args.name, version=args.app_version
        )
    except PackageError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"Wrote {path}")
    print("Next: upload it in Teams: Apps > Manage your apps > Upload an app.")
    return 0


def cmd_drip(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio
    import datetime as dt

    from bot.core.text import terminal_safe
    from bot.drip_report import run_drip

    try:
        moment = dt.datetime.fromisoformat(args.at)
    except ValueError:
        print(f"--at: {args.at!r} is not an ISO date-time, like 2027-01-05T09:00+01:00", file=sys.stderr)
        return 2
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    for line in asyncio.run(
        run_drip(settings, args.lessons, moment.astimezone(dt.UTC), dry_run=args.dry_run)
    ):
        print(terminal_safe(line))  # lines name people, whose names they chose
    return 0


def cmd_dashboard(args: argparse.Namespace, settings: Settings) -> int:
    """The same link `dashboard` gives in the chat, for an existing admin or mentor, printed here (the
    address alone on stdout, for scripts); a clear message and exit code 1 for anyone else."""
    import asyncio

    from bot.core.commands.dashboard import NoDashboard
    from bot.core.text import terminal_safe

    try:
        sign_in = asyncio.run(_sign_in(settings, args.user))
    except NoDashboard as exc:
        print(terminal_safe(str(exc)), file=sys.stderr)
        return 1
    print(sign_in.url)
    print(f"For {args.user} alone; it works once, until {sign_in.until}. Do not share it.", file=sys.stderr)
    return 0


async def _sign_in(settings: Settings, name: str) -> SignIn:
    """A sign-in link for `name`, from the database migrated like `tandem run` does."""
    import asyncio

    from bot.clock import clock_for
    from bot.core.commands.dashboard import NoDashboard, sign_in_for
    from bot.core.context import LessonStore, Services
    from storage.db import Database, sync_url

    target = sync_url(settings.database_url)
    if target.get_backend_name() == "sqlite" and not Path(target.database or "").is_file():
        raise NoDashboard(f"TANDEM_DATABASE_URL: there is no database at {target.database}")
    await asyncio.to_thread(Database.upgrade_url, settings.database_url)
    db = Database(settings.database_url)
    services = Services(
        db=db, settings=settings, lessons=LessonStore([], library=Library()), clock=clock_for(settings.now)
    )
    try:
        async with db.transaction() as session:
            return await sign_in_for(session, services, name)
    finally:
        await db.dispose()


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    return _console(args, settings, args.user, args.name, claim_admin=False)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    if overrides:
        try:
            settings = load_settings(**overrides)
        except SettingsError as exc:
            print(exc, file=sys.stderr)
            return 2
    if any(channel.enabled for channel in settings.channels.values()):
        return _serve(args, settings)
    user = (args.user or _login_name()).lower()
    return _console(args, settings, user, None, claim_admin=True)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from bot.serve import serve

    configure_logging(settings, quiet=False)
    try:
        asyncio.run(serve(settings, args.lessons))
    except OSError as exc:
        print(f"Cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


def _login_name() -> str:
    import getpass
    import re

    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "me"
    return re.sub(r"[^\w.-]", "", name) or "me"


def _console(
    args: argparse.Namespace, settings: Settings, user: str, name: str | None, *, claim_admin: bool
) -> int:
    """The console chat of `user`; with `claim_admin` (`tandem run`), they become the first admin of a
    database that has none yet (never of one that has). In a terminal, Ctrl-C leaves like Ctrl-D: exit
    code 0, so `make run` ends without an error."""
    import asyncio

    from bot.console.chat import ConsoleChat
    from bot.console.welcome import open_console

    if not user.strip() or not user.replace("-", "").replace(".", "").replace("_", "").isalnum():
        print("--user must be a simple name, like alice", file=sys.stderr)
        return 2

    async def session() -> None:
        from bot.app import build_app
        from bot.serve import ConsoleHost, serve_console_dashboard

        app = await build_app(settings, args.lessons)
        chat = ConsoleChat(app.conversation, app.outlets, user, name, deliver=app.deliver_now)
        drip = app.scheduler()
        # `tandem run` serves the dashboard beside the console; `tandem chat` joins one that may.
        host = await serve_console_dashboard(app, settings) if claim_admin else ConsoleHost(None)
        try:
            opening = await open_console(
                app.conversation,
                chat.actor,
                claim_admin=claim_admin,
                dashboard=host.url,
                dashboard_off=host.off,
            )
            chat.prompt = opening.prompt
            drip.start()
            await chat.run(opening.text)
        finally:
            await drip.stop()
            await host.close()
            await app.close()

    try:
        asyncio.run(session())
    except KeyboardInterrupt:
        if not sys.stdin.isatty():
            raise
        print(file=sys.stderr)  # the next shell prompt starts on a line of its own
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
