"""`reload`: read the lesson files again, without restarting (admins).

Broken files are skipped and reported; every valid lesson keeps working, so an edit in progress never
takes the library down.
"""

from __future__ import annotations

import asyncio
import logging

from bot.core.context import Context
from bot.core.replies import Reply, Text
from bot.core.text import neutralize
from bot.i18n import register
from storage import activity, examples
from storage.enums import AuditOutcome

logger = logging.getLogger(__name__)

register(
    {
        "reload.usage": {"en": "reload", "fr": "recharger"},
        "reload.help": {"en": "read the lesson files again", "fr": "relire les fichiers de leçons"},
        "reload.done": {
            "en": "Lessons reloaded: {lessons} lessons ({files} files) in {tracks} tracks, {errors} errors.",
            "fr": "Leçons rechargées : {lessons} leçons ({files} fichiers) dans {tracks} parcours, "
            "{errors} erreurs.",
        },
        "reload.first_errors": {
            "en": "The first ones (the files concerned are skipped, the rest works):",
            "fr": "Les premières (les fichiers concernés sont ignorés, le reste fonctionne) :",
        },
    }
)

ERRORS_SHOWN = 5


async def handle_reload(ctx: Context, args: str) -> list[Reply]:
    """Reload in a worker thread (it reads files), then report counts and the first errors."""
    learned = await examples.learned_triples(ctx.session)  # what mentors taught, from every replica
    library = await asyncio.to_thread(ctx.services.lessons.reload, learned)
    errors = library.errors
    logger.info(
        "Lessons reloaded by %s: %s files, %s errors", ctx.person.key, len(library.lessons), len(errors)
    )
    counts = {
        "lessons": len(library.ids()),
        "files": len(library.lessons),
        "tracks": len(library.tracks),
        "errors": len(errors),
    }
    await activity.audit(
        ctx.session, actor_key=ctx.person.key, action="reload", args=counts, outcome=AuditOutcome.OK
    )
    lines = [ctx.t("reload.done", **counts)]
    if errors:
        lines.append(ctx.t("reload.first_errors"))
        lines.extend(f"- {neutralize(str(problem), 300)}" for problem in errors[:ERRORS_SHOWN])
    return [Text("\n".join(lines), private=True)]
