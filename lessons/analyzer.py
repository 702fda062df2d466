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

TOKEN_RE = re.compile(r"[a-z0-9]+")
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
    avais avait avant avec avez aviez avions avoir avons ayant c ca car ce ceci cela celle celles celui cependant
    certain certaines certains ces cet cette ceux chaque chez ci comme comment d dans de des doit doivent donc
    dont du elle elles en encore entre es est et etaient etais etait etant ete etes etre eu eux faire fais
    fait faut font hors il ils j je jusqu l la le les leur leurs lui m ma mais me meme memes mes moi mon n ne
    ni nos notre nous on ont ou par parce pas peu peut peuvent peux plus pour pourquoi puis puisque qu quand
    que quel quelle quelles quels qui quoi s sa sans se sera serai seraient serais serait seront ses si soi
    soit sommes son sont sous suis sur t ta te tes toi ton tous tout toute toutes tres tu un une unes uns vers
    voici voila vos votre vous y dois devrais devrait veux voudrais voulez pouvez puis-je est-ce chose choses
    svp stp merci bonjour""".split()
)

STOPWORDS = EN_STOPWORDS | FR_STOPWORDS


@lru_cache(maxsize=2)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    stemmer = Stemmer.Stemmer(STEMMER_NAMES[lang])
    stemmer.maxCacheSize = 50_000
    return stemmer


def fold(text: str) -> str:
    """Lowercase and strip accents: 'Confidentialité' -> 'confidentialite'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("œ", "oe")


def words(text: str) -> list[str]:
    """Folded word tokens, stopwords and one-letter tokens removed."""
    return [w for w in TOKEN_RE.findall(fold(text)) if len(w) > 1 and w not in STOPWORDS]


def raw_words(text: str) -> list[str]:
    """Folded word tokens with stopwords kept: used to guess the language of a question."""
    return TOKEN_RE.findall(fold(text))


def stem(tokens: list[str], lang: str) -> list[str]:
    """Snowball stems of already folded tokens, in one language."""
    return _stemmer(lang).stemWords(tokens)


def analyze(text: str, lang: str) -> list[str]:
    """Index-side analysis: fold, split, drop stopwords, stem in the text's own language."""
    return stem(words(text), lang)


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
    tokens = raw_words(text)
    en = sum(t in EN_MARKERS for t in tokens)
    fr = sum(t in FR_MARKERS for t in tokens) + (2 if FRENCH_LETTERS.search(text) else 0)
    if re.search(r"\b(?:l|d|qu|j|n|c|s)['’]\w", text, re.IGNORECASE):
        fr += 2
    if en == fr:
        return None
    return "fr" if fr > en else "en"
