"""Page geometry shared by the DOCX and PDF writers: the text width of an A4 page and
table column widths from their content, so no column is narrower than its longest word."""

from __future__ import annotations

import functools

from reports import fonts

TEXT_WIDTH_CM = {"portrait": 17.0, "landscape": 25.7}  # A4 less the 25 mm and 15 mm margins
# Words are measured in DejaVu Serif Bold (shipped with matplotlib, reports/fonts.py), which is wider than
# Times New Roman and Liberation Serif: a column wide enough for a word in it is wide
# enough in whichever serif font Word, LibreOffice or the PDF uses.
_FONT_PATH = str(fonts.dejavu_serif_bold())
CELL_PADDING_CM = 0.45  # left and right cell margins (0.19 cm each in Word) and borders
TABLE_PT = 10.5  # the tables' text, in every format (the DOCX cells, the PDF's Typst tables)
SMALL_PT = 10.0  # small text (a share's count under it), in every format


@functools.lru_cache(maxsize=1)
def _font():
    from PIL import ImageFont  # noqa: PLC0415

    return ImageFont.truetype(_FONT_PATH, 100)


def pieces(word: str) -> list[str]:
    """The parts of a word a line may break between: after a hyphen, and at a soft hyphen
    (U+00AD, «&shy;» in a template; printed as «-» where the line breaks). Word,
    LibreOffice and Typst all break there, so a column needs only its longest part."""
    out, cur = [], ""
    for ch in word:
        if ch == SHY:
            out.append(cur + "-")
            cur = ""
        else:
            cur += ch
            if ch == "-" and len(cur) > 1:
                out.append(cur)
                cur = ""
    if cur:
        out.append(cur)
    return out or [word]


SHY = "\u00ad"
HYPHENATE_FROM = 8  # letters: shorter words are never hyphenated


@functools.lru_cache(maxsize=1)
def _hyphenator():
    import pyphen  # noqa: PLC0415

    return pyphen.Pyphen(lang="ru_RU")


@functools.lru_cache(maxsize=65536)
def hyphenate(text: str) -> str:
    """Soft hyphens (U+00AD) at the Russian hyphenation points of the long words of a
    text: for a table that does not fit the page even at its longest words."""
    words = text.split(" ")
    return " ".join(_hyphenator().inserted(w, hyphen=SHY) if sum(ch.isalpha() for ch in w) >= HYPHENATE_FROM
                    and SHY not in w else w for w in words)


@functools.lru_cache(maxsize=65536)
def word_cm(word: str, pt: float = TABLE_PT) -> float:
    """The printed width of a word in cm at `pt` points (measured at 100 px = 100 pt)."""
    return _font().getlength(word) / 100 * pt * 2.54 / 72


@functools.lru_cache(maxsize=65536)
def _word_need(word: str) -> tuple[float, float]:
    """A word's widest part between its break points and its whole printed width (cm),
    measured once per process (the same words fill every municipality's tables)."""
    return max(word_cm(p) for p in pieces(word)), word_cm(word.replace(SHY, ""))


@functools.lru_cache(maxsize=65536)
def _text_need(text: str) -> tuple[float, float] | None:
    """A cell text's longest word part plus the cell padding, and its printed width (capped
    at 40 cm), measured once per process (cells repeat: «да», «нет», figures, headers)."""
    words = [_word_need(w) for w in text.split()]
    if not words:
        return None
    return max(n for n, _ in words) + CELL_PADDING_CM, min(sum(w for _, w in words), 40.0)


def column_widths(rows: list[list[tuple[str, int]]], ncols: int, total_cm: float) -> list[float]:
    """rows: each row's cells as (text, colspan). Each column at least as wide as its
    longest word (its longest part between hyphens: `pieces`); the rest of the width shared by how much text each column holds."""
    longest, amount = [0.6] * ncols, [0.0] * ncols
    for r in rows:
        i = 0
        for text, span in r:
            if span == 1 and i < ncols:
                need = _text_need(text)
                if need is not None:
                    if need[0] > longest[i]:
                        longest[i] = need[0]
                    amount[i] += need[1]
            i += span
    need = sum(longest)
    if need >= total_cm:
        return longest  # wider than the page: never break a word
    spare = total_cm - need
    want = [max(a / max(len(rows), 1) - m, 0.0) for a, m in zip(amount, longest)]
    if not sum(want):
        return [m + spare / ncols for m in longest]
    return [m + spare * w / sum(want) for m, w in zip(longest, want)]
