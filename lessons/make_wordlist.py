"""Write `lessons/data/known_words.txt.gz`: common English and French words, accents folded.

The answer engine never "corrects" a word found there (chaos, interesting, track), even when no lesson
uses it: a real word the library lacks is not a typo. The list is made once, offline, from the word
frequency dictionaries that the MIT-licensed `pyspellchecker` package ships (built from OpenSubtitles);
the package is not a dependency of Tandem.

Run: `pip download --no-deps pyspellchecker==0.9.1 -d /tmp/psc && cd /tmp/psc && unzip -o *.whl` then
`.venv/bin/python -m lessons.make_wordlist /tmp/psc/spellchecker/resources`.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

from lessons.analyzer import fold

OUT = Path(__file__).resolve().parent / "data" / "known_words.txt.gz"
TOP = 40_000
"""The most frequent words kept per language: rarer entries are mostly names and misspellings."""
MIN_LENGTH = 5
"""Shorter words are never corrected anyway (`engine.MIN_TYPO_LENGTH`)."""


def main(resources: Path) -> None:
    words: set[str] = set()
    for lang in ("en", "fr"):
        counts = json.loads(gzip.decompress((resources / f"{lang}.json.gz").read_bytes()))
        ranked = sorted(counts.items(), key=lambda item: -item[1])[:TOP]
        words.update(fold(w) for w, _ in ranked if w.isalpha() and len(w) >= MIN_LENGTH)
    words = {w for w in words if w.isascii() and w.isalpha()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(gzip.compress(("\n".join(sorted(words)) + "\n").encode("ascii"), mtime=0))
    print(f"{len(words)} words -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
