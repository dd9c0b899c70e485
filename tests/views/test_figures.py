"""Figures from the data: valid SVG naming the diseases of the letter, stars counted from the data."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from jakgraph.build.pipeline import BuiltGraph
from jakgraph.views.figures import disease_drug_matrix, disease_marks, figure_1

SVG = "{http://www.w3.org/2000/svg}"
#: the causal gene of each of the letter's nine diseases (p2 SAVI … p6 USP18)
LETTER_GENES = {"STING1", "PSMB8", "COPA", "TREX1", "IFIH1", "RNASEH2B", "TNFAIP3", "STAT1", "USP18"}


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_figure_1_is_svg_with_the_nine_diseases(built: BuiltGraph) -> None:
    root = ET.fromstring(figure_1(built.store))
    assert root.tag == f"{SVG}svg" and root.find(f"{SVG}title") is not None
    diseases = [g for g in root.iter(f"{SVG}g") if g.get("class") == "disease"]
    assert len(diseases) == 9
    genes = {g.get("data-gene") for g in root.iter(f"{SVG}g") if "causal" in (g.get("class") or "")}
    assert LETTER_GENES <= genes
    assert any("type I interferon" in t for t in texts(root))  # a pathway band from jak:participatesIn
    assert any("shown without a number" in t for t in texts(root))


def test_stars_count_the_patients_printed(built: BuiltGraph) -> None:
    marks = {gene: m for m in disease_marks(built.store) for gene in m.genes}
    assert marks["STAT1"].exact == 11 and not marks["STAT1"].qualitative  # p6-s5 "11 patients"
    assert marks["COPA"].exact == 2  # p4-s1 "two adolescent girls"
    assert marks["USP18"].exact == 1  # p6-s8 "a young child"
    assert marks["RNASEH2B"].qualitative and marks["RNASEH2B"].exact == 0  # p5-s4 AGS: "a large cohort"
    root = ET.fromstring(figure_1(built.store))
    stat1 = next(g for g in root.iter(f"{SVG}g") if (g.get("data-disease") or "").endswith("stat1-gof"))
    assert stat1.get("data-patients") == "11"
    assert len([p for p in stat1.iter(f"{SVG}polygon") if p.get("fill") != "none"]) == 11


def test_matrix_is_svg_with_diseases_drugs_and_printed_doses(built: BuiltGraph) -> None:
    root = ET.fromstring(disease_drug_matrix(built.store))
    words = texts(root)
    assert {"baricitinib", "ruxolitinib", "tofacitinib"} <= set(words)
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "disease"]) == 9
    joined = " ".join(words)
    for printed in ("30 mg/day", "6 mg/day", "5–10 mg/day", "11 patients"):
        assert printed in joined


@pytest.mark.parametrize("name", ["figure-1.svg", "disease-drug-matrix.svg"])
def test_figures_are_served(client: TestClient, name: str) -> None:
    response = client.get(f"/figures/{name}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    ET.fromstring(response.content)
    assert client.get("/figures/nope.svg").status_code == 404
    assert f'src="/figures/{name}"' in client.get("/figures/").text
