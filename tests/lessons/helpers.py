"""Build lesson files for loader tests."""

from __future__ import annotations

from pathlib import Path

BODY = " ".join(["Plain words make a lesson that people read to the end."] * 14)


def lesson_text(lesson_id: str = "demo-lesson", lang: str = "en", **fields: str) -> str:
    values = {
        "id": lesson_id,
        "title": "A demo lesson",
        "lang": lang,
        "tags": "[demo, test]",
        "summary": "A short tip.",
        "try_it": "Do one small thing today.",
        "quiz": (
            "\n  question: Which one?\n  choices:\n    - This one\n    - That one\n"
            "  answer: This one\n  explanation: Because."
        ),
        "verified": "2026-11-20",
        "related": "[]",
    }
    values.update(fields)
    front = "\n".join(f"{key}: {value}" for key, value in values.items() if value is not None)
    return f"---\n{front}\n---\n{BODY}\n"


def write_lesson(root: Path, text: str, lesson_id: str = "demo-lesson", lang: str = "en") -> Path:
    path = root / lang / f"{lesson_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
