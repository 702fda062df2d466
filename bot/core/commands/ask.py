"""Questions: `ask <question>` or free text, answered from the library or forwarded to the mentor."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

from bot.core import dialogue, limits, outbox
from bot.core.args import check_length, mention
from bot.core.cards import tip_card
from bot.core.context import Context
from bot.core.errors import NotFound, UsageError, UserError
from bot.core.replies import Button, Notify, Reply, Text, TextInput
from bot.core.schedule import own_zone
from bot.core.text import clean, neutralize, quote
from bot.i18n import register, t
from lessons import Lesson
from lessons.engine import MAX_QUESTION_CHARS, Answer
from storage import activity, deliveries, examples, keys, people
from storage.enums import AuditOutcome, DeliveryKind, PendingKind, QuestionStatus, UsageKind
from storage.models import Person, Question, QuestionCreate

register(
    {
        "ask.usage": {"en": "ask <question>", "fr": "question <votre question>"},
        "ask.help": {
            "en": "ask me anything (or just type your question)",
            "fr": "posez-moi une question (ou tapez-la simplement)",
        },
        "ask.answer_intro": {"en": "This lesson should help:", "fr": "Cette leçon devrait vous aider :"},
        "ask.closest_one": {"en": "This lesson comes closest:", "fr": "Voici la leçon la plus proche\u202f:"},
        "ask.closest_many": {
            "en": "These lessons come closest:",
            "fr": "Voici les leçons les plus proches\u202f:",
        },
        "button.open_lesson": {"en": "Open: {title}", "fr": "Ouvrir\u202f: {title}"},
        "ask.offer_mentor": {
            "en": "Shall I send your question to your mentor, {mentor}? Only what you choose to send reaches "
            "them.",
            "fr": "Voulez-vous que je transmette votre question à votre mentor, {mentor}\u202f? Seules les "
            "questions que vous choisissez d’envoyer lui parviennent.",
        },
        "ask.no_mentor": {
            "en": "You don’t have a mentor yet: an admin can pair you with one. Meanwhile, I’ve noted your "
            "question for the programme team, without your name, so that they can add lessons.",
            "fr": "Vous n’avez pas encore de mentor\u202f: un administrateur peut vous en attribuer un. "
            "En attendant, j’ai noté votre question pour l’équipe du programme, sans votre nom, pour "
            "qu’elle puisse ajouter des leçons.",
        },
        "ask.prompt": {
            "en": "Type your question now and I’ll look for the answer (or `cancel`).",
            "fr": "Tapez maintenant votre question, je cherche la réponse (ou `annuler`).",
        },
        "button.forward": {"en": "Send to my mentor", "fr": "Envoyer à mon mentor"},
        "button.no_thanks": {"en": "No thanks", "fr": "Non merci"},
        "ask.forwarded": {
            "en": "I’m passing it on to {mentor}. You’ll get the answer here.",
            "fr": "Je la transmets à {mentor}. Vous recevrez la réponse ici.",
        },
        "ask.kept": {
            "en": "All right, your question stays between us: your mentor won’t see it, and the programme "
            "team only counts it, without its text or your name.",
            "fr": "Entendu, votre question reste entre nous\u202f: votre mentor ne la verra pas, et "
            "l’équipe du programme la compte seulement, sans son texte ni votre nom.",
        },
        "ask.not_yours": {
            "en": "That question is no longer waiting.",
            "fr": "Cette question n’est plus en attente.",
        },
        "mentor.usage": {"en": "mentor <question>", "fr": "mentor <question>"},
        "mentor.help": {"en": "send a question to my mentor", "fr": "envoyer une question à mon mentor"},
        "mentor.none": {
            "en": "You don’t have a mentor yet. An admin can pair you with one. "
            "I’ve noted your question for the programme team, without your name.",
            "fr": "Vous n’avez pas encore de mentor. Un administrateur peut vous en attribuer un. "
            "J’ai noté votre question pour l’équipe du programme, sans votre nom.",
        },
        "mentor.incoming": {
            "en": "{learner} has a question (#{id}):\n{question}\n\nAnswer with `reply {id} <your answer>`.",
            "fr": "{learner} a une question (n° {id}) :\n{question}\n\nRépondez avec `répondre {id} <votre réponse>`.",
        },
        "ask.grouped": {
            "en": "You have sent {mentor} more than {count} questions in {window}, so I’m keeping this one "
            "and any others you send meanwhile: {mentor} will get them together, in one message, at "
            "{time} ({zone}).",
            "fr": "Vous avez envoyé plus de {count} questions à {mentor} en {window} : je garde celle-ci "
            "et celles que vous enverrez d’ici là, et {mentor} les recevra ensemble, en un seul message, "
            "à {time} ({zone}).",
        },
        "mentor.grouped": {
            "en": "{learner} sent you {count} more questions in the last few minutes:",
            "fr": "{learner} vous a envoyé {count} questions de plus ces dernières minutes :",
        },
        "mentor.grouped_more": {
            "en": "… and {count} more: `mentees` lists them all.",
            "fr": "… et {count} autres : `mentorés` les liste toutes.",
        },
        "mentor.grouped_how": {
            "en": "Answer any of them with `reply <number> <your answer>`.",
            "fr": "Répondez à chacune avec `répondre <numéro> <votre réponse>`.",
        },
        "button.reply": {"en": "Reply", "fr": "Répondre"},
        "reply.placeholder": {"en": "Your answer", "fr": "Votre réponse"},
        "reply.usage": {"en": "reply <question-id> <text>", "fr": "répondre <n° question> <texte>"},
        "reply.help": {"en": "answer a mentee’s question", "fr": "répondre à la question d’un mentoré"},
        "reply.prompt": {
            "en": "Type your answer to question #{id} now (or `cancel`).",
            "fr": "Tapez maintenant votre réponse à la question n° {id} (ou `annuler`).",
        },
        "reply.unknown": {
            "en": "There is no open question #{id} from your mentees.",
            "fr": "Aucune question n° {id} de vos mentorés n’attend de réponse.",
        },
        "reply.done": {
            "en": "On its way to {learner}. Thank you!",
            "fr": "C’est parti pour {learner}. Merci !",
        },
        "reply.incoming": {
            "en": "{mentor} answered your question:\n{question}\n\n{answer}",
            "fr": "{mentor} a répondu à votre question :\n{question}\n\n{answer}",
        },
        "teach.offer": {
            "en": "Which lesson should have answered this? I’ll answer questions like it with that lesson "
            "from now on.",
            "fr": "Quelle leçon aurait dû y répondre ? Je répondrai désormais avec elle aux questions "
            "de ce genre.",
        },
        "button.teach_lesson": {"en": "{title}", "fr": "{title}"},
        "button.new_topic": {"en": "None: a new topic is needed", "fr": "Aucune : il faut un nouveau sujet"},
        "button.teach_skip": {"en": "Skip", "fr": "Passer"},
        "teach.learned": {
            "en": "Thank you: from now on I’ll answer questions like this one with *{title}*.",
            "fr": "Merci : désormais, je répondrai aux questions de ce genre avec « {title} ».",
        },
        "teach.new_topic": {
            "en": "Noted: the programme team will see that a new topic is needed, without any names.",
            "fr": "C’est noté : l’équipe du programme verra qu’il faut un nouveau sujet, sans aucun nom.",
        },
        "teach.skipped": {"en": "All right.", "fr": "Entendu."},
        "teach.unknown": {
            "en": "That question can no longer be linked to a lesson.",
            "fr": "Cette question ne peut plus être associée à une leçon.",
        },
        "teach.no_lesson": {"en": "There is no lesson `{id}`.", "fr": "Il n’y a pas de leçon `{id}`."},
    }
)

MAX_REPLY_CHARS = 3000
MAX_OFFERED_LESSONS = 3
"""The closest lessons offered as buttons when the library is not sure."""
GROUPED_SHOWN = 10
"""Questions shown in full in the grouped message; `mentees` lists them all."""


async def handle_ask(ctx: Context, args: str) -> list[Reply]:
    """Answer from the library; when unsure, offer to forward to the mentor (by name)."""
    text = clean(args, MAX_QUESTION_CHARS * 40)
    result = await asyncio.to_thread(
        ctx.services.lessons.answer, text, ctx.lang
    )  # a model call: off the loop
    lang = result.lang
    if not result.question or not any(ch.isalnum() for ch in result.question):
        return [Text(t("ask.empty", lang))]
    replies: list[Reply] = []
    if result.truncated:
        replies.append(Text(t("ask.truncated", lang, limit=MAX_QUESTION_CHARS)))
    question_id = await activity.add_question(
        ctx.session,
        data=QuestionCreate(
            person_id=ctx.person.id or 0,
            text=result.question,
            lang=lang,
            lesson_id=result.lesson_id,
            confident=result.confident,
            status=QuestionStatus.ANSWERED if result.confident else QuestionStatus.OPEN,
        ),
        now=ctx.now(),
    )
    if result.confident and result.lesson is not None:
        footer = ""
        if result.alternatives:
            titles = ", ".join(t("ask.lesson_ref", lang, title=a.title, id=a.id) for a in result.alternatives)
            footer = t("ask.see_also", lang, titles=titles)
        replies.append(replace(tip_card(result.lesson, intro=t("ask.answer_intro", lang)), footer=footer))
        return replies
    replies.extend(await _unsure(ctx, result, question_id))
    return replies


async def _unsure(ctx: Context, result: Answer, question_id: int) -> list[Reply]:
    """Not sure: the closest lessons as buttons, then, with a mentor, the offer to send them the question
    (a typed yes or no answers it too: it stays the learner's until they say yes); without a mentor, who
    can help. The question is open meanwhile: admins see it without the learner's name."""
    lang = result.lang
    unsure = t("ask.unsure", lang)
    replies: list[Reply] = []
    lessons = _closest_lessons(result)
    if lessons:
        intro = t("ask.closest_one" if len(lessons) == 1 else "ask.closest_many", lang)
        opens = tuple(
            Button(t("button.open_lesson", lang, title=x.title), "lesson.more", x.id) for x in lessons
        )
        replies.append(Text(f"{unsure} {intro}", opens))
        unsure = ""
    mentor = await people.mentor_of(ctx.session, mentee_id=ctx.person.id or 0)
    if mentor is None:
        replies.append(Text(f"{unsure}\n{t('ask.no_mentor', lang)}".strip()))
        return replies
    value = str(question_id)
    buttons = (
        Button(t("button.forward", lang), "question.forward", value, "primary"),
        Button(t("button.no_thanks", lang), "question.keep", value),
    )
    offer = t("ask.offer_mentor", lang, mentor=mention(mentor))
    replies.append(Text(f"{unsure}\n{offer}".strip(), buttons))
    await dialogue.expect_yes_no(
        ctx, kind=PendingKind.FORWARD, yes=("question.forward", value), no=("question.keep", value)
    )
    return replies


def _closest_lessons(result: Answer) -> list[Lesson]:
    """The lesson the library found closest and its alternatives, each once, at most MAX_OFFERED_LESSONS."""
    found: dict[str, Lesson] = {}
    for lesson in (result.lesson, *result.alternatives):
        if lesson is not None and lesson.id not in found:
            found[lesson.id] = lesson
    return list(found.values())[:MAX_OFFERED_LESSONS]


async def handle_ask_button(ctx: Context, value: str) -> list[Reply]:
    """*Ask a question*: the question typed in its box is answered like one typed in the conversation;
    pressed with nothing typed (a channel without boxes), the next message is the question."""
    typed = ctx.event.text.strip()
    if typed:
        return await handle_ask(ctx, typed)
    await dialogue.expect_text(ctx, kind=PendingKind.QUESTION, action="ask.start", value="")
    return [Text(ctx.t("ask.prompt"))]


async def _own_question(ctx: Context, value: str) -> Question:
    """The person's own question that still waits for their choice: open, or declined (they may change
    their mind and send it after all)."""
    question = await activity.get_question(ctx.session, question_id=int(value)) if value.isdigit() else None
    undecided = (QuestionStatus.OPEN, QuestionStatus.DECLINED)
    if question is None or question.person_id != ctx.person.id or question.status not in undecided:
        raise UserError("ask.not_yours")
    return question


async def handle_forward(ctx: Context, value: str) -> list[Reply]:
    question = await _own_question(ctx, value)
    mentor = await people.mentor_of(ctx.session, mentee_id=ctx.person.id or 0)
    if mentor is None:
        return [Text(ctx.t("mentor.none"))]
    return await _forward(ctx, question, mentor)


async def handle_keep(ctx: Context, value: str) -> list[Reply]:
    """*No thanks*: the question is declined. From now on nobody but its author sees its text; admins
    count it, by closest lesson."""
    question = await _own_question(ctx, value)
    question.status = QuestionStatus.DECLINED
    ctx.session.add(question)
    return [Text(ctx.t("ask.kept"))]


async def _forward(ctx: Context, question: Question, mentor: Person) -> list[Reply]:
    """The question goes to the mentor: at once while the learner is within the rate limit, else in one
    message that gathers every question past the limit and reaches the mentor when the window ends."""
    question.status = QuestionStatus.FORWARDED
    question.mentor_id = mentor.id
    ctx.session.add(question)
    budget = await limits.spend(ctx, UsageKind.QUESTION)
    if not budget.allowed:
        return await _forward_grouped(ctx, question, mentor, budget.free_at or ctx.now())
    incoming = t(
        "mentor.incoming",
        mentor.lang,
        learner=mention(ctx.person),
        id=question.id,
        question=quote(question.text),
    )
    box = TextInput(MAX_REPLY_CHARS, t("reply.placeholder", mentor.lang))
    button = Button(t("button.reply", mentor.lang), "question.reply", str(question.id), "primary", box)
    return [
        Text(ctx.t("ask.forwarded", mentor=mention(mentor))),
        Notify(mentor.key, (Text(incoming, (button,)),), kind=DeliveryKind.QUESTION),
    ]


async def _forward_grouped(ctx: Context, question: Question, mentor: Person, due: dt.datetime) -> list[Reply]:
    """Past the limit: the question joins the one waiting message that gathers the learner's questions for
    this mentor (written again, longer), or starts it, due when the learner's window frees up."""
    learner_id, mentor_id = ctx.person.id or 0, mentor.id or 0
    waiting = await deliveries.waiting_with_prefix(
        ctx.session, person_id=mentor_id, prefix=keys.question_group_prefix(learner_id, mentor_id)
    )
    key = waiting.dedupe_key if waiting else keys.question_group_key(learner_id, mentor_id, question.id or 0)
    question.grouped_in = key
    ctx.session.add(question)
    await ctx.session.flush()
    gathered = await activity.grouped_in(ctx.session, key=key)
    message = (Text(_grouped_text(ctx.person, gathered, mentor.lang)),)
    when = waiting.due_at if waiting else due
    zone = await own_zone(ctx)
    rate = ctx.services.settings.person_rate
    told = Text(
        ctx.t(
            "ask.grouped",
            mentor=mention(mentor),
            count=rate.limit,
            window=limits.window_words(rate.window, ctx.lang),
            time=when.astimezone(zone).strftime("%H:%M"),
            zone=zone.key,
        )
    )
    if waiting is not None:
        await deliveries.replace_payload(
            ctx.session, delivery_id=waiting.id or 0, payload=outbox.payload(message)
        )
        return [told]
    return [told, Notify(mentor.key, message, kind=DeliveryKind.QUESTION, at=when, key=key)]


def _grouped_text(learner: Person, questions: list[Question], lang: str) -> str:
    """The mentor's one message for the questions past the limit: the first few in full, then a count."""
    shown = questions[:GROUPED_SHOWN]
    lines = [t("mentor.grouped", lang, learner=mention(learner), count=len(questions))]
    lines.extend(
        "- " + t("list.numbered", lang, id=q.id, text=neutralize(" ".join(q.text.split()), 300))
        for q in shown
    )
    if len(questions) > len(shown):
        lines.append(t("mentor.grouped_more", lang, count=len(questions) - len(shown)))
    lines.append(t("mentor.grouped_how", lang))
    return "\n".join(lines)


async def handle_mentor(ctx: Context, args: str) -> list[Reply]:
    """`mentor <question>`: straight to the mentor, without looking in the library."""
    text = clean(args, MAX_QUESTION_CHARS)
    if not text:
        raise UsageError("mentor")
    mentor = await people.mentor_of(ctx.session, mentee_id=ctx.person.id or 0)
    question = await activity.create_question(
        ctx.session,
        data=QuestionCreate(
            person_id=ctx.person.id or 0, text=text, lang=ctx.lang, status=QuestionStatus.OPEN
        ),
        now=ctx.now(),
    )
    if mentor is None:
        return [Text(ctx.t("mentor.none"))]
    return await _forward(ctx, question, mentor)


async def handle_reply_button(ctx: Context, value: str) -> list[Reply]:
    """The *Reply* button under a forwarded question (`value`: its id): the answer typed in its box goes
    to the learner; pressed with nothing typed, it says how to answer with `reply`."""
    typed = ctx.event.text.strip()
    if not typed:
        question, _ = await _mentee_question(ctx, value)
        await dialogue.expect_text(ctx, kind=PendingKind.REPLY, action="question.reply", value=value)
        return [Text(ctx.t("reply.prompt", id=question.id))]
    return await _answer(ctx, value, typed)


async def handle_reply(ctx: Context, args: str) -> list[Reply]:
    """`reply <id> <text>`: a mentor answers a forwarded question; the answer reaches the learner.
    `reply <id>` alone works like the *Reply* button pressed with nothing typed: the next message is the
    answer."""
    number, _, text = args.strip().partition(" ")
    number = number.lstrip("#")
    if not number.isdigit():
        raise UsageError("reply")
    if not text.strip():
        return await handle_reply_button(replace(ctx, event=replace(ctx.event, text="")), number)
    return await _answer(ctx, number, text)


async def _mentee_question(ctx: Context, number: str) -> tuple[Question, Person]:
    """Question `number` and its learner, if it is one of the mentor's mentees' and still unanswered."""
    question = await activity.get_question(ctx.session, question_id=int(number)) if number.isdigit() else None
    learner = await people.get_person_by_id(ctx.session, person_id=question.person_id) if question else None
    mentor = await people.mentor_of(ctx.session, mentee_id=learner.id or 0) if learner else None
    sent_here = question is not None and question.mentor_id == ctx.person.id
    allowed = mentor is not None and mentor.id == ctx.person.id and sent_here
    if question is None or learner is None or question.status != QuestionStatus.FORWARDED or not allowed:
        raise NotFound("reply.unknown", id=number[:10])
    return question, learner


async def _answer(ctx: Context, number: str, text: str) -> list[Reply]:
    """The mentor's answer to question `number`, if it is one of their mentees' and still open."""
    text = check_length(text, MAX_REPLY_CHARS)
    question, learner = await _mentee_question(ctx, number)
    question.status = QuestionStatus.ANSWERED
    question.answer = text
    question.mentor_id = ctx.person.id
    question.answered_at = ctx.now()
    ctx.session.add(question)
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="reply",
        args={"question": question.id},
        outcome=AuditOutcome.OK,
    )
    incoming = t(
        "reply.incoming",
        learner.lang,
        mentor=mention(ctx.person),
        question=quote(question.text, 500),
        answer=quote(text, MAX_REPLY_CHARS),
    )
    return [
        Text(ctx.t("reply.done", learner=mention(learner))),
        Notify(learner.key, (Text(incoming),), kind=DeliveryKind.ANSWER),
        await _teach_offer(ctx, question),
    ]


# --- a bot that learns from its mentors -------------------------------------------------------------------


async def _teach_offer(ctx: Context, question: Question) -> Text:
    """To the mentor who just answered: which lesson should have answered it? The engine's closest lessons
    as buttons, then "None: a new topic is needed" and "Skip"."""
    found = await asyncio.to_thread(ctx.services.lessons.answer, question.text, question.lang)
    value = str(question.id)
    buttons = [
        Button(ctx.t("button.teach_lesson", title=lesson.title), "teach.lesson", f"{value}:{lesson.id}")
        for lesson in _closest_lessons(found)
    ]
    buttons.append(Button(ctx.t("button.new_topic"), "teach.new_topic", value))
    buttons.append(Button(ctx.t("button.teach_skip"), "teach.skip", value))
    return Text(ctx.t("teach.offer"), tuple(buttons))


async def _taught_question(ctx: Context, value: str) -> Question:
    """The question a teaching button is about: one this mentor answered (never a declined one)."""
    question = await activity.get_question(ctx.session, question_id=int(value)) if value.isdigit() else None
    mine = question is not None and question.mentor_id == ctx.person.id
    if question is None or not mine or question.status != QuestionStatus.ANSWERED:
        raise UserError("teach.unknown")
    return question


async def link_to_lesson(ctx: Context, question: Question, lesson_id: str) -> Lesson:
    """The question's words become an example of the lesson, stored and taught to the engine at once.
    Shared with the admins' `questions link`."""
    lesson = ctx.library.get(lesson_id, ctx.lang) or ctx.library.get(lesson_id, question.lang)
    if lesson is None:
        raise NotFound("teach.no_lesson", id=neutralize(lesson_id, 64))
    await examples.link_question(ctx.session, question=question, lesson_id=lesson.id, now=ctx.now())
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="questions.link",
        args={"question": question.id, "lesson": lesson.id},
        outcome=AuditOutcome.OK,
    )
    # in a thread: with the semantic model, learning embeds the example
    await asyncio.to_thread(ctx.services.lessons.learn, lesson.id, question.lang, question.text)
    return lesson


async def mark_new_topic(ctx: Context, question: Question) -> None:
    """No lesson answers the question: `report` lists it among the new topics needed, without names."""
    await examples.mark_new_topic(ctx.session, question=question, now=ctx.now())
    await activity.audit(
        ctx.session,
        actor_key=ctx.person.key,
        action="questions.new_topic",
        args={"question": question.id},
        outcome=AuditOutcome.OK,
    )


async def handle_teach_lesson(ctx: Context, value: str) -> list[Reply]:
    """A lesson pressed under "Which lesson should have answered this?" (`value`: `<question>:<lesson>`)."""
    number, _, lesson_id = value.partition(":")
    question = await _taught_question(ctx, number)
    lesson = await link_to_lesson(ctx, question, lesson_id)
    return [Text(ctx.t("teach.learned", title=lesson.title), replaces=True)]


async def handle_teach_new_topic(ctx: Context, value: str) -> list[Reply]:
    """*None: a new topic is needed*, pressed by the mentor who answered the question."""
    question = await _taught_question(ctx, value)
    await mark_new_topic(ctx, question)
    return [Text(ctx.t("teach.new_topic"), replaces=True)]


async def handle_teach_skip(ctx: Context, value: str) -> list[Reply]:
    """*Skip*: nothing is stored."""
    return [Text(ctx.t("teach.skipped"), replaces=True)]
