"""The job runner: does the slow work commands leave for after their reply (`Later`), durably.

Each process runs one. A job is claimed in one transaction and done in another, together with its
completion mark and the messages it sends, so a process that dies mid-job leaves no half of it behind:
once its lease lapses, another runner (or the restarted process) does the job again from the start.
What a job returns reaches the person who asked as a message, through the delivery ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core import outbox
from bot.core.conversation import Conversation
from bot.core.errors import UserError
from bot.core.jobs import JobContext, JobHandler, Progress, handler_for
from bot.core.replies import Notify, Reply, Text
from bot.i18n import register, t
from scheduler.dispatch import Dispatcher, first_of
from storage import jobs, people
from storage.models import Job, Person

logger = logging.getLogger(__name__)

register(
    {
        "job.failed_part": {
            "en": "Sorry, “{description}” stopped on my side before the end. What was done so far stays "
            "done; please try again for the rest.",
            "fr": "Désolé, « {description} » s’est arrêté de mon côté avant la fin. Ce qui a été fait est "
            "conservé ; merci de réessayer pour le reste.",
        },
        "job.failed": {
            "en": "Sorry, “{description}” failed on my side and nothing was changed. Please try again.",
            "fr": "Désolé, « {description} » a échoué de mon côté et rien n’a été modifié. Merci de réessayer.",
        },
    }
)


class JobRunner:
    """Claims pending jobs (or those of a process whose lease lapsed) and runs them one at a time."""

    def __init__(self, conversation: Conversation, dispatcher: Dispatcher) -> None:
        self.conversation = conversation
        self.services = conversation.services
        self.dispatcher = dispatcher
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def serve(self, stop: asyncio.Event) -> None:
        """Run jobs as they come, until `stop` is set."""
        async with self.dispatcher.alive():
            while not stop.is_set():
                self._wake.clear()
                try:
                    await self.run_pending(stop)
                except Exception:
                    logger.exception("The job runner failed; trying again shortly")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(first_of(self._wake, stop), self.dispatcher.settings.idle_wait)

    async def run_pending(self, stop: asyncio.Event | None = None) -> int:
        """Run every job that can be claimed now; returns how many ran."""
        ran = 0
        async with self.dispatcher.alive():
            while stop is None or not stop.is_set():
                job = await self._claim()
                if job is None:
                    return ran
                await self._run(job)
                ran += 1
                self.dispatcher.wake()
        return ran

    async def _claim(self) -> Job | None:
        now = self.services.clock()
        lease = dt.timedelta(seconds=self.dispatcher.settings.lease)
        async with self.services.db.transaction() as session:
            return await jobs.claim_job(
                session, worker=self.dispatcher.worker, now=now, alive_since=now - lease
            )

    async def _run(self, job: Job) -> None:
        handler = handler_for(job.kind)
        if handler is None or job.attempts > jobs.MAX_ATTEMPTS:
            reason = "unknown job" if handler is None else f"stopped after {jobs.MAX_ATTEMPTS} attempts"
            logger.error("Job %s (%s): %s", job.id, job.kind, reason)
            await self._end(job, [Text(t("job.failed", job.lang, description=job.description))], reason)
            return
        args: dict[str, Any] | None = dict(job.args)
        steps = 0
        try:
            while args is not None:
                args = await self._step(job, handler, args)
                steps += 1
                await asyncio.sleep(0)  # between steps, other work takes its turn on the database
        except UserError as exc:
            await self._end(job, [Text(self.conversation.explain(exc, job.lang))], None)
        except Exception as exc:
            logger.exception("Job %s (%s) failed", job.id, job.description)
            partial = steps > 0 or job.attempts > 1  # steps of this run, or of a process that died, stay
            key = "job.failed_part" if partial else "job.failed"
            await self._end(job, [Text(t(key, job.lang, description=job.description))], repr(exc))
        else:
            logger.info("Job %s done: %s", job.id, job.description)

    async def _step(self, job: Job, handler: JobHandler, args: dict[str, Any]) -> dict[str, Any] | None:
        """One step of a job in one transaction: its work and either its progress, or its end (the
        replies to the requester and the completion mark). Returns the next step's arguments, if any."""
        async with self.services.db.transaction() as session:
            now = self.services.clock()
            requester = await _requester(session, job)
            done = await handler(JobContext(session, self.services, requester, args, job.lang, now))
            if isinstance(done, Progress):
                await jobs.save_progress(session, job_id=job.id or 0, args=done.args)
                return done.args
            await self._post(session, requester, done, job.lang, now)
            await jobs.finish_job(session, job_id=job.id or 0, now=now)
            return None

    async def _end(self, job: Job, replies: list[Reply], error: str | None) -> None:
        """Tell the requester how the job ended, and mark it finished, in one transaction."""
        async with self.services.db.transaction() as session:
            now = self.services.clock()
            requester = await _requester(session, job)
            await self._post(session, requester, replies, job.lang, now)
            await jobs.finish_job(session, job_id=job.id or 0, now=now, error=error)

    @staticmethod
    async def _post(
        session: AsyncSession, requester: Person | None, replies: list[Reply], lang: str, now: dt.datetime
    ) -> None:
        posted = await outbox.post(session, sender=requester, replies=replies, lang=lang, now=now)
        if posted.direct and requester is not None:
            note = Notify(requester.key, tuple(posted.direct))
            await outbox.post(session, sender=None, replies=[note], lang=lang, now=now)


async def _requester(session: AsyncSession, job: Job) -> Person | None:
    """Who asked for the job (None once they asked to be forgotten)."""
    if job.requester_id is None:
        return None
    return await people.get_person_by_id(session, person_id=job.requester_id)
