"""Strict YAML reading: duplicate keys are errors, and every value keeps its line number.

python-frontmatter and plain `yaml.safe_load` accept duplicate keys silently and forget where a value came
from. Lesson authors need `path:line: message`, so the loader reads the node tree itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node


class StrictYAMLError(ValueError):
    """A YAML problem with the 0-based line of the offending node."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:  # libyaml's parser when PyYAML has it: five times faster, and every command loads the lessons
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):
    """SafeLoader that refuses duplicate mapping keys."""


def _construct_mapping(loader: _StrictLoader, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise StrictYAMLError(key_node.start_mark.line, f"duplicate key '{key}'")
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def compose(text: str) -> tuple[Node | None, _StrictLoader]:
    """Parse `text` into a node tree; raise StrictYAMLError with a line on syntax errors."""
    loader = _StrictLoader(text)
    try:
        return loader.get_single_node(), loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line if mark else 0
        raise StrictYAMLError(line, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise StrictYAMLError(0, f"invalid YAML: {exc}") from None


def construct(loader: _StrictLoader, node: Node) -> Any:
    """Build the Python value of one node, turning every failure into a StrictYAMLError."""
    try:
        return loader.construct_object(node, deep=True)
    except StrictYAMLError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise StrictYAMLError(mark.line if mark else node.start_mark.line, str(exc.problem)) from None
    except (ValueError, TypeError) as exc:
        raise StrictYAMLError(node.start_mark.line, f"invalid value: {exc}") from None


def mapping_items(
    loader: _StrictLoader, node: MappingNode
) -> tuple[list[tuple[Any, Node, int]], list[StrictYAMLError]]:
    """(key, value node, 0-based line) triples of one mapping, and an error for each repeated key."""
    items: list[tuple[Any, Node, int]] = []
    duplicates: list[StrictYAMLError] = []
    seen: set[Any] = set()
    for key_node, value_node in node.value:
        key = construct(loader, key_node)
        if key in seen:
            duplicates.append(StrictYAMLError(key_node.start_mark.line, f"duplicate key '{key}'"))
            continue
        seen.add(key)
        items.append((key, value_node, key_node.start_mark.line))
    return items, duplicates
