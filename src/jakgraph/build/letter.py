"""Read the letter's plain-text extraction the way its README says, and cut it into numbered sentences.

The supporting sentence of every fact is quoted from this normalised text, so the normalisation rules
live in one place and fidelity tests use the same function as the curators did.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jakgraph.paths import LETTER_PATH

CAPTION_START = "Figure 1 "
CAPTION_END = re.compile(r"JAKi,\s+Janus\s+kinase\s+inhibitor\.")

# a citation group flattened after punctuation: "limited.3", "detail.1 2", "fibrosis.4–6"
_CITATION = r"\d+(?:–\d+)?(?: \d+(?:–\d+)?)*"
_SENTENCE_END = re.compile(rf"(?<=[.])(?:{_CITATION})?(?= [A-Z~])")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the letter: where it is, its text, and the reference numbers printed with it."""

    paragraph: str          # "title", "1".."7", or "figure-1" for the caption
    index: int              # 1-based position in its paragraph
    text: str               # normalised text, citation numbers kept where they were printed
    references: tuple[int, ...] = field(default=())

    @property
    def key(self) -> str:
        """The local name of the sentence IRI, e.g. ``p2-s1`` or ``figure-1-s2``."""
        if self.paragraph in ("title",):
            return "title"
        prefix = self.paragraph if self.paragraph.startswith("figure") else f"p{self.paragraph}"
        return f"{prefix}-s{self.index}"


def join_lines(raw: str) -> str:
    """Undo line breaks the way the source README says.

    A hyphen ending a line (no space after it) is a hyphenation and goes; ``/`` and an em dash at a line
    end join tight; any other break is a space. Then "word- word" is a real hyphen: "word-word".
    """
    text = ""
    for line in raw.replace("\u00a0", " ").split("\n"):
        piece = line.lstrip(" ")
        if not text:
            text = piece
        elif text.endswith("-") and not text.endswith(" -"):
            text = text[:-1] + piece
        elif text.endswith(("/", "\u2014")):
            text = text + piece
        else:
            text = text.rstrip(" ") + " " + piece
    text = text.replace("- ", "-")
    return re.sub(r" {2,}", " ", text).strip()


def normalise(raw: str) -> str:
    """The whole letter as one normalised string (caption taken out and appended at the end)."""
    body, caption = _split_caption(raw)
    paragraphs = _paragraph_blocks(body)
    return " ".join(join_lines(p) for p in paragraphs + [caption])


def _split_caption(raw: str) -> tuple[str, str]:
    start = raw.index(CAPTION_START)
    found = CAPTION_END.search(raw, start)
    if found is None:
        raise ValueError("the Figure 1 caption has no end")
    end = found.end()
    line_start = raw.rfind("\n", 0, start) + 1
    line_end = raw.index("\n", end)
    caption = raw[start:end]
    body = raw[:line_start].rstrip("\n ") + " " + raw[line_end + 1 :].lstrip(" ")
    return body, caption


def _paragraph_blocks(body: str) -> list[str]:
    """Blank lines split paragraphs, except a page break inside a sentence (block not ending in '.')."""
    blocks = [b for b in re.split(r"\n\s*\n", body) if b.strip()]
    merged: list[str] = [blocks[0]]  # the title stands alone
    for block in blocks[1:]:
        previous = join_lines(merged[-1])
        if len(merged) > 1 and not re.search(rf"\.(?:{_CITATION})?$", previous):
            merged[-1] = merged[-1].rstrip() + "\n" + block.lstrip("\n")
        else:
            merged.append(block)
    return merged


def _references(text: str) -> tuple[int, ...]:
    """Reference numbers flattened into a sentence: after punctuation, or right after 'et al'."""
    numbers: list[int] = []
    groups = re.findall(rf"(?<![\d.])[.,)]({_CITATION})(?= [a-zA-Z]|$)", text)
    # after a digit a '.N' mid-sentence is a decimal ("3.6 years"); at the sentence end it is a
    # citation glued to a symbol ("gene PSMG2.10")
    groups += re.findall(rf"(?<=\d)\.({_CITATION})$", text)
    groups += re.findall(r"et al(\d+)", text)
    for group in groups:
        for token in group.split(" "):
            if "–" in token:
                low, high = (int(x) for x in token.split("–"))
                numbers.extend(range(low, high + 1))
            else:
                numbers.append(int(token))
    return tuple(sorted(set(n for n in numbers if 1 <= n <= 22)))


def split_sentences(paragraph_text: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(paragraph_text):
        pieces.append(paragraph_text[start : match.end()].strip())
        start = match.end()
    pieces.append(paragraph_text[start:].strip())
    return [p for p in pieces if p]


def sentences(raw: str) -> list[Sentence]:
    """Every sentence of the letter in reading order: title, paragraphs 1–7, then the figure caption."""
    body, caption = _split_caption(raw)
    blocks = _paragraph_blocks(body)
    result = [Sentence("title", 1, join_lines(blocks[0]))]
    for number, block in enumerate(blocks[1:], start=1):
        for index, text in enumerate(split_sentences(join_lines(block)), start=1):
            result.append(Sentence(str(number), index, text, _references(text)))
    for index, text in enumerate(split_sentences(join_lines(caption)), start=1):
        result.append(Sentence("figure-1", index, text, _references(text)))
    return result


@lru_cache(maxsize=4)
def read_letter(path: Path = LETTER_PATH) -> str:
    return path.read_text(encoding="utf-8")


def letter_sentences(path: Path = LETTER_PATH) -> list[Sentence]:
    return sentences(read_letter(path))


def normalised_letter(path: Path = LETTER_PATH) -> str:
    return normalise(read_letter(path))


def sentences_turtle(path: Path = LETTER_PATH) -> str:
    """``data/letter/sentences.ttl``: every sentence as a jak:Sentence, generated so it cannot drift.

    Regenerate with ``python -m jakgraph.build.letter > data/letter/sentences.ttl``; a test compares.
    """
    def literal(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "# Generated from reference/letter/letter.txt by `python -m jakgraph.build.letter`; do not edit by hand.",
        "# Each sentence: its place (paragraph, index, reading order), normalised text, printed references.",
        "@prefix jak: <https://w3id.org/jakgraph/vocab/> .",
        "@prefix sentence: <https://w3id.org/jakgraph/sentence/> .",
        "@prefix pub: <https://w3id.org/jakgraph/publication/> .",
        "@prefix ref: <https://w3id.org/jakgraph/reference/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "",
    ]
    for order, s in enumerate(sentences(read_letter(path)), start=1):
        where = "title" if s.paragraph == "title" else (
            "Figure 1 caption" if s.paragraph.startswith("figure") else f"paragraph {s.paragraph}"
        )
        label = where if s.paragraph == "title" else f"{where}, sentence {s.index}"
        lines.append(f"sentence:{s.key} a jak:Sentence ;")
        lines.append(f"    rdfs:label {literal('Banday et al. letter, ' + label)} ;")
        lines.append("    jak:isPartOf pub:banday-letter ;")
        lines.append(f"    jak:paragraph {literal(s.paragraph)} ;")
        lines.append(f"    jak:sentenceIndex {s.index} ;")
        lines.append(f"    jak:readingOrder {order} ;")
        if s.references:
            refs = ", ".join(f"ref:{n}" for n in s.references)
            lines.append(f"    jak:citesReference {refs} ;")
        lines.append(f"    jak:text {literal(s.text)} .")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import sys

    sys.stdout.write(sentences_turtle())
