"""The `tandem` command line: run the bot, chat in the terminal, check lessons, ask questions."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings
from lessons import AnswerEngine, Library, load_library

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
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args, settings) or 0)
    except KeyboardInterrupt:
        return 130


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

    lessons = sub.add_parser("lessons", help="check or list the lesson library")
    lessons_sub = lessons.add_subparsers(metavar="ACTION")
    check = lessons_sub.add_parser("check", help="validate lesson files; exit 1 on any error")
    check.add_argument("dirs", nargs="*", type=Path, metavar="DIR")
    check.set_defaults(handler=cmd_lessons_check)
    listing = lessons_sub.add_parser("list", help="print the tracks and lessons")
    listing.set_defaults(handler=cmd_lessons_list)

    ask = sub.add_parser("ask", help="answer a question from the library (stdin: one per line)")
    ask.add_argument("question", nargs="?", help="the question; read from stdin when left out")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--lang", choices=["en", "fr"], help="learner language when the question's is unclear")
    ask.set_defaults(handler=cmd_ask)
    return parser


def library_from(args: argparse.Namespace, settings: Settings, extra: Sequence[Path] = ()) -> Library:
    """Bundled lessons, then TANDEM_LESSONS, then --lessons, then any extra directories."""
    return load_library([*settings.lessons, *args.lessons, *extra])


def cmd_lessons_check(args: argparse.Namespace, settings: Settings) -> int:
    library = library_from(args, settings, args.dirs)
    for problem in library.problems:
        print(problem)
    count = len(library.lessons)
    errors = len(library.errors)
    print(f"{count} lessons, {len(library.tracks)} tracks, {errors} errors, {len(library.warnings)} warnings")
    return 1 if errors else 0


def cmd_lessons_list(args: argparse.Namespace, settings: Settings) -> int:
    library = library_from(args, settings)
    for track in library.tracks.values():
        print(f"{track.id}: {track.title('en')} / {track.title('fr')}")
        for lesson_id in track.lessons:
            lesson = library.get(lesson_id, "en")
            langs = ",".join(lang for lang in ("en", "fr") if (lesson_id, lang) in library.lessons)
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

    engine = AnswerEngine(library_from(args, settings))
    lang = args.lang or settings.default_lang
    questions = [args.question] if args.question is not None else (line.rstrip("\n") for line in sys.stdin)
    for question in questions:
        result = engine.answer(question, lang)
        if args.json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
        else:
            print(render_answer(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
