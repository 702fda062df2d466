"""The command registry: the router's ordered list, one small module per concept."""

from __future__ import annotations

from bot.core import language
from bot.core.commands import (
    admin,
    ask,
    cards,
    cohort,
    commitment,
    confidence,
    dashboard,
    data,
    enroll,
    help,
    mentees,
    pair,
    pause,
    progress,
    push,
    reading,
    reload,
    report,
    review,
    settings,
    workshop,
    workshop_live,
)
from bot.core.router import ActionSpec, CommandSpec, Role, Router
from bot.core.workshop import invites, live


def build_router() -> Router:
    """Every command in the order `help` lists them; aliases follow the canonical name."""
    commands = [
        CommandSpec(("help", "aide", "?"), help.handle_help, usage="help.usage", help_key="help.help"),
        CommandSpec(("today", "aujourdhui", "aujourd’hui", "aujourd'hui"), reading.handle_today, usage="today.usage", help_key="today.help"),
        CommandSpec(("next", "suivant"), reading.handle_next, usage="next.usage", help_key="next.help"),
        CommandSpec(("lesson", "lecon", "leçon"), reading.handle_lesson, usage="lesson.usage", help_key="lesson.help"),
        CommandSpec(("tracks", "parcours"), reading.handle_tracks, usage="tracks.usage", help_key="tracks.help"),
        CommandSpec(("ask", "question"), ask.handle_ask, usage="ask.usage", help_key="ask.help", takes_text=True),
        CommandSpec(("progress", "progres", "progrès"), progress.handle_progress, usage="progress.usage", help_key="progress.help"),
        CommandSpec(("review", "révision", "revision", "réviser", "reviser"), review.handle_review, usage="review.usage", help_key="review.help"),
        CommandSpec(("settings", "reglages", "réglages"), settings.handle_settings, usage="settings.usage", help_key="settings.help"),
        CommandSpec(("time", "heure"), settings.handle_time, usage="time.usage", help_key="time.help"),
        CommandSpec(("days", "jours"), settings.handle_days, usage="days.usage", help_key="days.help"),
        CommandSpec(("tz", "fuseau"), settings.handle_tz, usage="tz.usage", help_key="tz.help"),
        CommandSpec(("lang", "langue"), settings.handle_lang, usage="lang.usage", help_key="lang.help"),
        CommandSpec(("pause",), pause.handle_pause, usage="pause.usage", help_key="pause.help"),
        CommandSpec(("resume", "reprendre"), pause.handle_resume, usage="resume.usage", help_key="resume.help"),
        CommandSpec(("stop", "arreter", "arrêter"), pause.handle_stop, usage="stop.usage", help_key="stop.help"),
        CommandSpec(("mentor",), ask.handle_mentor, usage="mentor.usage", help_key="mentor.help", takes_text=True),
        CommandSpec(("my-data", "mydata", "mes-donnees", "mes-données"), data.handle_my_data, usage="mydata.usage", help_key="mydata.help"),
        CommandSpec(("forget-me", "forgetme", "oubliez-moi"), data.handle_forget_me, usage="forget.usage", help_key="forget.help"),
        CommandSpec(("mentees", "mentores", "mentorés"), mentees.handle_mentees, Role.MENTOR, "mentees.usage", "mentees.help"),
        CommandSpec(("push",), push.handle_push, Role.MENTOR, "push.usage", "push.help", takes_text=True),
        CommandSpec(("reply", "repondre", "répondre"), ask.handle_reply, Role.MENTOR, "reply.usage", "reply.help", takes_text=True),
        CommandSpec(("workshop", "atelier", "workshops", "ateliers"), workshop.handle_workshop, Role.EVERYONE, "workshop.usage", "workshop.help"),
        CommandSpec(("dashboard", "tableau-de-bord"), dashboard.handle_dashboard, Role.MENTOR, "dashboard.usage", "dashboard.help", denied="dashboard.denied"),
        CommandSpec(("cohort", "cohorte"), cohort.handle_cohort, Role.ADMIN, "cohort.usage", "cohort.help"),
        CommandSpec(("enroll", "inscrire"), enroll.handle_enroll, Role.ADMIN, "enroll.usage", "enroll.help", takes_groups=True),
        CommandSpec(("unenroll", "desinscrire", "désinscrire"), enroll.handle_unenroll, Role.ADMIN, "unenroll.usage", "unenroll.help"),
        CommandSpec(("pair", "associer"), pair.handle_pair, Role.ADMIN, "pair.usage", "pair.help"),
        CommandSpec(("unpair", "dissocier"), pair.handle_unpair, Role.ADMIN, "unpair.usage", "unpair.help"),
        CommandSpec(("admin",), admin.handle_admin, Role.ADMIN, "admin.usage", "admin.help"),
        CommandSpec(("report", "rapport"), report.handle_report, Role.ADMIN, "report.usage", "report.help"),
        CommandSpec(("questions",), report.handle_questions, Role.ADMIN, "questions.usage", "questions.help"),
        CommandSpec(("reload", "recharger"), reload.handle_reload, Role.ADMIN, "reload.usage", "reload.help"),
    ]  # fmt: skip
    return Router(commands, ACTIONS, fallback=ask.handle_ask)


ACTIONS = (
    ActionSpec("lesson.more", cards.handle_more),
    ActionSpec("quiz.start", cards.handle_quiz_start),
    ActionSpec("quiz.answer", cards.handle_quiz_answer),
    ActionSpec("review.answer", review.handle_review_answer),
    ActionSpec("review.now", review.handle_review_now),
    ActionSpec(confidence.ACTION, confidence.handle_rate),
    ActionSpec("feedback.useful", cards.handle_useful),
    ActionSpec("feedback.not_useful", cards.handle_not_useful),
    ActionSpec("ask.start", ask.handle_ask_button, takes_text=True),
    ActionSpec("question.forward", ask.handle_forward),
    ActionSpec("question.keep", ask.handle_keep),
    ActionSpec("question.reply", ask.handle_reply_button, takes_text=True),
    ActionSpec("teach.lesson", ask.handle_teach_lesson),
    ActionSpec("teach.new_topic", ask.handle_teach_new_topic),
    ActionSpec("teach.skip", ask.handle_teach_skip),
    ActionSpec("forget.confirm", data.handle_forget_confirm),
    ActionSpec("forget.cancel", data.handle_forget_cancel),
    ActionSpec(language.ACTION, settings.handle_lang_button),
    ActionSpec("menu.today", reading.handle_today),
    ActionSpec(invites.RSVP_ACTION, workshop.handle_rsvp),
    ActionSpec(workshop_live.CONTROL_ACTION, workshop.handle_control),
    ActionSpec(workshop_live.VIEW_ACTION, workshop.handle_view),
    ActionSpec(live.JOIN_ACTION, workshop_live.handle_join),
    ActionSpec(live.ANSWER_ACTION, workshop_live.handle_answer),
    ActionSpec(live.CHECK_ACTION, workshop_live.handle_check),
    ActionSpec(live.COMMIT_ACTION, workshop_live.handle_commit),
    ActionSpec(live.COMMIT_OWN_ACTION, workshop_live.handle_commit_own, takes_text=True),
    ActionSpec(commitment.ANSWER_ACTION, commitment.handle_commitment_answer),
)
"""Every button action, with its handler."""
TEXT_ACTIONS = frozenset(spec.action for spec in ACTIONS if spec.takes_text)
"""The actions whose buttons take typed text: a channel that receives text with every press of a card
(Teams merges a card's boxes into each submit) passes it on for these only."""
