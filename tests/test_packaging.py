"""The package metadata: a licence setuptools reads without a deprecation warning."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_licence_is_an_spdx_expression_with_its_file() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    assert project["license"] == "MIT", "an SPDX string, not the deprecated `{ text = ... }` table"
    for pattern in project["license-files"]:
        assert list(ROOT.glob(pattern)), f"license-files: {pattern} matches no file"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    [setuptools] = [req for req in data["build-system"]["requires"] if req.startswith("setuptools")]
    match = re.fullmatch(r"setuptools>=(\d+)(?:\.\d+)*", setuptools)
    assert match and int(match[1]) >= 77, "SPDX `license` and `license-files` need setuptools 77 or newer"
