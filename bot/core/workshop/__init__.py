"""Express workshops: a one-hour live session that a mentor runs and the bot co-hosts.

- `planning`: reads `workshop plan …`, picks the audience and the lessons, builds the run-sheet;
- `invites`: the invitations (with a calendar file), the answers to them, and the reminders;
- `sheet`: the run-sheet as the mentor reads it (`workshop show`).

The command itself is `bot/core/commands/workshop.py`; the run-sheet's timing is `bot/core/runsheet.py`.
"""
