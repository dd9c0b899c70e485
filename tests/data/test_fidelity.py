"""Fidelity of the curated letter graph to the letter itself.

- every supporting text occurs in the normalised letter and is exactly the text of its jak:inSentence;
- every number parsed into the graph (dose value/min/max, patient count, cohort total, duration
  value/min/max, proportion) is printed in its supporting sentence, as digits or as words;
- every cited reference number is printed in the sentence, or named by author there (Nash et al = 1,
  Vanderver et al = 17, Forbes et al = 21), or the node says jak:referencesFromContext true and the number is
  printed in another sentence of the same paragraph;
- every sentence backs a statement or says why not.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from rdflib import RDF, Literal, URIRef

from jakgraph.build.letter import letter_sentences, normalised_letter
from jakgraph.namespaces import JAK, LETTER_GRAPH, PUBLICATION, REFERENCE, SENTENCE
from jakgraph.views.coverage import sentence_coverage

LETTER = PUBLICATION["banday-letter"]
SENTENCES = {s.key: s for s in letter_sentences()}
AUTHORS = {"Nash et al": 1, "Vanderver et al": 17, "Forbes et al": 21}
#: numbers the letter prints as words or symbols
WORDS = {
    Decimal(1): ("one", "a child", "a young child", "respectively"),  # "respectively": one girl per drug (p4-s1)
    Decimal(2): ("two", "both"),
    Decimal(8): ("eight",),
    Decimal("2.25"): ("2¼",),
    Decimal("0.5"): ("half",),
    Decimal("0.1"): ("one-tenth",),
    Decimal("0.333333"): ("one-third",),  # 1/3 to six places (jak:proportion's definition)
    Decimal("0.8"): ("80%",),
}
#: sentences that print no reference and have no neighbour on the same report: the letter's own claims
OWN_CLAIMS = {"p1-s2", "p7-s1"}


@pytest.fixture(scope="module")
def letter(built):
    return built.dataset.graph(LETTER_GRAPH)


def sentence_key(iri: URIRef) -> str:
    return str(iri)[len(str(SENTENCE)):]


def supported_nodes(letter):
    return sorted(set(letter.subjects(JAK.supportingText, None)))


def printed_references(key: str) -> set[int]:
    """The numbers printed with a sentence: the generator's, plus one glued to a gene symbol ('PSMG2.10')."""
    sentence = SENTENCES[key]
    numbers = set(sentence.references)
    glued = re.search(r"[A-Z][A-Z0-9]*\d\.(\d{1,2})$", sentence.text)
    if glued:
        numbers.add(int(glued.group(1)))
    return numbers


def printed(number: Decimal, text: str) -> bool:
    digits = format(number.normalize(), "f")
    if re.search(rf"(?<![\d.]){re.escape(digits)}(?![\d¼]|\.\d)", text):
        return True
    return any(word in text.lower() for word in WORDS.get(number.normalize(), ()))


def test_there_are_letter_statements(letter) -> None:
    assert len(supported_nodes(letter)) > 100


def test_supporting_text_is_the_sentence_verbatim(letter) -> None:
    whole = normalised_letter()
    for node in supported_nodes(letter):
        texts = list(letter.objects(node, JAK.supportingText))
        places = list(letter.objects(node, JAK.inSentence))
        assert len(texts) == 1 and len(places) == 1, f"{node}: one supporting text and one sentence"
        text = str(texts[0])
        assert text in whole, f"{node}: supporting text not in the letter"
        assert letter.value(places[0], JAK.text) == Literal(text), f"{node}: text differs from {places[0]}"
        assert (node, JAK.statedIn, LETTER) in letter, f"{node}: not stated in the letter"


def test_every_statement_has_provenance(letter) -> None:
    for node in set(letter.subjects(JAK.inSentence, None)):
        assert (node, JAK.supportingText, None) in letter, f"{node}: no supporting text"


def test_statements_cite_references_unless_the_letter_speaks_for_itself(letter) -> None:
    for node in supported_nodes(letter):
        key = sentence_key(letter.value(node, JAK.inSentence))
        cited = list(letter.objects(node, JAK.citesReference))
        if key in OWN_CLAIMS:
            assert not cited, f"{node}: {key} prints no reference"
        else:
            assert cited, f"{node}: cites no reference"


def test_cited_numbers_are_printed_named_or_from_context(letter) -> None:
    paragraphs: dict[str, set[int]] = {}
    for key in SENTENCES:
        paragraphs.setdefault(SENTENCES[key].paragraph, set()).update(printed_references(key))
    for node in supported_nodes(letter):
        key = sentence_key(letter.value(node, JAK.inSentence))
        sentence = SENTENCES[key]
        here = printed_references(key)
        named = {n for author, n in AUTHORS.items() if author in sentence.text}
        from_context = letter.value(node, JAK.referencesFromContext) == Literal(True)
        if from_context:
            assert not here, f"{node}: {key} prints its own numbers {sorted(here)}, yet says referencesFromContext"
        for reference in letter.objects(node, JAK.citesReference):
            number = int(str(reference)[len(str(REFERENCE)):])
            if number in here or number in named:
                continue
            assert from_context, f"{node}: reference {number} is not printed in {key}"
            assert number in paragraphs[sentence.paragraph], f"{node}: reference {number} is not in paragraph {sentence.paragraph}"


NUMBER_PROPERTIES = (JAK.value, JAK.minValue, JAK.maxValue, JAK.patientCount, JAK.cohortTotal, JAK.proportion)


def test_every_parsed_number_is_printed_in_its_sentence(letter) -> None:
    checked = 0
    for node in supported_nodes(letter):
        if (node, RDF.type, JAK.Sentence) in letter:
            continue
        text = str(letter.value(node, JAK.supportingText))
        for prop in NUMBER_PROPERTIES:
            for value in letter.objects(node, prop):
                checked += 1
                number = Decimal(str(value))
                assert printed(number, text), f"{node}: {prop.n3()} {number} is not printed in its sentence"
    assert checked > 40


def test_weight_bands_are_printed_in_their_dose_sentence(letter) -> None:
    for dose, band in letter.subject_objects(JAK.weightBand):
        text = str(letter.value(dose, JAK.supportingText))
        assert str(letter.value(band, JAK.printedText)) in text
        for prop in (JAK.minValue, JAK.maxValue):
            for value in letter.objects(band, prop):
                assert printed(Decimal(str(value)), text)


def test_printed_texts_of_doses_and_durations_are_in_the_sentence(letter) -> None:
    for kind in (JAK.MaximumDose, JAK.UsedDose, JAK.TreatmentDuration, JAK.FollowUp, JAK.TimeToEffect):
        for node in letter.subjects(RDF.type, kind):
            printed_text = str(letter.value(node, JAK.printedText))
            assert printed_text in str(letter.value(node, JAK.supportingText)), f"{node}: {printed_text!r}"


def test_approximate_amounts_say_so(letter) -> None:
    for node in supported_nodes(letter):
        printed_text = letter.value(node, JAK.printedText)
        if printed_text is None:
            continue
        approximate = letter.value(node, JAK.approximate) == Literal(True)
        marked = "~" in printed_text or "approximately" in printed_text
        has_number = any((node, p, None) in letter for p in (JAK.value, JAK.proportion))
        if marked and has_number:
            assert approximate, f"{node}: printed {printed_text!r} but not jak:approximate"
        if approximate:
            assert marked, f"{node}: jak:approximate but printed {printed_text!r}"


def test_proportions_are_the_printed_fractions(letter) -> None:
    # "approximately half" (p3-s2, p5-s5), "One-third" (p5-s6), "one-tenth" (p5-s7), "~80%" (p6-s6)
    values = sorted(Decimal(str(v)) for v in letter.objects(None, JAK.proportion))
    assert values == sorted(Decimal(v) for v in ("0.5", "0.5", "0.333333", "0.1", "0.8"))
    third = next(letter.subjects(JAK.proportion, Literal(Decimal("0.333333"))))
    assert letter.value(third, JAK.quantityText) == Literal("one-third")
    assert (third, JAK.approximate, None) not in letter  # an exact fraction, only its decimal is rounded


def test_every_sentence_backs_a_statement_or_says_why(built) -> None:
    report = sentence_coverage(built.store)
    assert report.total == len(SENTENCES)
    assert not report.unexplained, f"unexplained sentences: {[s.key for s in report.unexplained]}"
    for s in report.sentences:
        assert not (s.statements and s.not_modelled_because), f"{s.key} backs statements and says it does not"
