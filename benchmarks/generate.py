"""A seeded generator of graphs in jakgraph's own schema, for scale benchmarks and load tests.

Each *record* is what the letter data holds for one treatment report: a ``jak:TreatmentEvidence``
statement (drug, disease, patient group, dose, outcomes, adverse events, sentence, references), its
patient group, a dose with value and unit, three outcomes and two adverse events, each with the
provenance properties every curated node carries (``jak:statedIn``, ``jak:inSentence``,
``jak:supportingText``, ``jak:citesReference``). Drugs, diseases, findings, sentences and references
are drawn from fixed pools (so joins fan out the way they do in the curated data), all under the
project's IRIs with a ``gen-`` prefix. Output is N-Triples, exactly ``triples`` lines.

    python benchmarks/generate.py 100000 /tmp/gen-100k.nt [--seed 7] [--gzip]
"""
from __future__ import annotations

import argparse
import gzip
import random
import sys
from pathlib import Path
from typing import IO

BASE = "https://w3id.org/jakgraph/"
JAK = BASE + "vocab/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
UNITS = ["http://qudt.org/vocab/unit/MilliGM-PER-DAY", "http://qudt.org/vocab/unit/MilliGM-PER-KiloGM-DAY"]
DRUGS = ["ruxolitinib", "baricitinib", "tofacitinib"]
OUTCOME_TYPES = ["Response", "Improvement", "Stabilisation", "Remission", "NoResponse"]
SEVERITIES = ["mild", "moderate", "severe"]
WORDS = ("interferon signature skin lesions lung fibrosis systemic inflammation chilblains fever "
         "panniculitis vasculopathy encephalopathy calcification growth arthritis anaemia viral "
         "infection viruria hypertension weight gain neutropenia herpes zoster").split()

N_DISEASES = 200
N_FINDINGS = 2000
N_SENTENCES = 5000
N_REFERENCES = 3000
N_PUBLICATIONS = 500


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


class _Writer:
    """Writes triples until the target count, then stops everything (records are cut short at the end)."""

    def __init__(self, out: IO[str], target: int) -> None:
        self.out = out
        self.target = target
        self.count = 0
        self.lines: list[str] = []

    def t(self, s: str, p: str, o: str) -> None:
        if self.count >= self.target:
            raise _Done
        self.lines.append(f"{s} {p} {o} .\n")
        self.count += 1
        if len(self.lines) >= 8192:
            self.flush()

    def flush(self) -> None:
        self.out.write("".join(self.lines))
        self.lines.clear()


class _Done(Exception):
    pass


def generate(out: IO[str], triples: int, seed: int = 7) -> int:
    """Write ``triples`` N-Triples lines to ``out``; returns the number written."""
    rng = random.Random(seed)
    w = _Writer(out, triples)
    p = {name: _iri(JAK + name) for name in (
        "drug", "disease", "patientGroup", "dose", "outcome", "adverseEvent", "statedIn", "inSentence",
        "supportingText", "citesReference", "patientCount", "quantityText", "value", "unit", "printedText",
        "outcomeType", "finding", "severity", "evidenceType", "referencesFromContext")}
    a, label = _iri(RDF_TYPE), _iri(RDFS_LABEL)
    cls = {name: _iri(JAK + name) for name in (
        "TreatmentEvidence", "PatientGroup", "MaximumDose", "Outcome", "AdverseEvent", "Disease", "Finding")}
    sentence_text = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))) + "."
                     for _ in range(N_SENTENCES)]
    try:
        # the pools: diseases and findings with labels
        for d in range(N_DISEASES):
            w.t(_iri(f"{BASE}disease/gen-{d}"), a, cls["Disease"])
            w.t(_iri(f"{BASE}disease/gen-{d}"), label, _lit(f"generated disease {d}"))
        for f in range(N_FINDINGS):
            w.t(_iri(f"{BASE}finding/gen-{f}"), a, cls["Finding"])
            w.t(_iri(f"{BASE}finding/gen-{f}"), label, _lit(f"{rng.choice(WORDS)} {rng.choice(WORDS)} {f}"))
        record = 0
        while True:
            record += 1
            drug = rng.choice(DRUGS)
            disease = rng.randrange(N_DISEASES)
            sid = rng.randrange(N_SENTENCES)
            sentence = _iri(f"{BASE}sentence/gen-{sid}")
            text = _lit(sentence_text[sid])
            pub = _iri(f"{BASE}publication/gen-{rng.randrange(N_PUBLICATIONS)}")
            refs = [_iri(f"{BASE}reference/gen-{r}") for r in rng.sample(range(N_REFERENCES), rng.randint(1, 3))]
            stmt = _iri(f"{BASE}statement/gen-{record}")
            cohort = _iri(f"{BASE}cohort/gen-{record}")
            dose = _iri(f"{BASE}dose/gen-{record}")

            def provenance(node: str) -> None:
                w.t(node, p["statedIn"], pub)
                w.t(node, p["inSentence"], sentence)
                w.t(node, p["supportingText"], text)
                for ref in refs:
                    w.t(node, p["citesReference"], ref)

            w.t(stmt, a, cls["TreatmentEvidence"])
            w.t(stmt, label, _lit(f"{drug} in generated disease {disease} ({record})"))
            w.t(stmt, p["drug"], _iri(f"{BASE}drug/{drug}"))
            w.t(stmt, p["disease"], _iri(f"{BASE}disease/gen-{disease}"))
            w.t(stmt, p["patientGroup"], cohort)
            w.t(stmt, p["dose"], dose)
            w.t(stmt, p["evidenceType"], _iri("http://purl.obolibrary.org/obo/ECO_0006017"))
            provenance(stmt)
            patients = rng.randint(1, 40)
            w.t(cohort, a, cls["PatientGroup"])
            w.t(cohort, p["patientCount"], _typed(patients, "integer"))
            w.t(cohort, p["quantityText"], _lit(f"{patients} patients"))
            provenance(cohort)
            amount = rng.choice([1, 2, 4, 6, 10, 15, 20]) * rng.choice([1, 0.5, 0.25])
            w.t(dose, a, cls["MaximumDose"])
            w.t(dose, p["value"], _typed(amount, "decimal"))
            w.t(dose, p["unit"], _iri(rng.choice(UNITS)))
            w.t(dose, p["printedText"], _lit(f"{amount} mg/day"))
            provenance(dose)
            for o in range(3):
                outcome = _iri(f"{BASE}outcome/gen-{record}-{o}")
                w.t(stmt, p["outcome"], outcome)
                w.t(outcome, a, cls["Outcome"])
                w.t(outcome, p["outcomeType"], _iri(JAK + rng.choice(OUTCOME_TYPES)))
                w.t(outcome, p["finding"], _iri(f"{BASE}finding/gen-{rng.randrange(N_FINDINGS)}"))
                w.t(outcome, label, _lit(f"{drug}: outcome {o} of report {record}"))
                provenance(outcome)
            for e in range(2):
                event = _iri(f"{BASE}adverse-event/gen-{record}-{e}")
                w.t(stmt, p["adverseEvent"], event)
                w.t(event, a, cls["AdverseEvent"])
                w.t(event, p["finding"], _iri(f"{BASE}finding/gen-{rng.randrange(N_FINDINGS)}"))
                w.t(event, p["severity"], _lit(rng.choice(SEVERITIES)))
                provenance(event)
    except _Done:
        pass
    w.flush()
    return w.count


def write_file(path: Path, triples: int, seed: int = 7) -> int:
    """Generate into ``path`` (gzip-compressed when it ends in ``.gz``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="\n") as out:  # type: ignore[operator]
        return generate(out, triples, seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("triples", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    count = write_file(args.output, args.triples, args.seed)
    print(f"wrote {count} triples to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
