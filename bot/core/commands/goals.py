"""`goals` (`objectifs`): a learner sees and changes their goals, 1 to 3 of the programme's list; and the
buttons of the picking message (`goals.pick`, `goals.done`) and of **Follow “…” too** (`goals.follow`).

The rules (what a press does, the matching track, how progress counts) are in bot/core/goals.py.
"""

from __future__ import annotations

from bot.core import goals
from bot.core.context import Context
from bot.core.dates import format_moment
from bot.core.errors import UsageError, UserError
from bot.core.replies import Reply, Text
from bot.core.schedule import own_zone
from bot.i18n import register
from storage import cohorts
from storage import goals as stored

register(
    {
        "goals.usage": {"en": "goals", "fr": "objectifs"},
        "goals.help": {
            "en": "see or change your goals (1 to 3)",
            "fr": "voir ou changer vos objectifs (1 à 3)",
        },
        "goals.follow.enrolled": {
            "en": "Done: you now follow *{track}* too, at your cohort’s rhythm (in `{cohort}`). Its first "
            "tip: {when}. `stop {track_id}` stops it alone.",
            "fr": "C’est fait : vous suivez aussi *{track}*, au rythme de votre cohorte (dans `{cohort}`). "
            "Son premier conseil : {when}. `arrêter {track_id}` l’arrête, lui seul.",
        },
        "goals.follow.resumed": {
            "en": "*{track}* starts again where you stopped it. Its next tip: {when}.",
            "fr": "*{track}* reprend là où vous l’aviez arrêté. Son prochain conseil : {when}.",
        },
        "goals.follow.already": {
            "en": "You already follow *{track}*.",
            "fr": "Vous suivez déjà *{track}*.",
        },
        "goals.follow.no_cohort": {
            "en": "You are not in a cohort yet: a programme admin can enroll you in one, and then add "
            "*{track}*.",
            "fr": "Vous n’êtes pas encore dans une cohorte : un administrateur du programme peut vous y "
            "inscrire, puis ajouter *{track}*.",
        },
        "goals.follow.admin_stopped": {
            "en": "A programme admin took you out of *{track}*: ask them if you would like it back.",
            "fr": "Un administrateur du programme vous a retiré de *{track}* : demandez-lui si vous "
            "souhaitez le retrouver.",
        },
        "goals.follow.no_name": {
            "en": "I could not set up *{track}* for you. A programme admin can enroll you in a cohort "
            "that follows it.",
            "fr": "Je n’ai pas pu mettre en place *{track}* pour vous. Un administrateur du programme peut "
            "vous inscrire dans une cohorte qui le suit.",
        },
    }
)


async def handle_goals(ctx: Context, args: str) -> list[Reply]:
    """The picking message with the learner's goals ticked: pressing changes them."""
    if args.strip():
        raise UsageError("goals")
    if not ctx.library.goals:
        return [Text(ctx.t("goals.none_listed"), private=True)]
    picked = await stored.goals_of(ctx.session, person_id=ctx.person.id or 0)
    shown = goals.prompt(ctx.library, ctx.lang, [g.id for g in goals.known_goals(ctx.library, picked)])
    return [Text(shown.markdown, shown.buttons, private=True)]


async def handle_pick(ctx: Context, value: str) -> list[Reply]:
    """A goal's button: pick it, or remove it when picked; a fourth is refused and says why. The message
    is shown again in place, with the goals ticked."""
    goal = ctx.library.goals.get(value)
    if goal is None:
        raise UserError("error.stale_button")
    current = await stored.goals_for_update(ctx.session, person_id=ctx.person.id or 0)
    known = [g.id for g in goals.known_goals(ctx.library, current)]
    picked, press = goals.toggled(known, goal.id)
    if picked != current:
        await stored.replace_goals(ctx.session, person_id=ctx.person.id or 0, goal_ids=picked, now=ctx.now())
    note = ""
    if press == goals.Press.FULL:
        note = ctx.t("goals.full", goal=goal.title(ctx.lang))
    elif press == goals.Press.ADDED and len(picked) == goals.MOST:
        note = ctx.t("goals.three")
    shown = goals.prompt(ctx.library, ctx.lang, picked, note)
    return [Text(shown.markdown, shown.buttons, private=True, replaces=True)]


async def handle_done(ctx: Context, value: str) -> list[Reply]:
    """**Done**: the goals with the track that serves each, and **Follow “…” too** for the tracks the
    learner does not follow; with no goal picked, the message again, asking for one."""
    picked = await stored.goals_of(ctx.session, person_id=ctx.person.id or 0)
    chosen = goals.known_goals(ctx.library, picked)
    if len(chosen) < goals.FEWEST:
        shown = goals.prompt(ctx.library, ctx.lang, (), ctx.t("goals.pick_one"))
        return [Text(shown.markdown, shown.buttons, private=True, replaces=True)]
    enrolled = await cohorts.enrollments_of(ctx.session, person_id=ctx.person.id or 0)
    tracks = goals.followed_tracks(enrolled)
    lines = [ctx.t("goals.set")]
    for goal in chosen:
        key = "goals.track_yours" if goal.track in tracks else "goals.track_other"
        lines.append(
            ctx.t(key, goal=goal.title(ctx.lang), track=goals.track_title(ctx.library, goal.track, ctx.lang))
        )
    missing = goals.not_followed(chosen, tracks)
    buttons = goals.follow_buttons(ctx.library, ctx.lang, missing)
    lines.append("")  # what follows is not part of the list
    if missing and goals.base_cohort(enrolled) is None:
        lines.append(ctx.t("goals.no_cohort"))
        buttons = ()
    lines.append(ctx.t("goals.set_after"))
    return [Text("\n".join(lines), buttons, private=True, replaces=True)]


async def handle_follow(ctx: Context, value: str) -> list[Reply]:
    """**Follow “…” too**: the track of one of the learner's goals, on top of their cohort's."""
    picked = await stored.goals_of(ctx.session, person_id=ctx.person.id or 0)
    if value not in {goal.track for goal in goals.known_goals(ctx.library, picked)}:
        raise UserError("error.stale_button")
    followed = await goals.follow_track(
        ctx.session,
        person=ctx.person,
        track_id=value,
        now=ctx.now(),
        default_tz=ctx.services.settings.default_tz,
    )
    names = {"track": goals.track_title(ctx.library, value, ctx.lang), "track_id": value}
    if followed.cohort is not None:
        names["cohort"] = followed.cohort.name
    if followed.due is not None:
        names["when"] = format_moment(followed.due, await own_zone(ctx), ctx.lang)
    return [Text(ctx.t(f"goals.follow.{followed.outcome}", **names), private=True)]
