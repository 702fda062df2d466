"""Slack rendering: mrkdwn conversion, broadcast safety and Block Kit limits."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.core.cards import full_card, labels, quiz_card, tip_card
from bot.core.replies import Button, File, Later, LessonCard, Notify, QuizCard, Text
from bot.core.text import neutralize
from bot.slack.render import (
    ACTION_PREFIX,
    escape,
    markdown_to_mrkdwn,
    parse_action_id,
    render,
)
from lessons import Library, load_library
from tests.support.lessons import lesson, strings

WJ = "\u2060"
BROADCAST = re.compile(r"@(channel|here|everyone)\b|<!", re.IGNORECASE)
HOSTILE = "<!channel> @channel @here @Everyone <!subteam^S123> <!here|here> & <b>"


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def visible(text: str) -> str:
    """Text as a person reads it: the word joiners are invisible."""
    return text.replace(WJ, "")


def assert_within_limits(messages: list[dict[str, Any]]) -> None:
    """Every Block Kit limit the renderer promises to keep."""
    assert messages
    for message in messages:
        assert set(message) == {"text", "blocks"}
        assert 0 < len(message["text"]) <= 3000
        assert 0 < len(message["blocks"]) <= 50
        action_ids: list[str] = []
        for block in message["blocks"]:
            if block["type"] == "section":
                assert block["text"]["type"] == "mrkdwn"
                assert 0 < len(block["text"]["text"]) <= 3000
            elif block["type"] == "header":
                assert block["text"]["type"] == "plain_text"
                assert block["text"]["emoji"] is True
                assert 0 < len(block["text"]["text"]) <= 150
            elif block["type"] == "context":
                assert 0 < len(block["elements"]) <= 10
                assert all(0 < len(element["text"]) <= 3000 for element in block["elements"])
            else:
                assert block["type"] == "actions"
                assert 0 < len(block["elements"]) <= 25
                for button in block["elements"]:
                    assert button["type"] == "button"
                    assert 0 < len(button["text"]["text"]) <= 75
                    assert 0 < len(button["value"]) <= 2000
                    assert len(button["action_id"]) <= 255
                    action_ids.append(button["action_id"])
        assert len(action_ids) == len(set(action_ids))


def assert_no_broadcast(messages: list[dict[str, Any]]) -> None:
    for text in strings(messages):
        assert not BROADCAST.search(text), text


def section_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for m in messages for b in m["blocks"] if b["type"] == "section"]


# Escaping and safety ---------------------------------------------------------------------------------


def test_escape_replaces_only_the_three_control_characters() -> None:
    assert (
        escape("a & b < c > d \"quoted\" 'single' *x*") == "a &amp; b &lt; c &gt; d \"quoted\" 'single' *x*"
    )
    assert escape("&amp;") == "&amp;amp;"


def test_markdown_text_is_always_escaped() -> None:
    out = markdown_to_mrkdwn("Fish & chips, 3 > 2, <b>not html</b>, `a < b`\n\n```\nx && y <z>\n```")
    assert "Fish &amp; chips, 3 &gt; 2, &lt;b&gt;not html&lt;/b&gt;" in out
    assert "`a &lt; b`" in out
    assert "x &amp;&amp; y &lt;z&gt;" in out
    assert "<" not in out and ">" not in out.replace("&gt;", "")


@pytest.mark.parametrize("text", ["<!channel>", "@channel", "@here", "@Everyone", "<!subteam^S123>", HOSTILE])
def test_broadcasts_never_survive_in_any_reply(text: str) -> None:
    hostile = lesson(
        title=text, summary=text, try_it=text, body=f"# {text}\n\n{text}\n\n- {text}\n\n> {text}"
    )
    replies = [
        Text(text, buttons=(Button(text, "ask.start", "x"),)),
        Text(f"**{text}** _{text}_ `{text}` [{text}](https://example.com)\n\n```\n{text}\n```"),
        LessonCard(hostile, full=True, intro=text, buttons=(Button(text, "quiz.start", "x"),), labels={}),
        LessonCard(hostile, full=False, intro=text, labels={"try_it": text, "verified": text}),
        QuizCard(hostile, text, (Button(text, "quiz.answer", "x:0"), Button(text * 5, "quiz.answer", "x:1"))),
        File(text, (text * 500).encode(), "application/json", text),
    ]
    for reply in replies:
        messages = render(reply)
        assert_within_limits(messages)
        assert_no_broadcast(messages)


def test_existing_word_joiner_is_kept_not_doubled() -> None:
    assert markdown_to_mrkdwn(f"@{WJ}here") == f"@{WJ}here"


def test_neutralized_user_text_cannot_inject_formatting() -> None:
    out = markdown_to_mrkdwn(neutralize("*bold* @here <b>"))
    assert visible(out) == "*bold* @here &lt;b&gt;"
    assert "*bold*" not in out  # the asterisks carry word joiners, so Slack shows them as typed
    assert f"@{WJ}here" in out
    assert "<" not in out


def test_mailto_targets_are_not_defused() -> None:
    out = markdown_to_mrkdwn("Write to <team@here.com>")
    assert out.startswith("Write to <mailto:team@here.com|")


# Markdown to mrkdwn ----------------------------------------------------------------------------------


def test_links_become_slack_links_only_for_web_and_mail() -> None:
    assert (
        markdown_to_mrkdwn("[Takeout](https://takeout.google.com)") == "<https://takeout.google.com|Takeout>"
    )
    assert (
        markdown_to_mrkdwn("[a & <b>](https://x.y/?q=1&r=2)")
        == "<https://x.y/?q=1&amp;r=2|a &amp; &lt;b&gt;>"
    )
    assert markdown_to_mrkdwn("<https://x.y>") == "<https://x.y|https://x.y>"
    assert markdown_to_mrkdwn("[mail](mailto:a@b.c)") == "<mailto:a@b.c|mail>"
    assert markdown_to_mrkdwn("[file](ftp://x.y/f) and [page](/relative)") == "file and page"
    assert "<" not in markdown_to_mrkdwn("[evil](javascript:alert(1))")
    assert markdown_to_mrkdwn("[x](https://a.b/p|q)") == "<https://a.b/p%7Cq|x>"


def test_inline_formatting() -> None:
    assert markdown_to_mrkdwn("**bold** and *em* and _em_") == "*bold* and _em_ and _em_"
    assert markdown_to_mrkdwn("use `git status` now") == "use `git status` now"
    assert markdown_to_mrkdwn("~~gone~~") == "~gone~"
    assert markdown_to_mrkdwn("**[link](https://a.b)**") == "*<https://a.b|link>*"


def test_headings_become_bold_lines() -> None:
    assert markdown_to_mrkdwn("# Title\n\n## Sub **part**\n\nText") == "*Title*\n\n*Sub part*\n\nText"


def test_lists_nested_lists_and_ordered_lists() -> None:
    source = "- one\n- two **b**\n  - nested\n    - deeper\n- three\n\n3. third\n4. fourth"
    assert markdown_to_mrkdwn(source) == (
        "• one\n• two *b*\n  • nested\n    • deeper\n• three\n\n3. third\n4. fourth"
    )


def test_block_quotes_and_code_blocks() -> None:
    assert markdown_to_mrkdwn("> quoted *em*\n> second") == "> quoted _em_\n> second"
    assert markdown_to_mrkdwn("```python\nprint('*x*')\n```") == "```\nprint('*x*')\n```"
    assert markdown_to_mrkdwn("    indented code") == "```\nindented code\n```"


def test_paragraphs_are_separated_by_a_blank_line() -> None:
    assert markdown_to_mrkdwn("one\n\n\n\ntwo") == "one\n\ntwo"


def test_literal_characters_keep_their_form() -> None:
    for text in ("snake_case_name", "2*3*4", "a ~tilde~ b", "a `tick"):
        out = markdown_to_mrkdwn(text)
        assert visible(out) == text
        assert out != text  # word joiners keep Slack from formatting them
    assert (
        visible(markdown_to_mrkdwn(r"\*not bold\* \_ \[x\] \<y\> \# \`")) == "*not bold* _ [x] &lt;y&gt; # `"
    )


def test_tables_are_rendered_as_plain_rows() -> None:
    assert markdown_to_mrkdwn("| a | b |\n|---|---|\n| 1 | 2 |") == "a | b\n1 | 2"


# Replies ---------------------------------------------------------------------------------------------


def test_every_bundled_lesson_renders_within_limits(library: Library) -> None:
    assert len(library.lessons) == 80  # 60 for the learners, 20 in the mentor's guide
    for item in library.lessons.values():
        for card in (full_card(item, intro="Here is **more**."), tip_card(item)):
            messages = render(card)
            assert_within_limits(messages)
            assert_no_broadcast(messages)
            assert len(messages) == 1
            blocks = messages[0]["blocks"]
            header = next(b for b in blocks if b["type"] == "header")
            assert visible(header["text"]["text"]) == item.title
            assert messages[0]["text"].startswith(item.title)
            assert blocks[-1]["type"] == "actions"


def test_full_card_layout(library: Library) -> None:
    item = next(iter(library.lessons.values()))
    [message] = render(full_card(item, intro="Hello"))
    kinds = [block["type"] for block in message["blocks"]]
    assert kinds[:2] == ["section", "header"]
    assert kinds[-3:] == ["context", "context", "actions"]
    names = labels(item.lang)
    assert message["blocks"][-3]["elements"][0]["text"].startswith(f"*{names['try_it']}*: ")
    assert item.verified.isoformat() in message["blocks"][-2]["elements"][0]["text"]
    assert "lesson.more" not in json.dumps(message)


def test_tip_card_layout() -> None:
    [message] = render(tip_card(lesson()))
    kinds = [block["type"] for block in message["blocks"]]
    assert kinds == ["header", "section", "context", "actions"]
    assert message["blocks"][1]["text"]["text"] == "A *short* summary."
    assert message["blocks"][2]["elements"][0]["text"] == "*Try it today*: Open the _settings_."
    assert message["text"] == "A sample lesson\nA short summary."
    more = message["blocks"][3]["elements"][0]
    assert more["style"] == "primary" and more["value"] == "sample"
    assert "style" not in message["blocks"][3]["elements"][1]


def test_long_title_is_truncated_in_the_header() -> None:
    [message] = render(tip_card(lesson(title="word " * 60)))
    header = message["blocks"][0]["text"]["text"]
    assert len(header) <= 150 and header.endswith("…")
    assert header.removesuffix("…").split() == ["word"] * len(header.removesuffix("…").split())


def test_quiz_buttons_carry_the_answer_action(library: Library) -> None:
    for item in library.lessons.values():
        messages = render(quiz_card(item))
        assert_within_limits(messages)
        [message] = messages
        assert message["blocks"][0]["text"]["text"].startswith("*")
        buttons = message["blocks"][-1]["elements"]
        assert len(buttons) == len(item.quiz.choices)
        assert [parse_action_id(b["action_id"]) for b in buttons] == ["quiz.answer"] * len(buttons)
        assert [b["value"] for b in buttons] == [f"{item.id}:{i}" for i in range(len(buttons))]


def test_quiz_lists_choices_too_long_for_a_button() -> None:
    long_choice = "An answer that is much too long to fit on a Slack button, which holds 75 characters"
    card = QuizCard(
        lesson(), "Which?", (Button(long_choice, "quiz.answer", "s:0"), Button("No", "quiz.answer", "s:1"))
    )
    [message] = render(card)
    assert message["blocks"][-1]["elements"][0]["text"]["text"].endswith("…")
    assert section_texts([message])[1] == f"• {long_choice}\n• No"


def test_long_text_splits_into_messages_without_cutting_words() -> None:
    words = [f"w{i}" + "x" * (i % 7) for i in range(3000)]
    paragraphs = "\n\n".join(" ".join(words[i : i + 40]) for i in range(0, len(words), 40))
    one_line = " ".join(words)
    assert len(paragraphs) > 20_000 and len(one_line) > 20_000
    for source in (paragraphs, one_line):
        buttons = tuple(Button(f"Choice {i}", "menu.pick", str(i)) for i in range(30))
        messages = render(Text(source, buttons=buttons))
        assert len(messages) > 1
        assert_within_limits(messages)
        assert [w for text in section_texts(messages) for w in text.split()] == words
        assert all(b["type"] != "actions" for m in messages[:-1] for b in m["blocks"])
        actions = [b for b in messages[-1]["blocks"] if b["type"] == "actions"]
        assert [len(a["elements"]) for a in actions] == [25, 5]


def test_long_paragraph_splits_at_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {i} " + "text " * 200 for i in range(20)]
    [*_, last] = messages = render(Text("\n\n".join(paragraphs)))
    assert_within_limits(messages)
    for text in section_texts(messages):
        assert all(chunk.startswith("Paragraph ") for chunk in text.split("\n\n"))
    assert last["text"].startswith("Paragraph")


def test_file_content_is_preformatted_and_split_when_not_uploaded() -> None:
    content = "\n".join(json.dumps({"line": i, "note": "<&> *keep*"}) for i in range(2000))
    messages = render(File("my-data.json", content.encode(), "application/json", "Here is **your data**."))
    assert_within_limits(messages)
    texts = section_texts(messages)
    assert texts[0] == "Here is *your data*."
    code = texts[1:]
    assert len(code) > 1
    assert all(t.startswith("```\n") and t.endswith("\n```") for t in code)
    assert "\n".join(t[4:-4] for t in code) == escape(content)
    assert all(m["text"] == "Here is your data.\nmy-data.json" for m in messages)


def test_code_fence_in_content_cannot_close_the_block() -> None:
    [message] = render(File("x.md", b"before\n```\nafter", "text/markdown", "Note"))
    code = message["blocks"][1]["text"]["text"]
    assert code.count("```") == 2


def test_buttons_are_unique_and_defaulted() -> None:
    buttons = (Button("Go", "a.go"), Button("Stop", "a.stop", "v", "danger"), Button("Go", "a.go"))
    [message] = render(Text("Pick", buttons=buttons))
    elements = message["blocks"][-1]["elements"]
    assert [e["action_id"] for e in elements] == ["tandem|a.go|0", "tandem|a.stop|1", "tandem|a.go|2"]
    assert [e["value"] for e in elements] == ["-", "v", "-"]
    assert elements[1]["style"] == "danger"
    assert "style" not in elements[0]


def test_long_button_label_and_value_are_truncated() -> None:
    [message] = render(Text("x", buttons=(Button("label " * 30, "a.b", "v" * 5000),)))
    [button] = message["blocks"][-1]["elements"]
    assert len(button["text"]["text"]) <= 75 and button["text"]["text"].endswith("…")
    assert len(button["value"]) == 2000


def test_parse_action_id_round_trips_and_rejects_foreign_ids() -> None:
    for action in ("quiz.answer", "lesson.more", "feedback.not_useful"):
        [message] = render(Text("x", buttons=(Button("a", action, "v"),)))
        action_id = message["blocks"][-1]["elements"][0]["action_id"]
        assert action_id.startswith(ACTION_PREFIX)
        assert parse_action_id(action_id) == action
    for foreign in ("", "quiz.answer", "other|quiz.answer|0", "tandem|", "tandem|quiz.answer", "tandem|x|y"):
        assert parse_action_id(foreign) is None


def test_notify_and_later_are_not_rendered() -> None:
    """The core queues them; should one reach a channel, nothing is shown."""
    assert render(Notify("someone", (Text("hi"),))) == []
    assert render(Later("enroll", {})) == []


def test_fallback_text_is_plain_and_safe() -> None:
    [message] = render(Text("# Hi\n\n**Bold** [link](https://a.b) & @here"))
    assert message["text"] == f"Hi\n\nBold link (https://a.b) &amp; @{WJ}here"


def test_buttons_stay_with_a_full_message() -> None:
    text = "\n\n".join(["word " * 590] * 4)
    [message] = render(Text(text, buttons=(Button("Go", "a.go"),)))
    assert [b["type"] for b in message["blocks"]] == ["section"] * 4 + ["actions"]


def test_user_line_breaks_are_kept() -> None:
    out = markdown_to_mrkdwn(neutralize("first line\nsecond @everyone\n- third"))
    assert visible(out).split("\n") == ["first line", "second @everyone", "- third"]
    assert f"@{WJ}everyone" in out


def test_an_edited_lesson_is_rendered_anew() -> None:
    """Converted lessons are cached by their whole value: the same id with new text shows the new text."""
    before = json.dumps(render(tip_card(lesson(summary="The **old** advice."))))
    after = json.dumps(render(tip_card(lesson(summary="The **new** advice."))))
    assert "*old*" in before and "old" not in after and "*new*" in after


def test_a_lesson_card_is_the_same_every_time() -> None:
    card = tip_card(lesson(), intro="This lesson should help:")
    first = render(card)
    first[0]["blocks"][1]["text"]["text"] = "changed by a caller"
    assert render(card) != first
    assert render(card) == render(tip_card(lesson(), intro="This lesson should help:"))
