"""How much of the letter the graph models: each sentence with the statements it backs, or why it backs none.

A sentence *backs* a statement when the statement says ``jak:inSentence`` that sentence. A sentence that backs
nothing should say why with ``jak:notModelledBecause`` (``data/letter/coverage.ttl``); one that does neither is
*unexplained*, and a curator should look at it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from jakgraph.namespaces import SENTENCE, curie
from jakgraph.stores.bridge import select_rows

SENTENCES_QUERY = """
SELECT ?sentence ?paragraph ?index ?order ?text ?reason WHERE {
  GRAPH graph:letter {
    ?sentence a jak:Sentence ; jak:paragraph ?paragraph ; jak:sentenceIndex ?index ;
              jak:readingOrder ?order ; jak:text ?text .
  }
  OPTIONAL { GRAPH graph:letter { ?sentence jak:notModelledBecause ?reason } }
}
ORDER BY ?order
"""

BACKED_QUERY = """
SELECT ?sentence ?statement (SAMPLE(?l) AS ?label) (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types)
WHERE {
  GRAPH graph:letter { ?statement jak:inSentence ?sentence . }
  OPTIONAL { ?statement rdfs:label ?l }
  OPTIONAL { GRAPH graph:letter { ?statement a ?type } }
}
GROUP BY ?sentence ?statement
ORDER BY ?sentence ?statement
"""


@dataclass(frozen=True)
class BackedStatement:
    """A statement a sentence backs: its IRI, its label and its classes (as written in the letter graph)."""

    iri: str
    label: str | None
    types: tuple[str, ...]

    @property
    def curie(self) -> str:
        return curie(self.iri)


@dataclass(frozen=True)
class SentenceCoverage:
    """One sentence of the letter and what the graph does with it."""

    key: str                      # "p2-s1", "title", "figure-1-s2"
    paragraph: str
    index: int
    reading_order: int
    text: str
    statements: tuple[BackedStatement, ...] = field(default=())
    not_modelled_because: str | None = None

    @property
    def backs_statements(self) -> bool:
        return bool(self.statements)

    @property
    def unexplained(self) -> bool:
        return not self.statements and not self.not_modelled_because

    def first_words(self, count: int = 8) -> str:
        words = self.text.split()
        return " ".join(words[:count]) + (" …" if len(words) > count else "")


@dataclass(frozen=True)
class CoverageReport:
    """Every sentence in reading order, with the totals and the share of sentences that back a statement."""

    sentences: tuple[SentenceCoverage, ...]

    @property
    def total(self) -> int:
        return len(self.sentences)

    @property
    def backing(self) -> int:
        return sum(1 for s in self.sentences if s.backs_statements)

    @property
    def not_modelled(self) -> int:
        return sum(1 for s in self.sentences if not s.backs_statements and s.not_modelled_because)

    @property
    def unexplained(self) -> tuple[SentenceCoverage, ...]:
        return tuple(s for s in self.sentences if s.unexplained)

    @property
    def percentage(self) -> float:
        return round(100.0 * self.backing / self.total, 1) if self.total else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "sentences": [
                {
                    "key": s.key,
                    "paragraph": s.paragraph,
                    "index": s.index,
                    "readingOrder": s.reading_order,
                    "text": s.text,
                    "statements": [
                        {"iri": b.iri, "curie": b.curie, "label": b.label, "types": [curie(t) for t in b.types]}
                        for b in s.statements
                    ],
                    "notModelledBecause": s.not_modelled_because,
                }
                for s in self.sentences
            ],
            "total": self.total,
            "backing": self.backing,
            "notModelled": self.not_modelled,
            "unexplained": [s.key for s in self.unexplained],
            "percentage": self.percentage,
        }

    def summary(self) -> str:
        return (
            f"{self.backing} of {self.total} sentences ({self.percentage}%) back at least one statement; "
            f"{self.not_modelled} not modelled (with a reason); {len(self.unexplained)} unexplained"
        )


def sentence_coverage(store: ox.Store) -> CoverageReport:
    """The coverage of the letter in a built store (letter graph only)."""
    backed: dict[str, list[BackedStatement]] = {}
    for row in select_rows(store, BACKED_QUERY):
        types = tuple(sorted(row["types"].value.split())) if "types" in row else ()
        label = row["label"].value if "label" in row else None
        backed.setdefault(row["sentence"].value, []).append(BackedStatement(row["statement"].value, label, types))
    sentences = []
    for row in select_rows(store, SENTENCES_QUERY):
        iri = row["sentence"].value
        sentences.append(
            SentenceCoverage(
                key=iri[len(str(SENTENCE)):] if iri.startswith(str(SENTENCE)) else iri,
                paragraph=row["paragraph"].value,
                index=int(row["index"].value),
                reading_order=int(row["order"].value),
                text=row["text"].value,
                statements=tuple(backed.get(iri, ())),
                not_modelled_because=row["reason"].value if "reason" in row else None,
            )
        )
    return CoverageReport(tuple(sentences))


