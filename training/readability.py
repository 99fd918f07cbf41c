"""Readability formulas for the instrument's English and Spanish text.

English: Flesch-Kincaid grade level, ``0.39 * words/sentences + 11.8 * syllables/words - 15.59``
(a US school grade; lower is easier). Spanish: Fernández-Huerta reading ease,
``206.84 - 0.60 * P - 1.02 * F`` with P syllables per 100 words and F the mean sentence length in
words, the reading that matches the Flesch formula it adapts (0-100+, higher is easier; 70-80
"fairly easy", about 6th-7th grade; 60-70 "normal", about 8th-9th grade). Syllables are counted
by rule: vowel groups for English with silent-e and -ed/-es corrections, and diphthong/hiatus
rules for Spanish.
"""

from __future__ import annotations

import re
from typing import Final

_WORD: Final = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+(?:'[A-Za-z]+)?|\d+")
_SENTENCE_END: Final = re.compile(r"[.!?]+")


def split_words(text: str) -> list[str]:
    """Return the words of text (letters, apostrophes inside words, or digit runs)."""
    return _WORD.findall(text)


def count_sentences(text: str) -> int:
    """Return the number of sentences (at least 1 for non-empty text)."""
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    return max(1, len(parts))


def count_syllables_en(word: str) -> int:
    """Return the English syllable count of one word by vowel-group rules (at least 1)."""
    w = word.lower().strip("'")
    if w.isdigit():
        return max(1, len(w))
    if len(w) <= 3:
        return 1
    w = re.sub(r"'s$", "", w)
    groups = re.findall(r"[aeiouy]+", w)
    n = len(groups)
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and n > 1:
        n -= 1
    if re.search(r"[^aeiouy]ed$", w) and not re.search(r"[td]ed$", w) and n > 1:
        n -= 1
    if w.endswith("es") and not re.search(r"(s|x|z|ch|sh|c|g)es$", w) and n > 1:
        n -= 1
    return max(1, n)


_STRONG: Final = set("aeoáéó")
_WEAK_ACCENT: Final = set("íú")
_VOWELS: Final = set("aeiouáéíóúü")


def count_syllables_es(word: str) -> int:
    """Return the Spanish syllable count of one word: one per vowel nucleus, splitting hiatus.

    Two strong vowels (a, e, o) are separate syllables; an accented í or ú next to a vowel is
    separate; other vowel pairs (diphthongs, triphthongs) share a syllable.
    """
    w = word.lower()
    if w.isdigit():
        return max(1, len(w))
    w = w.replace("qu", "q").replace("gue", "ge").replace("gui", "gi")
    n = 0
    prev: str | None = None
    for ch in w:
        if ch in _VOWELS:
            starts_nucleus = prev is None or ch in _WEAK_ACCENT or prev in _WEAK_ACCENT
            if starts_nucleus or (prev in _STRONG and ch in _STRONG):
                n += 1
            prev = ch
        else:
            prev = None
    return max(1, n)


def flesch_kincaid_grade(text: str) -> float:
    """Return the Flesch-Kincaid grade level of English text (US grade; may be below 0)."""
    words = split_words(text)
    if not words:
        return 0.0
    syllables = sum(count_syllables_en(w) for w in words)
    return 0.39 * len(words) / count_sentences(text) + 11.8 * syllables / len(words) - 15.59


def fernandez_huerta(text: str) -> float:
    """Return the Fernández-Huerta reading ease of Spanish text (higher is easier; ~0-120)."""
    words = split_words(text)
    if not words:
        return 100.0
    syllables = sum(count_syllables_es(w) for w in words)
    p = 100.0 * syllables / len(words)
    f = len(words) / count_sentences(text)
    return 206.84 - 0.60 * p - 1.02 * f
