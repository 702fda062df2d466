"""Teams rendering: Markdown as Adaptive Card elements, safety of repeated text, sizes and submits."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from microsoft_agents.activity import Activity

from bot.core.cards import full_card, labels, quiz_card, tip_card
from bot.core.replies import Button, File, Later, LessonCard, Notify, QuizCard, Text, TextInput
from bot.core.text import neutralize
from bot.teams.render import markdown_to_elements, parse_submit, render
from lessons import Library, load_library
from tests.support.lessons import lesson, strings

WJ = "\u2060"
NBSP = "\u00a0"
LIMIT = 25_000
TAG = re.compile(r"<[A-Za-z/!?]")
ENTITY = re.compile(r"(?<!\\)&#?\w+;")
LINK_TARGET = re.compile(r"(?<!\\)\]\(([^)]*)\)")
LINK = re.compile(r"(?<!\\)\[((?:\\.|[^\\\]])*)\]\([^)\s]*\)")
HOSTILE = "<at>Bob</at> <b>bold</b> &lt;at&gt;x&lt;/at&gt; <https://x.y> <!-- c --> [x](javascript:alert(1))"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def walk(elements: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every element, containers' items included, in reading order."""
    for element in elements:
        yield element
        yield from walk(element.get("items", []))


def card(message: dict[str, Any]) -> dict[str, Any]:
    [attachment] = message["attachments"]
    return attachment["content"]


def blocks(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for m in messages for e in walk(card(m)["body"]) if e["type"] == "TextBlock"]


def visible(text: str) -> str:
    """Text as a person reads it: links as their label, escapes resolved, word joiners invisible."""
    text = LINK.sub(lambda m: m.group(1), text.replace(WJ, ""))
    return re.sub(r"\\(.)", r"\1", text).replace(NBSP, " ")


def assert_valid(messages: list[dict[str, Any]]) -> None:
    """Every message is an Activity with one Adaptive Card 1.5, well within Teams' size limit."""
    assert messages
    for message in messages:
        assert len(json.dumps(message).encode()) < LIMIT
        assert message["type"] == "message" and message["summary"]
        Activity.model_validate(message)
        [attachment] = message["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        content = attachment["content"]
        assert content["type"] == "AdaptiveCard" and content["version"] == "1.5"
        assert content["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
        assert content["msteams"] == {"width": "Full"}
        assert len(content["actions"]) <= 6
        for element in walk(content["body"]):
            if element["type"] == "ActionSet":
                assert 0 < len(element["actions"]) <= 6
        for action in [
            *content["actions"],
            *(a for e in walk(content["body"]) for a in e.get("actions", [])),
        ]:
            assert action["type"] == "Action.Submit"
            assert 0 < len(visible(action["title"])) <= 60
            assert parse_submit(action["data"]) is not None


def assert_safe(messages: list[dict[str, Any]]) -> None:
    """No mention, HTML tag or entity can form from anything shown, nor a link but to the web or mail."""
    for text in strings(messages):
        assert not TAG.search(text), text
        assert not ENTITY.search(text), text
    for block in blocks(messages):
        for target in LINK_TARGET.findall(block["text"]):
            assert target.split(":", 1)[0] in ("http", "https", "mailto"), block


def texts(markdown: str) -> list[str]:
    return [e["text"] for e in walk(markdown_to_elements(markdown)) if e["type"] == "TextBlock"]


# Markdown to elements --------------------------------------------------------------------------------


def test_headings_are_bold_text_blocks() -> None:
    title, sub, small, body = markdown_to_elements("# Title\n\n## Sub **part**\n\n#### Small\n\nText")
    assert title == {"type": "TextBlock", "text": "Title", "wrap": True, "weight": "Bolder", "size": "Medium"}
    assert sub["text"] == "Sub part" and sub["size"] == "Medium"
    assert small["weight"] == "Bolder" and "size" not in small
    assert body == {"type": "TextBlock", "text": "Text", "wrap": True}


def test_inline_formatting_uses_the_card_subset() -> None:
    assert texts("**bold** and *em* and _em_ and `code` and ~~gone~~") == [
        "**bold** and _em_ and _em_ and code and gone"
    ]
    assert texts("# 1. Intro") == [f"{WJ}1. Intro"]


def test_lists_nested_lists_and_ordered_lists() -> None:
    source = "- one\n- two **b**\n  - nested\n    - deeper\n- three\n\n3. third\n4. fourth"
    assert texts(source) == ["- one\n- two **b**\n  - nested\n    - deeper\n- three", "3. third\n4. fourth"]


def test_links_only_for_web_and_mail() -> None:
    assert texts("[Takeout](https://takeout.google.com)") == ["[Takeout](https://takeout.google.com)"]
    assert texts("[mail](mailto:a@b.c) <https://x.y>") == ["[mail](mailto:a@b.c) [https://x.y](https://x.y)"]
    assert texts("[file](ftp://x.y/f) and [page](/relative)") == ["file and page"]
    assert LINK_TARGET.findall(texts("[x](<https://a.b/p (q)>)")[0]) == ["https://a.b/p%20%28q%29"]
    [evil] = texts("[evil](javascript:alert(1)) and <javascript:alert(1)>")
    assert not LINK_TARGET.findall(evil)
    assert visible(evil) == "[evil](javascript:alert(1)) and <javascript:alert(1)>"


def test_bare_addresses_become_links_without_their_punctuation() -> None:
    [text] = texts("See https://example.com/a_b. Or (https://en.wikipedia.org/wiki/Foo_(bar)).")
    assert LINK_TARGET.findall(text) == [
        "https://example.com/a_b",
        "https://en.wikipedia.org/wiki/Foo_%28bar%29",
    ]
    assert text.startswith("See [https://example.com/a\\_b](https://example.com/a_b). Or ([")
    assert text.endswith("(https://en.wikipedia.org/wiki/Foo_%28bar%29)).")


@pytest.mark.parametrize(
    "text", ["<at>Bob</at>", "<b>x</b>", "&lt;at&gt;Bob&lt;/at&gt;", "<!-- x -->", HOSTILE]
)
def test_mentions_and_html_cannot_form(text: str) -> None:
    hostile = lesson(
        title=text, summary=text, try_it=text, body=f"# {text}\n\n{text}\n\n- {text}\n\n> {text}"
    )
    replies = [
        Text(
            text,
            buttons=(
                Button(text, "ask.start", "x", input=TextInput(500, text)),
                Button(text, "lesson.more", "x"),
            ),
        ),
        Text(f"**{text}** _{text}_ `{text}` [{text}](https://example.com)\n\n```\n{text}\n```"),
        LessonCard(hostile, full=True, intro=text, footer=text, buttons=(Button(text, "quiz.start", "x"),)),
        QuizCard(hostile, text, (Button(text, "quiz.answer", "x:0"), Button(text * 5, "quiz.answer", "x:1"))),
        File(text, (text * 500).encode(), "application/json", text),
        Text(neutralize(text)),
    ]
    for reply in replies:
        messages = render(reply)
        assert_valid(messages)
        assert_safe(messages)


def test_angle_brackets_and_ampersands_still_show() -> None:
    [text] = texts("<at>Bob</at> & <b>x</b> &amp;lt;")
    assert visible(text) == "<at>Bob</at> & <b>x</b> &lt;"


def test_user_text_shows_as_typed() -> None:
    typed = "*not bold* _nor this_ [x](https://evil.example) snake_case 2*3 \\ back # tag"
    [text] = texts(neutralize(typed))
    assert visible(text) == typed
    assert "**" not in text
    assert LINK.findall(text) == ["https://evil.example"]  # the address is a link, "x" is not its label


def test_user_line_breaks_and_list_markers_are_kept_as_lines() -> None:
    [text] = texts(neutralize("first line\nsecond\n- third\n1. fourth"))
    assert text.split("\n\n") == ["first line", "second", f"{WJ}- third", f"{WJ}1. fourth"]
    assert visible(text).split("\n\n") == ["first line", "second", "- third", "1. fourth"]


def test_block_quotes_are_emphasis_containers() -> None:
    [quote] = markdown_to_elements("> quoted *em*\n> second")
    assert quote["type"] == "Container" and quote["style"] == "emphasis"
    assert [item["text"] for item in quote["items"]] == ["quoted _em_\n\nsecond"]


def test_code_blocks_are_monospace_with_lines_and_indentation() -> None:
    [code] = markdown_to_elements("```python\ndef f():\n    return '*x*'\n\n- not a list\n```")
    assert code["fontType"] == "Monospace"
    lines = code["text"].split("\n\n")
    assert [visible(line) for line in lines] == ["def f():", "    return '*x*'", " ", "- not a list"]
    assert lines[1].startswith(NBSP * 4) and lines[3].startswith(WJ)


def test_tables_become_fact_sets_or_rows() -> None:
    [facts] = markdown_to_elements("| Tool | Job |\n|---|---|\n| **X** | posts |")
    assert facts == {
        "type": "FactSet",
        "facts": [{"title": "Tool", "value": "Job"}, {"title": "**X**", "value": "posts"}],
    }
    assert texts("| a | b | c |\n|---|---|---|\n| 1 | 2 | 3 |") == ["a | b | c\n\n1 | 2 | 3"]


def test_images_and_html_are_not_shown_as_such() -> None:
    assert texts("![a chart](https://x.y/c.png)") == ["[a chart](https://x.y/c.png)"]
    [html] = texts("<div>hi</div>")
    assert visible(html) == "<div>hi</div>" and not TAG.search(html)


# Replies ---------------------------------------------------------------------------------------------


def test_every_bundled_lesson_is_one_valid_message(library: Library) -> None:
    assert len(library.lessons) == 80  # 60 for the learners, 20 in the mentor's guide
    for item in library.lessons.values():
        for reply in (full_card(item, intro="Here is **more**."), tip_card(item), quiz_card(item)):
            messages = render(reply)
            assert_valid(messages)
            assert_safe(messages)
            assert len(messages) == 1
        [message] = render(tip_card(item))
        title = card(message)["body"][0]
        assert (title["size"], title["weight"]) == ("Large", "Bolder")
        assert visible(title["text"]) == item.title
        assert message["summary"].startswith(item.title)


def test_tip_card_layout() -> None:
    [message] = render(tip_card(lesson()))
    content = card(message)
    kinds = [element["type"] for element in content["body"]]
    assert kinds == ["TextBlock", "TextBlock", "Container", "Input.Text", "ActionSet"]
    assert content["body"][1]["text"] == "A **short** summary."
    try_it = content["body"][2]
    assert try_it["style"] == "accent"
    assert [item["text"] for item in try_it["items"]] == ["Try it today", "Open the _settings_."]
    assert try_it["items"][0]["weight"] == "Bolder"
    more, quiz, useful, not_useful = content["actions"]
    assert more == {
        "type": "Action.Submit",
        "title": "Tell me more",
        "data": {"tandem": "lesson.more", "value": "sample"},
        "style": "positive",
    }
    assert "style" not in quiz
    assert [a["data"]["tandem"] for a in (useful, not_useful)] == ["feedback.useful", "feedback.not_useful"]


def test_full_card_layout(library: Library) -> None:
    item = next(iter(library.lessons.values()))
    reply = replace(full_card(item, intro="Hello"), footer="Related: **Other lesson**")
    [message] = render(reply)
    body = card(message)["body"]
    assert body[0]["text"] == "Hello"
    assert visible(body[1]["text"]) == item.title
    verified, related = [e for e in body if e.get("isSubtle")][-2:]
    assert item.verified.isoformat() in verified["text"] and verified["size"] == "Small"
    assert related["text"] == "Related: **Other lesson**"
    names = labels(item.lang)
    assert any(e.get("text") == names["try_it"] for e in walk(body))
    assert body[-2]["type"] == "Input.Text"


def test_quiz_buttons_carry_the_answer(library: Library) -> None:
    for item in library.lessons.values():
        [message] = render(quiz_card(item))
        content = card(message)
        assert content["body"][0]["weight"] == "Bolder"
        rows = [e for e in content["body"] if e["type"] == "ActionSet"]
        assert len(rows) == len(item.quiz.choices) and content["actions"] == []
        for index, (row, choice) in enumerate(zip(rows, item.quiz.choices, strict=True)):
            [action] = row["actions"]
            assert action["data"] == {"tandem": "quiz.answer", "value": f"{item.id}:{index}"}
            assert visible(action["title"]) == choice or action["title"].endswith("…")
            assert parse_submit(action["data"]) == ("quiz.answer", f"{item.id}:{index}", "")


def test_quiz_lists_choices_too_long_for_a_button() -> None:
    long_choice = "An answer that is much too long to fit on a Teams button, which shows about 60 characters"
    reply = QuizCard(
        lesson(), "Which?", (Button(long_choice, "quiz.answer", "s:0"), Button("No", "quiz.answer", "s:1"))
    )
    [message] = render(reply)
    body = card(message)["body"]
    assert body[1]["text"] == f"- {long_choice}\n- No"
    title = body[2]["actions"][0]["title"]
    assert len(title) <= 60 and title.endswith("…")


@pytest.mark.parametrize(("action", "limit"), [("question.reply", 3000), ("ask.start", 500)])
def test_text_input_buttons_are_a_box_and_a_send_button(action: str, limit: int) -> None:
    box_spec = TextInput(limit, "Reply")  # what the core accepts for that action
    [message] = render(
        Text("A question for you", buttons=(Button("Reply", action, "12", "primary", box_spec),))
    )
    content = card(message)
    box, row = content["body"][1:]
    assert box == {
        "type": "Input.Text",
        "id": "text",
        "isMultiline": True,
        "maxLength": limit,  # what the core accepts for that action
        "placeholder": "Reply",
    }
    [submit] = row["actions"]
    assert submit["data"] == {"tandem": action, "value": "12"} and submit["style"] == "positive"
    assert content["actions"] == []
    # Teams merges the inputs into the submitted data.
    assert parse_submit({**submit["data"], "text": "Use a password manager."}) == (
        action,
        "12",
        "Use a password manager.",
    )
    assert parse_submit({**submit["data"], "text": ""}) == (action, "12", "")
    assert parse_submit(submit["data"]) == (action, "12", "")


def test_second_text_box_has_its_own_id() -> None:
    box = TextInput(3000, "Your answer")
    buttons = (
        Button("Reply", "question.reply", "1", input=box),
        Button("Reply", "question.reply", "2", input=box),
    )
    [message] = render(Text("Two questions", buttons=buttons))
    body = card(message)["body"]
    boxes = [e for e in body if e["type"] == "Input.Text"]
    assert [box["id"] for box in boxes] == ["text", "text-2"]
    second = body[-1]["actions"][0]["data"]
    assert second == {"tandem": "question.reply", "value": "2", "input": "text-2"}
    assert parse_submit({**second, "text": "first box", "text-2": "second box"}) == (
        "question.reply",
        "2",
        "second box",
    )


def test_other_buttons_ignore_typed_text() -> None:
    assert parse_submit({"tandem": "lesson.more", "value": "x", "text": "typed"}) == ("lesson.more", "x", "")


@pytest.mark.parametrize(
    "value",
    [
        None,
        "quiz.answer",
        ["tandem", "quiz.answer"],
        42,
        {},
        {"value": "x"},
        {"action": "quiz.answer"},
        {"tandem": None},
        {"tandem": 3, "value": "x"},
        {"tandem": ["quiz.answer"]},
        {"tandem": ""},
        {"tandem": "quiz answer"},
        {"tandem": "x" * 100},
        {"tandem": "quiz.answer", "value": 5},
        {"tandem": "quiz.answer", "value": {"a": 1}},
        {"tandem": "quiz.answer", "value": ["x"]},
    ],
)
def test_parse_submit_rejects_what_is_not_ours(value: Any) -> None:
    assert parse_submit(value) is None


def test_parse_submit_tolerates_odd_but_harmless_values() -> None:
    assert parse_submit({"tandem": "quiz.answer"}) == ("quiz.answer", "", "")
    assert parse_submit({"tandem": "quiz.answer", "value": None}) == ("quiz.answer", "", "")
    assert parse_submit({"tandem": "ask.start", "value": "x", "text": 5}) == ("ask.start", "x", "")
    assert parse_submit({"tandem": "ask.start", "value": "x", "input": ["y"], "text": "t"}) == (
        "ask.start",
        "x",
        "t",
    )


def test_parse_submit_never_raises_on_random_json() -> None:
    rng = random.Random(7)
    atoms: list[Any] = [None, True, 0, -1.5, "", "tandem", "text", "quiz.answer", "question.reply", "input"]

    def value(depth: int) -> Any:
        if depth > 3 or rng.random() < 0.4:
            return rng.choice(atoms)
        if rng.random() < 0.5:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(atoms[5:]): value(depth + 1) for _ in range(rng.randint(0, 4))}

    for _ in range(2000):
        result = parse_submit(value(0))
        assert result is None or all(isinstance(part, str) for part in result)


def test_buttons_beyond_six_are_rows_in_the_body() -> None:
    few = render(Text("Pick", buttons=tuple(Button(f"B{i}", "menu.pick", str(i)) for i in range(6))))
    assert len(card(few[0])["actions"]) == 6
    [message] = render(Text("Pick", buttons=tuple(Button(f"B{i}", "menu.pick", str(i)) for i in range(14))))
    content = card(message)
    rows = [e for e in content["body"] if e["type"] == "ActionSet"]
    assert [len(row["actions"]) for row in rows] == [6, 6, 2] and content["actions"] == []
    assert [a["data"]["value"] for row in rows for a in row["actions"]] == [str(i) for i in range(14)]


def test_button_titles_are_truncated_and_styled() -> None:
    buttons = (Button("label " * 30, "a.b", "v"), Button("Stop", "a.stop", "", "danger"))
    [message] = render(Text("x", buttons=buttons))
    long, stop = card(message)["actions"]
    assert len(long["title"]) <= 60 and long["title"].endswith("…")
    assert stop["style"] == "destructive" and stop["data"] == {"tandem": "a.stop", "value": ""}


def test_huge_lesson_is_split_with_title_first_and_buttons_last() -> None:
    words = [f"w{i}" + "é" * (i % 5) for i in range(24_000)]
    paragraphs = "\n\n".join(" ".join(words[i : i + 60]) for i in range(0, len(words), 60))
    body = f"{paragraphs}\n\n- {' '.join(words[:3000])}\n\n> {' '.join(words[:2000])}"
    item = lesson(body=body)
    messages = render(full_card(item))
    assert len(messages) > 3
    assert_valid(messages)
    first = card(messages[0])["body"][0]
    assert visible(first["text"]) == item.title and first["size"] == "Large"
    assert all(visible(e.get("text", "")) != item.title for m in messages[1:] for e in walk(card(m)["body"]))
    assert all(card(m)["actions"] == [] for m in messages[:-1])
    assert all(e["type"] not in ("Input.Text", "ActionSet") for m in messages[:-1] for e in card(m)["body"])
    assert card(messages[-1])["actions"] and card(messages[-1])["body"][-1]["type"] == "ActionSet"
    plain = [b for b in blocks(messages) if "weight" not in b and not b.get("isSubtle")]
    shown = [w for b in plain for w in visible(b["text"]).replace("- ", "").split()]
    assert shown[: len(words)] == words
    assert shown[len(words) : len(words) + 3000] == words[:3000]
    assert shown[len(words) + 3000 : len(words) + 5000] == words[:2000]


def test_one_huge_word_is_cut_without_breaking_escapes() -> None:
    word = "_*" * 20_000
    messages = render(Text(word.replace("_", "\\_").replace("*", "\\*")))
    assert_valid(messages)
    pieces = [b["text"] for b in blocks(messages)]
    assert all(not re.search(r"(?<!\\)(\\\\)*\\$", piece) for piece in pieces)
    assert "".join(visible(piece) for piece in pieces) == word


def test_file_is_monospace_and_chunked_when_links_are_off() -> None:
    content = "\n".join(json.dumps({"line": i, "note": "<at>x</at> & *keep*  two"}) for i in range(3000))
    messages = render(File("my-data.json", content.encode(), "application/json", "Here is **your data**."))
    assert len(messages) > 1
    assert_valid(messages)
    assert_safe(messages)
    shown = blocks(messages)
    assert shown[0]["text"] == "Here is **your data**."
    assert visible(shown[1]["text"]) == "my-data.json" and shown[1]["isSubtle"]
    code = shown[2:]
    assert all(b["fontType"] == "Monospace" for b in code)
    lines = [visible(line) for b in code for line in b["text"].split("\n\n")]
    assert lines == content.split("\n")
    assert all(m["summary"] == "Here is your data. my-data.json" for m in messages)


def test_notify_and_later_are_not_rendered() -> None:
    """The core queues them; should one reach a channel, nothing is shown."""
    assert render(Notify("someone", (Text("hi"),))) == []
    assert render(Later("enroll", {})) == []


def test_private_text_is_an_ordinary_message() -> None:
    assert render(Text("Only you", private=True)) == render(Text("Only you"))


def test_empty_text_still_shows_something() -> None:
    [message] = render(Text(""))
    assert_valid([message])
    assert card(message)["body"][0]["text"] == "…"
