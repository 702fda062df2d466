"""The bilingual text analyzer shared by indexing and questions.

Steps, in this order (see the measurements in the README): fold accents, split on non-word characters
(which also splits elisions such as l' and qu'), drop French and English stopwords, then Snowball-stem.
Lessons are stemmed in their own language. Questions are stemmed with both stemmers and the stems merged,
so no language detection is needed to search.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

STEMMER_NAMES = {"en": "english", "fr": "french"}

EN_STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren as at be because been before being
    below between both but by can cannot could couldn did didn do does doesn doing don down during each either
    else ever every few for from further get gets getting got had hadn has hasn have haven having he her here
    hers herself him himself his how i if in into is isn it its itself just let lets like ll me might more
    most much must mustn my myself need needs no nor not now of off often on once one only or other ought our
    ours ourselves out over own please re really same shall shan she should shouldn so some such than that
    the their theirs them themselves then there these they thing things this those through to too under
    until up us ve very want wants was wasn way we well were weren what when where whether which while who
    whom why will with won would wouldn you your yours yourself yourselves d s t m o y""".split()
)

FR_STOPWORDS = frozenset(
    """a ai aie aient aies ait alors as au aucun aucune aupres aura aurai auraient aurais aurait aux avaient
    avais avait avant avec avez aviez avions avoir avons ayant c ca car ce ceci cela celle celles celui
    cependant certain certaines certains ces cet cette ceux chaque chez ci comme comment d dans de des
    doit doivent donc
    dont du elle elles en encore entre es est et etaient etais etait etant ete etes etre eu eux faire fais
    fait faut font hors il ils j je jusqu l la le les leur leurs lui m ma mais me meme memes mes moi mon n ne
    ni nos notre nous on ont ou par parce pas peu peut peuvent peux plus pour pourquoi puis puisque qu quand
    que quel quelle quelles quels qui quoi s sa sans se sera serai seraient serais serait seront ses si soi
    soit sommes son sont sous suis sur t ta te tes toi ton tous tout toute toutes tres tu un une unes uns vers
    voici voila vos votre vous y dois devrais devrait veux voudrais voulez pouvez puis-je est-ce chose choses
    svp stp merci bonjour""".split()
)

STOPWORDS = EN_STOPWORDS | FR_STOPWORDS
KEEP_SHORT = frozenset({"x"})  # X (formerly Twitter) is a one-letter name
DROPPED = STOPWORDS | (frozenset("abcdefghijklmnopqrstuvwxyz0123456789") - KEEP_SHORT)


@lru_cache(maxsize=2)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    stemmer = Stemmer.Stemmer(STEMMER_NAMES[lang])
    stemmer.maxCacheSize = 50_000
    return stemmer


COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lowercase and strip accents: 'Confidentialité' -> 'confidentialite'."""
    lowered = text.casefold()
    if lowered.isascii():
        return lowered
    return COMBINING_RE.sub("", unicodedata.normalize("NFKD", lowered)).replace("œ", "oe").replace("æ", "ae")


def _latin1_folding_table() -> bytes:
    """Byte -> ASCII letter/digit with accents removed, or a space for everything else."""
    table = bytearray(b" " * 256)
    for code in range(256):
        base = fold(chr(code))
        if len(base) == 1 and base.isascii() and base.isalnum():
            table[code] = ord(base)
    return bytes(table)


_LATIN1_TABLE = _latin1_folding_table()


def tokens(text: str) -> list[str]:
    """Folded [a-z0-9] runs; everything else (apostrophes, ’, punctuation) separates words.

    French and English fit in Latin-1 once œ and æ are spelled out, so one bytes.translate pass folds
    accents and splits words: several times faster than NFKD plus a regex on a large library.
    Characters outside Latin-1 (other scripts, emoji) separate words too; the library has none of them.
    """
    text = text.casefold().replace("œ", "oe").replace("æ", "ae")
    return text.encode("latin-1", "replace").translate(_LATIN1_TABLE).decode("ascii").split()


PHRASE_ABOUT = "aboutsection"
PHRASE_SELF = "egosearch"
PHRASE_PASSWORD = "motdepasse"
ABOUT_BEFORE = frozenset("the my your his her an profile linkedin".split())
ABOUT_AFTER = frozenset("section part field box page bit".split())
PROPOS_BEFORE = frozenset("section rubrique partie encart mon ma le l votre cadre bloc".split())
SELF_SEARCH = frozenset("google googled googling googles search searched searching look looked".split())
SELF_FR = frozenset("googler googliser googlez googlisez googlise googlisee".split())
_PHRASE_RE = re.compile(r"\b(?:mots? d[eu] passes?|mdp|about|a propos|myself|yourself|me|googl\w+)\b")


def _word_before(text: str, start: int) -> str:
    begin = text.rfind(" ", 0, max(start - 1, 0)) + 1
    return text[begin : max(start - 1, 0)]


def _word_after(text: str, end: int) -> str:
    stop = text.find(" ", end + 1)
    return text[end + 1 : stop if stop >= 0 else len(text)]


def _phrase(match: re.Match[str]) -> str:
    found, text = match.group(), match.string
    if found.startswith("mot") or found == "mdp":
        return PHRASE_PASSWORD
    if found == "about":
        before, after = _word_before(text, match.start()), _word_after(text, match.end())
        return PHRASE_ABOUT if before in ABOUT_BEFORE or after in ABOUT_AFTER else found
    if found == "a propos":
        return PHRASE_ABOUT if _word_before(text, match.start()) in PROPOS_BEFORE else found
    if found in ("myself", "yourself", "me"):
        return PHRASE_SELF if _word_before(text, match.start()) in SELF_SEARCH else found
    return f"{found} {PHRASE_SELF}" if found in SELF_FR else found


def phrases(folded: list[str]) -> list[str]:
    """Folded tokens with the few phrases whose words mean something else alone, as one token each.

    "mot de passe" is a password, "passe" alone is time; "About" after "the"/"my" or before "section"
    is LinkedIn's section (and "à propos" after "rubrique"/"mon"), elsewhere a stopword; "google myself"
    and "me googliser" search one's own name, where "myself" alone is a stopword. Used alike on lessons
    and questions, so both sides get the same tokens. One regular expression over the joined tokens
    finds the candidates: a large library is scanned in C, not word by word in Python.
    """
    return _PHRASE_RE.sub(_phrase, " ".join(folded)).split()


def words(text: str) -> list[str]:
    """Folded word tokens, phrases joined, stopwords and one-letter tokens removed."""
    return [w for w in phrases(tokens(text)) if w not in DROPPED]


NEGATIONS = frozenset({"without", "sans"})
NEGATION_SKIP = frozenset(
    "a an the any my your some their his her le la les l un une de d des du mon ma mes ton ta tes son sa ses"
    " votre vos leur leurs aucun aucune".split()
)
NEGATION_STOP = frozenset({"que", "qu", "quoi"})
NOT_NEGATED = frozenset(
    """being seen noticed notice knowing know knows knew notified notifying alerting alert trace traces
    sache sachent saches voie voient remarque remarquer prevenir previent notifier laisser""".split()
)
NEGATED_WORDS = 2


def split_negated(text: str) -> tuple[list[str], list[str]]:
    """(words, negated words): the content words right after "without"/"sans" (two at most) count
    against a lesson, not for it: "follow a CEO without an invitation" is not the invitations lesson.

    "sans que..." opens a clause and negates nothing; being seen or known ("without them knowing")
    is what the learner wants, so those words stay positive.
    """
    folded = phrases(tokens(text))
    kept: list[str] = []
    negated: list[str] = []
    index = 0
    while index < len(folded):
        word = folded[index]
        index += 1
        if word not in NEGATIONS or index >= len(folded) or folded[index] in NEGATION_STOP:
            if word not in DROPPED and word not in NEGATIONS:
                kept.append(word)
            continue
        taken = 0
        while index < len(folded) and taken < NEGATED_WORDS:
            nxt = folded[index]
            if nxt in NEGATION_SKIP:
                index += 1
                continue
            if nxt in DROPPED or nxt in NEGATIONS:
                break
            (kept if nxt in NOT_NEGATED else negated).append(nxt)
            taken += 1
            index += 1
    return kept, negated


def raw_words(text: str) -> list[str]:
    """Folded word tokens with stopwords kept: used to guess the language of a question."""
    return tokens(text)


_STEMS: dict[str, dict[str, str]] = {"en": {}, "fr": {}}

STEM_OVERRIDES = {
    "poste": "postejob",
    "postes": "postejob",
    "journaliste": "journalist",
    "journalistes": "journalist",
    "journalists": "journalist",
    PHRASE_ABOUT: PHRASE_ABOUT,
    PHRASE_SELF: PHRASE_SELF,
    PHRASE_PASSWORD: PHRASE_PASSWORD,
}
"""Stems fixed by hand where Snowball merges two meanings: "poste" (a job) is not "post", and
"journalistes" are not "journaux" (newspapers)."""


def stem(tokens: list[str], lang: str) -> list[str]:
    """Snowball stems of already folded tokens, in one language (memoised: vocabularies are small)."""
    cache = _STEMS[lang]
    missing = [t for t in set(tokens) if t not in cache]
    if missing:
        if len(cache) > 200_000:
            cache.clear()
        cache.update(zip(missing, _stemmer(lang).stemWords(missing), strict=True))
        cache.update((t, STEM_OVERRIDES[t]) for t in missing if t in STEM_OVERRIDES)
    return [cache[t] for t in tokens]


EN_MARKERS = frozenset(
    "the how what why which who my is are do does can should to of and with on in it i you your".split()
)
FR_MARKERS = frozenset(
    "le la les un une des du de comment quoi pourquoi quel quelle est sont je mon ma mes vous votre"
    " sur avec pour dans qu ce cette ne pas faire puis".split()
)
FRENCH_LETTERS = re.compile(r"[àâçéèêëîïôûùüÿœ]", re.IGNORECASE)


def guess_language(text: str) -> str | None:
    """'fr', 'en', or None when the question gives too little to tell."""
    en, fr = _language_scores(text, accent=2)
    if en == fr:
        return None
    return "fr" if fr > en else "en"


CLEAR_WORDS = 3
"""A message shorter than this never tells a language clearly: "ok", "merci", "super idée"."""
CLEAR_MARGIN = 2


def clear_language(text: str) -> str | None:
    """'fr' or 'en' when `text` is plainly written in that language, by the same markers as
    `guess_language` but stricter: at least three words, and two more signs of one language than of the
    other, an accent or an elision counting as one sign only ("recipe for crêpes" tells nothing)."""
    if len(raw_words(text)) < CLEAR_WORDS:
        return None
    en, fr = _language_scores(text, accent=1)
    if abs(en - fr) < CLEAR_MARGIN:
        return None
    return "fr" if fr > en else "en"


def _language_scores(text: str, *, accent: int) -> tuple[int, int]:
    """Signs of English and of French in `text`: marker words, and for French its letters and elisions."""
    tokens = raw_words(text)
    en = sum(t in EN_MARKERS for t in tokens)
    fr = sum(t in FR_MARKERS for t in tokens) + (accent if FRENCH_LETTERS.search(text) else 0)
    if re.search(r"\b(?:l|d|qu|j|n|c|s)['’]\w", text, re.IGNORECASE):
        fr += accent
    return en, fr
