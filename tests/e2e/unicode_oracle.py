"""The `unicode` and `unicode_fold` analyzers restated from their documentation
(docs/query-language.md, "Words and what splits them") with Python's own
Unicode libraries, not the engine's (ICU):

- words by the default Unicode word boundaries of UAX #29, as the `regex`
  module's `(?w)` mode implements them; a segment is a word when it holds a
  letter or a number as UAX #29 classes them (Word_Break ALetter,
  Hebrew_Letter, Numeric, Katakana), an ideograph or hiragana: `²`, `½` and
  `①` alone are no words;
- a word is cut at each apostrophe (U+0027, U+2019);
- case folded with `str.casefold()` between NFKC normalizations;
- `unicode_fold` then decomposes (NFD), drops nonspacing marks (category Mn)
  and recomposes (NFC);
- a term longer than 64 bytes is cut at the last whole character that fits.

Where ICU tailors the default rules, the oracle keeps the default and the
tests avoid the difference (docs/query-language.md lists them): ICU splits
runs of ideographs and kana with a dictionary (the default rules make each
ideograph a word), and does not join letters around a colon.
"""
import unicodedata

import regex

BOUNDARY = regex.compile(r"(?wV1)\b")
WORD_CHARACTER = regex.compile(
    r"[\p{Word_Break=ALetter}\p{Word_Break=Hebrew_Letter}\p{Word_Break=Numeric}"
    r"\p{Word_Break=Katakana}\p{Ideographic}\p{Script=Hiragana}]")
APOSTROPHE = regex.compile("['\u2019]")
MAX_TERM_BYTES = 64


def _cut(term):
    data = term.encode("utf-8")
    if len(data) <= MAX_TERM_BYTES:
        return term
    return data[:MAX_TERM_BYTES].decode("utf-8", "ignore")


def _fold_case(text):
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _drop_accents(text):
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", kept)


def terms(text, fold_accents=False):
    """The terms of `text` (a string, a list of strings or None), in order."""
    if text is None:
        return []
    if isinstance(text, list):
        return [t for part in text for t in terms(part, fold_accents)]
    out = []
    for segment in BOUNDARY.split(text):
        if not WORD_CHARACTER.search(segment):
            continue
        for piece in APOSTROPHE.split(segment):
            if not piece:
                continue
            term = _fold_case(piece)
            if fold_accents:
                term = _drop_accents(term)
            if term:
                out.append(_cut(term))
    return out
