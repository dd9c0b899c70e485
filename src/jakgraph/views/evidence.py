"""The evidence card: one treatment-evidence statement with all its parts, ready for a page.

Values are read as printed (``jak:printedText``, ``jak:quantityText``) and as parsed (value, range, unit,
band); doses computed by the build (graph:derived) are kept apart and marked as computed. How many patients
lives on patient groups (the model's one home for counts): an outcome, adverse event or switch shows the
count of the group it points at.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from jakgraph.namespaces import DERIVED_GRAPH, JAK, UNIT
from jakgraph.views.describe import JAK_DERIVED_FROM, RDF_TYPE, Link, View, as_link

TREATMENT_EVIDENCE = ox.NamedNode(str(JAK["TreatmentEvidence"]))

#: how units are written on pages (QUDT unit IRIs otherwise show as their CURIE)
UNIT_SYMBOLS: dict[str, str] = {
    str(UNIT[name]): symbol
    for name, symbol in {
        "MilliGM-PER-DAY": "mg/day",
        "MilliGM-PER-KiloGM-DAY": "mg/kg/day",
        "MilliGM-PER-KiloGM": "mg/kg",
        "MilliGM": "mg",
        "KiloGM": "kg",
        "YR": "years",
        "MO": "months",
        "WK": "weeks",
        "DAY": "days",
    }.items()
}


def j(name: str) -> ox.NamedNode:
    return ox.NamedNode(str(JAK[name]))


def number(text: str | None) -> str | None:
    """A decimal literal as people write it (``1.250`` -> ``1.25``)."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    shown = format(value.normalize(), "f")
    return shown


@dataclass
class Quantity:
    """A parsed amount: single value or range, unit, and the flags that qualify it."""

    value: str | None = None
    low: str | None = None
    high: str | None = None
    unit: str | None = None
    approximate: bool = False
    mean: bool = False
    upper_bound_only: bool = False

    @property
    def shown(self) -> str:
        if self.value is not None:
            core = self.value
        elif self.low is not None or self.high is not None:
            core = f"{self.low or '…'}–{self.high or '…'}"
        else:
            return ""
        prefix = ("~" if self.approximate else "") + ("≤ " if self.upper_bound_only else "") + ("mean " if self.mean else "")
        return f"{prefix}{core} {self.unit or ''}".strip()


def unit_symbol(view: View, term: ox.NamedNode | None) -> str | None:
    if term is None:
        return None
    return UNIT_SYMBOLS.get(term.value) or view.label(term)


def quantity(view: View, node: ox.NamedNode) -> Quantity:
    unit = view.value(node, j("unit"))
    return Quantity(
        value=number(view.text(node, j("value"))),
        low=number(view.text(node, j("minValue"))),
        high=number(view.text(node, j("maxValue"))),
        unit=unit_symbol(view, unit if isinstance(unit, ox.NamedNode) else None),
        approximate=view.text(node, j("approximate")) == "true",
        mean=view.text(node, j("mean")) == "true",
        upper_bound_only=view.text(node, j("upperBoundOnly")) == "true",
    )


@dataclass
class Band:
    link: Link
    printed: str | None
    parsed: str


def band(view: View, node: ox.NamedNode) -> Band:
    low, high = view.text(node, j("minValue")), view.text(node, j("maxValue"))
    unit = view.value(node, j("unit"))
    unit_text = unit_symbol(view, unit if isinstance(unit, ox.NamedNode) else None) or ""
    low_incl = view.text(node, j("minInclusive")) != "false"
    high_incl = view.text(node, j("maxInclusive")) != "false"
    parts = []
    if low is not None:
        parts.append(f"{'≥' if low_incl else '>'} {number(low)}")
    if high is not None:
        parts.append(f"{'≤' if high_incl else '<'} {number(high)}")
    parsed = (" and ".join(parts) + f" {unit_text}").strip() if parts else ""
    return Band(as_link(view, node), view.text(node, j("printedText")), parsed)


@dataclass
class Count:
    """How many patients: exact count (of a total), proportion, or words only."""

    count: str | None = None
    total: str | None = None
    proportion: str | None = None
    words: str | None = None
    approximate: bool = False

    @property
    def shown(self) -> str:
        parts = []
        if self.count is not None:
            parts.append(self.count + (f" of {self.total}" if self.total else ""))
        if self.proportion is not None:
            pct = Decimal(self.proportion) * 100
            parts.append(("~" if self.approximate else "") + f"{pct.quantize(Decimal('1'))}%")
        if self.words and not parts:
            parts.append(f"“{self.words}”")
        return ", ".join(parts)


def count(view: View, node: ox.NamedNode) -> Count:
    return Count(
        count=view.text(node, j("patientCount")),
        total=view.text(node, j("cohortTotal")),
        proportion=view.text(node, j("proportion")),
        words=view.text(node, j("quantityText")),
        approximate=view.text(node, j("approximate")) == "true",
    )


@dataclass
class Part:
    """One part of the evidence (a dose, an outcome …): its page link, types, printed text and details."""

    link: Link
    kinds: list[Link]
    printed: str | None
    quantity: Quantity | None = None
    count: Count | None = None
    details: list[tuple[str, list[Link]]] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    computed: list[Part] = field(default_factory=list)
    note: str | None = None


_DETAIL_PROPERTIES = (
    ("finding", "finding"),
    ("outcomeType", "kind of change"),
    ("dosingBasis", "dosing basis"),
    ("qualifier", "qualifier"),
    ("severity", "severity"),
    ("prominence", "prominence"),
    ("suspected", "suspected"),
    ("consequence", "consequence"),
    ("consequenceFor", "consequence for"),
    ("switchFrom", "from"),
    ("switchTo", "to"),
    ("switchToOneOf", "to one of"),
    ("patientGroup", "patients"),
    ("coTreatment", "co-treatment"),
    ("predominantFinding", "predominant"),
    ("drugFromContext", "drug read from context"),
    ("switchReason", "reason"),
    ("aspect", "limited on"),
    ("sex", "sex"),
    ("partOf", "part of"),
    ("refractory", "treatment-refractory"),
    ("gene", "gene"),
    ("timeToEffect", "time to effect"),
    ("duration", "duration"),
    ("curationNote", "curation note"),
)


def part(view: View, node: ox.NamedNode) -> Part:
    kinds = [as_link(view, t) for t in view.types(node)]
    details = []
    for name, title in _DETAIL_PROPERTIES:
        values = view.objects(node, j(name))
        if values:
            details.append((title, [_with_quantity(view, v) for v in values]))
    bands = [band(view, b) for prop in ("weightBand", "ageGroup") for b in view.objects(node, j(prop))
             if isinstance(b, ox.NamedNode)]
    computed = []
    for derived in view.subjects(JAK_DERIVED_FROM, node):
        if isinstance(derived, ox.NamedNode) and view.has_type(derived, j("ComputedDose")):
            computed.append(Part(as_link(view, derived), [as_link(view, j("ComputedDose"))], None,
                                 quantity=quantity(view, derived), note=view.text(derived, j("derivationMethod"))))
    qty = quantity(view, node)
    cnt = count(view, node)
    if not cnt.shown:  # outcomes, adverse events and switches keep their count on their patient group
        for group in view.objects(node, j("patientGroup")):
            if isinstance(group, ox.NamedNode) and count(view, group).shown:
                cnt = count(view, group)
                break
    return Part(
        link=as_link(view, node),
        kinds=kinds,
        printed=view.text(node, j("printedText")),
        quantity=qty if qty.shown else None,
        count=cnt if cnt.shown else None,
        details=details,
        bands=bands,
        computed=computed,
    )


def _part_order(p: Part) -> tuple[int, Decimal, str]:
    """Numbers in ascending order (doses 4, 6, 10 mg/day), then by label."""
    text = p.quantity.value or p.quantity.low if p.quantity else None
    try:
        return (0, Decimal(text), p.link.label) if text else (1, Decimal(0), p.link.label)
    except InvalidOperation:
        return (1, Decimal(0), p.link.label)


def _with_quantity(view: View, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Link:
    """A linked duration or time to effect shows its parsed amount after its label."""
    link = as_link(view, term)
    if isinstance(term, ox.NamedNode):
        qty = quantity(view, term)
        if qty.shown and qty.shown not in link.label:
            link.label = f"{link.label} ({qty.shown})"
    return link


@dataclass
class Reference:
    link: Link
    number: str | None
    first_author: str | None
    doi: str | None
    pmid: str | None


@dataclass
class SentencePlace:
    link: Link
    text: str | None
    paragraph: str | None
    index: str | None
    reading_order: str | None


@dataclass
class EvidenceCard:
    iri: str
    label: str
    drugs: list[Link]
    diseases: list[Link]
    genes: list[Link]
    patient_groups: list[Part]
    doses: list[Part]
    durations: list[Part]
    outcomes: list[Part]
    adverse_events: list[Part]
    safety: list[Part]
    switches: list[Part]
    limitations: list[Part]
    similar_dosing: list[Link]
    evidence_types: list[Link]
    study_designs: list[Link]
    supporting_text: str | None
    sentences: list[SentencePlace]
    stated_in: list[Link]
    references: list[Reference]
    references_from_context: bool
    curation_notes: list[str]


def is_evidence(view: View, iri: ox.NamedNode) -> bool:
    return view.has_type(iri, TREATMENT_EVIDENCE)


def evidence_card(view: View, iri: ox.NamedNode) -> EvidenceCard:
    def parts(prop: str) -> list[Part]:
        found = [part(view, n) for n in view.objects(iri, j(prop)) if isinstance(n, ox.NamedNode)]
        return sorted(found, key=_part_order)

    diseases = [d for d in view.objects(iri, j("disease")) if isinstance(d, ox.NamedNode)]
    genes: dict[ox.NamedNode, None] = {}
    for g in view.objects(iri, j("gene")):
        if isinstance(g, ox.NamedNode):
            genes[g] = None
    for group in view.objects(iri, j("patientGroup")):
        if isinstance(group, ox.NamedNode):
            for g in view.objects(group, j("gene")):
                if isinstance(g, ox.NamedNode):
                    genes[g] = None
    if not genes:
        for disease in diseases:
            for g in view.objects(disease, j("causalGene")):
                if isinstance(g, ox.NamedNode):
                    genes[g] = None
    return EvidenceCard(
        iri=iri.value,
        label=view.label(iri),
        drugs=[as_link(view, d) for d in view.objects(iri, j("drug"))],
        diseases=[as_link(view, d) for d in diseases],
        genes=[as_link(view, g) for g in genes],
        patient_groups=parts("patientGroup"),
        doses=parts("dose"),
        durations=parts("duration"),
        outcomes=parts("outcome"),
        adverse_events=parts("adverseEvent"),
        safety=parts("safetyStatement"),
        switches=parts("treatmentSwitch"),
        limitations=parts("limitation"),
        similar_dosing=[as_link(view, s) for s in view.objects(iri, j("dosingSimilarTo"))],
        evidence_types=[as_link(view, e) for e in view.objects(iri, j("evidenceType"))],
        study_designs=[as_link(view, e) for e in view.objects(iri, j("studyDesign"))],
        supporting_text=view.text(iri, j("supportingText")),
        sentences=[sentence_place(view, s) for s in view.objects(iri, j("inSentence")) if isinstance(s, ox.NamedNode)],
        stated_in=[as_link(view, p) for p in view.objects(iri, j("statedIn"))],
        references=sorted((reference(view, r) for r in view.objects(iri, j("citesReference"))
                           if isinstance(r, ox.NamedNode)), key=reference_sort_key),
        references_from_context=view.text(iri, j("referencesFromContext")) == "true",
        curation_notes=view.texts(iri, j("curationNote")),
    )


def sentence_place(view: View, node: ox.NamedNode) -> SentencePlace:
    return SentencePlace(
        link=as_link(view, node),
        text=view.text(node, j("text")),
        paragraph=view.text(node, j("paragraph")),
        index=view.text(node, j("sentenceIndex")),
        reading_order=view.text(node, j("readingOrder")),
    )


def reference(view: View, node: ox.NamedNode) -> Reference:
    return Reference(
        link=as_link(view, node),
        number=view.text(node, j("referenceNumber")) or node.value.rsplit("/", 1)[-1],
        first_author=view.text(node, j("firstAuthor")),
        doi=view.text(node, j("doi")),
        pmid=view.text(node, j("pmid")),
    )


def reference_sort_key(ref: Reference) -> tuple[int, str]:
    return (int(ref.number), "") if ref.number and ref.number.isdigit() else (10**6, ref.number or "")


def statements_citing(view: View, node: ox.NamedNode) -> list[Link]:
    """Statements whose supporting sentence is this sentence (for the sentence page)."""
    return [as_link(view, s) for s in view.subjects(j("inSentence"), node)]


__all__ = ["EvidenceCard", "evidence_card", "is_evidence", "sentence_place", "reference", "RDF_TYPE",
           "DERIVED_GRAPH"]
