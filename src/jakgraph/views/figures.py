"""Figures drawn from the data as SVG, in Python, from SPARQL results (no JavaScript, no external assets).

* ``figure_1``: the letter's Figure 1 rebuilt — the type I interferon pathways with their genes (from
  ``jak:participatesIn``), the interferonopathy genes (``jak:causalGene``) marked, and each disease treated with
  JAK inhibitors marked by red stars, one per patient counted in the data.
* ``disease_drug_matrix``: diseases × drugs, each cell the patients and the doses as printed.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from textwrap import wrap
from xml.sax.saxutils import escape

import pyoxigraph as ox

from jakgraph.stores.bridge import select_rows
from jakgraph.views.describe import local_path

STAR_COLOUR = "#c62828"
MAX_STARS = 12
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"

_PATHWAYS = """
SELECT ?pathway ?pathwayLabel ?gene ?symbol WHERE {
  ?gene jak:participatesIn ?pathway .
  OPTIONAL { ?pathway rdfs:label ?pathwayLabel }
  OPTIONAL { ?gene jak:symbol ?symbol }
}"""

_DISEASES = """
SELECT ?disease ?label ?abbreviation ?gene ?symbol WHERE {
  ?disease jak:causalGene ?gene .
  FILTER EXISTS { ?statement a jak:TreatmentEvidence ; jak:disease ?disease }
  OPTIONAL { ?disease rdfs:label ?label }
  OPTIONAL { ?disease jak:abbreviation ?abbreviation }
  OPTIONAL { ?gene jak:symbol ?symbol }
}"""

_GROUPS = """
SELECT ?disease ?drug ?drugLabel ?statement ?group ?count ?words ?parent WHERE {
  ?statement a jak:TreatmentEvidence ; jak:disease ?disease ; jak:drug ?drug .
  ?disease jak:causalGene ?anyGene .
  OPTIONAL { ?drug rdfs:label ?drugLabel }
  OPTIONAL { ?statement jak:patientGroup ?group .
             OPTIONAL { ?group jak:patientCount ?count }
             OPTIONAL { ?group jak:quantityText|jak:printedText ?words }
             OPTIONAL { ?group jak:partOf ?parent } }
}"""

_DOSES = """
SELECT DISTINCT ?disease ?drug ?dose ?printed WHERE {
  ?statement a jak:TreatmentEvidence ; jak:disease ?disease ; jak:drug ?drug ; jak:dose ?dose .
  ?dose jak:printedText ?printed .
}"""


@dataclass
class DiseaseMark:
    iri: str
    label: str
    short: str
    genes: list[str] = field(default_factory=list)
    exact: int = 0
    qualitative: list[str] = field(default_factory=list)

    @property
    def count_text(self) -> str:
        parts = []
        if self.exact:
            parts.append(f"{self.exact} patient{'s' if self.exact != 1 else ''}")
        if self.qualitative:
            parts.append("+ groups without a number" if self.exact else "patients printed without a number")
        return " ".join(parts) if parts else "no patient count"


def _v(row: dict, name: str) -> str | None:
    term = row.get(name)
    return term.value if term is not None else None


def disease_marks(store: ox.Store) -> list[DiseaseMark]:
    """Diseases with a causal gene and treatment evidence, with their patients counted as printed."""
    marks: dict[str, DiseaseMark] = {}
    for row in select_rows(store, _DISEASES):
        iri = row["disease"].value
        label = _v(row, "label") or iri.rsplit("/", 1)[-1]
        mark = marks.setdefault(iri, DiseaseMark(iri, label, _v(row, "abbreviation") or label))
        symbol = _v(row, "symbol") or row["gene"].value.rsplit("/", 1)[-1]
        if symbol not in mark.genes:
            mark.genes.append(symbol)
    groups: dict[str, dict[str, dict[str, str | None]]] = defaultdict(dict)
    for row in select_rows(store, _GROUPS):
        disease, group = row["disease"].value, _v(row, "group")
        if disease in marks and group:
            entry = groups[disease].setdefault(group, {"count": None, "words": None, "parent": None})
            for key in ("count", "words", "parent"):
                entry[key] = entry[key] or _v(row, key)
    for disease, found in groups.items():
        for entry in found.values():
            if entry["parent"] in found:
                continue  # counted through the larger group the statements also name
            if entry["count"] is not None:
                marks[disease].exact += int(entry["count"])
            else:
                marks[disease].qualitative.append(entry["words"] or "patients")
    for mark in marks.values():
        mark.genes.sort()
    return sorted(marks.values(), key=lambda m: m.short.lower())


def _pathway_rank(label: str) -> int:
    text = label.lower()
    for rank, words in enumerate((("sting", "cgas"), ("rig-i", "mda5", "mda-5", "rig"), ("type i interferon",),
                                  ("jak",), ("interferon",))):
        if any(w in text for w in words):
            return rank
    return 9


def _star(cx: float, cy: float, r: float, filled: bool = True) -> str:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = math.pi / 2 + i * math.pi / 5
        points.append(f"{cx + radius * math.cos(angle):.1f},{cy - radius * math.sin(angle):.1f}")
    fill = STAR_COLOUR if filled else "none"
    return f'<polygon points="{" ".join(points)}" fill="{fill}" stroke="{STAR_COLOUR}" stroke-width="1.2"/>'


def _text(x: float, y: float, text: str, size: int = 13, weight: str = "normal", colour: str = "#1d2329",
          anchor: str = "start", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" fill="{colour}" '
            f'text-anchor="{anchor}" style="{FONT}"{extra}>{escape(text)}</text>')


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-labelledby="fig-title fig-desc">\n'
            f'<title id="fig-title">{escape(title)}</title>\n<desc id="fig-desc">{escape(desc)}</desc>\n'
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>\n' + "\n".join(body) + "\n</svg>\n")


def figure_1(store: ox.Store) -> str:
    """The type I IFN pathway with its interferonopathy genes and red stars per disease (SVG text)."""
    pathways: dict[str, dict] = {}
    for row in select_rows(store, _PATHWAYS):
        iri = row["pathway"].value
        entry = pathways.setdefault(iri, {"label": _v(row, "pathwayLabel") or iri.rsplit("/", 1)[-1], "genes": set()})
        entry["genes"].add(_v(row, "symbol") or row["gene"].value.rsplit("/", 1)[-1])
    marks = disease_marks(store)
    causal: dict[str, list[str]] = defaultdict(list)
    for mark in marks:
        for gene in mark.genes:
            causal[gene].append(mark.short)

    ordered = sorted(pathways.values(), key=lambda p: (_pathway_rank(p["label"]), p["label"]))
    placed: set[str] = set()
    bands: list[tuple[str, list[str]]] = []
    for pathway in ordered:
        genes = sorted(g for g in pathway["genes"] if g not in placed)
        placed.update(genes)
        if genes:
            bands.append((pathway["label"], genes))
    others = sorted(g for g in causal if g not in placed)
    if others:
        bands.append(("other interferonopathy genes (no pathway membership in the data)", others))

    width, left, box_w, box_h, gap, per_row = 1230, 40, 96, 30, 10, 7
    body: list[str] = [_text(left, 34, "Type I interferon pathway and the monogenic interferonopathies", 20, "bold"),
                       _text(left, 56, "Rebuilt from the jakgraph data: genes by pathway (jak:participatesIn), "
                             "interferonopathy genes in red (jak:causalGene), red stars = patients treated with JAK inhibitors.",
                             12, colour="#5b6670")]
    y = 84
    for label, genes in bands:
        rows = (len(genes) + per_row - 1) // per_row
        band_h = 34 + rows * (box_h + 26)
        body.append(f'<rect x="{left - 12}" y="{y}" width="{per_row * (box_w + gap) + 16}" height="{band_h}" '
                    f'rx="10" fill="#f3f7fa" stroke="#c9d6e0"/>')
        body.append(_text(left, y + 20, label, 14, "bold", "#12344d", extra=' class="pathway"'))
        for i, gene in enumerate(genes):
            gx = left + (i % per_row) * (box_w + gap)
            gy = y + 30 + (i // per_row) * (box_h + 26)
            is_causal = gene in causal
            fill, stroke = ("#fde8e8", STAR_COLOUR) if is_causal else ("#ffffff", "#8aa4b8")
            body.append(f'<g class="gene{" causal" if is_causal else ""}" data-gene="{escape(gene)}">'
                        f'<rect x="{gx}" y="{gy}" width="{box_w}" height="{box_h}" rx="6" fill="{fill}" '
                        f'stroke="{stroke}" stroke-width="{2 if is_causal else 1}"/>'
                        + _text(gx + box_w / 2, gy + 20, gene, 13, "bold" if is_causal else "normal",
                                anchor="middle") + "</g>")
            if is_causal:
                body.append(_text(gx + box_w / 2, gy + box_h + 14, ", ".join(causal[gene]), 10,
                                  colour=STAR_COLOUR, anchor="middle"))
        y += band_h + 14

    px, py = left + per_row * (box_w + gap) + 40, 84
    body.append(_text(px, py + 14, "Diseases treated with JAK inhibitors", 15, "bold"))
    py += 30
    for mark in marks:
        href = local_path(mark.iri) or mark.iri
        body.append(f'<a href="{escape(href)}"><g class="disease" data-disease="{escape(mark.iri)}" '
                    f'data-patients="{mark.exact}" data-qualitative="{str(bool(mark.qualitative)).lower()}">')
        body.append(_text(px, py + 14, mark.short, 14, "bold"))
        if mark.short != mark.label:
            body.append(_text(px, py + 29, mark.label, 11, colour="#5b6670"))
        gene_lines = wrap(("genes: " if len(mark.genes) > 1 else "gene: ") + ", ".join(mark.genes), 44)
        for k, line in enumerate(gene_lines):
            body.append(_text(px, py + 44 + k * 14, line, 11, colour="#5b6670"))
        sy = py + 60 + (len(gene_lines) - 1) * 14
        for s in range(min(mark.exact, MAX_STARS)):
            body.append(_star(px + 8 + s * 17, sy, 7))
        sx = px + 8 + min(mark.exact, MAX_STARS) * 17
        if mark.qualitative:
            body.append(_star(sx, sy, 7, filled=False))
            sx += 17
        body.append(_text(sx + 2, sy + 4, mark.count_text, 11, colour=STAR_COLOUR))
        body.append("</g></a>")
        py += 80 + (len(gene_lines) - 1) * 14
    y = max(y, py) + 10
    notes = [
        "Stars: one filled red star per patient treated with a JAK inhibitor as counted in the data (exact counts where the",
        f"letter prints them; at most {MAX_STARS} stars drawn, the number is written beside them). An outlined star marks patient groups",
        "the letter gives only qualitatively ('patients', 'few children', 'a large cohort'): these are shown without a number.",
        "Pathway membership and causal genes come from the graph (background sources named on each gene's page).",
    ]
    for line in notes:
        body.append(_text(left, y + 4, line, 11, colour="#5b6670", extra=' class="note"'))
        y += 16
    return _svg(width, int(y + 14), "Figure 1 rebuilt: the type I IFN pathway and the monogenic interferonopathies",
                "Genes grouped by pathway; interferonopathy genes in red; each disease with red stars for the "
                "patients treated with JAK inhibitors as counted in the data.", body)


def matrix_cells(store: ox.Store) -> tuple[list[DiseaseMark], list[tuple[str, str]], dict]:
    """Rows (diseases), columns (drug IRI, label) and cells {(disease, drug): {patients, words, doses}}."""
    marks = disease_marks(store)
    known = {m.iri for m in marks}
    drugs: dict[str, str] = {}
    cells: dict[tuple[str, str], dict] = defaultdict(lambda: {"groups": {}, "doses": []})
    for row in select_rows(store, _GROUPS):
        disease, drug = row["disease"].value, row["drug"].value
        if disease not in known:
            continue
        drugs[drug] = _v(row, "drugLabel") or drug.rsplit("/", 1)[-1]
        cell = cells[(disease, drug)]
        group = _v(row, "group")
        if group:
            entry = cell["groups"].setdefault(group, {"count": None, "words": None})
            entry["count"] = entry["count"] or _v(row, "count")
            entry["words"] = entry["words"] or _v(row, "words")
    for row in select_rows(store, _DOSES):
        key = (row["disease"].value, row["drug"].value)
        if key in cells and row["printed"].value not in cells[key]["doses"]:
            cells[key]["doses"].append(row["printed"].value)
    return marks, sorted(drugs.items(), key=lambda d: d[1]), cells


def disease_drug_matrix(store: ox.Store) -> str:
    """Diseases × drugs: patients (exact or as printed) and doses as printed (SVG text)."""
    marks, drugs, cells = matrix_cells(store)
    first_w, col_w, line_h, left, top = 230, 300, 15, 20, 70
    width = left * 2 + first_w + col_w * max(len(drugs), 1)
    body: list[str] = [_text(left, 30, "Diseases × drugs: patients and doses as printed", 20, "bold"),
                       _text(left, 50, "From the treatment evidence statements; doses verbatim from the letter.", 12,
                             colour="#5b6670")]
    for j, (_, label) in enumerate(drugs):
        x = left + first_w + j * col_w
        body.append(f'<rect x="{x}" y="{top}" width="{col_w}" height="30" fill="#12344d"/>')
        body.append(_text(x + 10, top + 20, label, 14, "bold", "#ffffff", extra=' class="drug"'))
    y = top + 30
    for i, mark in enumerate(marks):
        contents: list[list[tuple[str, str]]] = []
        for drug, _ in drugs:
            cell = cells.get((mark.iri, drug))
            lines: list[tuple[str, str]] = []
            if cell is not None:
                exact = sum(int(g["count"]) for g in cell["groups"].values() if g["count"])
                words = sorted({g["words"] for g in cell["groups"].values() if not g["count"] and g["words"]})
                if exact:
                    lines.append((f"{exact} patient{'s' if exact != 1 else ''}", "bold"))
                for w in words:
                    lines.extend((f"“{part}”" if k == 0 else part, "bold") for k, part in enumerate(wrap(w, 40)[:2]))
                if not exact and not words:
                    lines.append(("used (no patient count)", "bold"))
                for dose in cell["doses"]:
                    lines.extend((part, "normal") for part in wrap(dose, 42))
            contents.append(lines)
        label_h = 30 + 13 * len(wrap(mark.label, 34)) if mark.short != mark.label else 44
        row_h = max(44, label_h, 16 + line_h * max((len(c) for c in contents), default=1))
        fill = "#f6f8fa" if i % 2 == 0 else "#ffffff"
        body.append(f'<rect x="{left}" y="{y}" width="{width - 2 * left}" height="{row_h}" fill="{fill}" '
                    f'stroke="#d8dee4"/>')
        label_lines = wrap(mark.label, 34) if mark.short != mark.label else []
        body.append(f'<g class="disease" data-disease="{escape(mark.iri)}">'
                    + _text(left + 10, y + 20, mark.short, 14, "bold")
                    + "".join(_text(left + 10, y + 35 + k * 13, line, 11, colour="#5b6670")
                              for k, line in enumerate(label_lines))
                    + "</g>")
        for j, lines in enumerate(contents):
            x = left + first_w + j * col_w + 10
            if not lines:
                body.append(_text(x, y + 20, "—", 13, colour="#9aa5ae"))
            for k, (line, weight) in enumerate(lines):
                body.append(_text(x, y + 20 + k * line_h, line, 12, weight,
                                  STAR_COLOUR if weight == "bold" else "#1d2329"))
        y += row_h
    body.append(_text(left, y + 22, "Patients: sums of the exact counts printed; quoted words where the letter gives no "
                      "number. — : no evidence for this pair in the letter.", 11, colour="#5b6670"))
    return _svg(width, y + 40, "Diseases by drugs: patients and doses as printed",
                "For each disease treated with JAK inhibitors and each drug: patients and doses as the letter prints them.",
                body)


FIGURES = {
    "figure-1.svg": ("Figure 1 rebuilt: the type I IFN pathway and the interferonopathies", figure_1),
    "disease-drug-matrix.svg": ("Diseases × drugs: patients and doses as printed", disease_drug_matrix),
}
