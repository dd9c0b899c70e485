"""The prepared-shapes caches of jakgraph.build.validation key on what the shapes graph holds, not on its
size: a shapes graph whose constraint was replaced by another (same number of triples) is obeyed at once."""
from __future__ import annotations

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD

from jakgraph.build.validation import validate_dataset, validate_graph
from jakgraph.namespaces import SHAPES_GRAPH

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:t:NoteShape> a sh:NodeShape ; sh:targetClass <urn:t:Thing> ;
    sh:property <urn:t:note> .
<urn:t:note> sh:path <urn:t:note> ; sh:datatype xsd:string .
"""
DATA = """<urn:t:a> a <urn:t:Thing> ; <urn:t:note> "a string" ."""
NOTE = URIRef("urn:t:note")


def _tighten(shapes: Graph) -> None:
    """xsd:string becomes xsd:integer: the same number of triples, and DATA no longer conforms."""
    shapes.remove((NOTE, SH.datatype, XSD.string))
    shapes.add((NOTE, SH.datatype, XSD.integer))


def test_a_shapes_graph_changed_in_place_is_obeyed():
    shapes = Graph().parse(data=SHAPES, format="turtle")
    data = Graph().parse(data=DATA, format="turtle")
    assert validate_graph(data, shapes).conforms
    size = len(shapes)
    _tighten(shapes)
    assert len(shapes) == size
    assert not validate_graph(data, shapes).conforms


def test_a_dataset_whose_shapes_changed_in_place_is_judged_by_the_new_ones():
    dataset = Dataset()
    dataset.graph(SHAPES_GRAPH).parse(data=SHAPES, format="turtle")
    letter = dataset.graph(URIRef("https://w3id.org/jakgraph/graph/letter"))
    letter.parse(data=DATA, format="turtle")
    assert validate_dataset(dataset).conforms
    _tighten(dataset.graph(SHAPES_GRAPH))
    assert not validate_dataset(dataset).conforms
    assert Literal("a string") in set(letter.objects())
