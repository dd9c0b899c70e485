"""The letter normaliser: the extraction rules of reference/letter/README.md, the sentence cut, the printed
reference numbers, and the committed data/letter/sentences.ttl being exactly what the generator writes."""
from __future__ import annotations

import pytest

from jakgraph import paths
from jakgraph.build.letter import (
    join_lines,
    letter_sentences,
    normalised_letter,
    read_letter,
    sentences_turtle,
    split_sentences,
)


@pytest.fixture(scope="module")
def by_key():
    return {s.key: s for s in letter_sentences()}


def test_the_letter_is_read_from_the_copy_in_the_repository() -> None:
    assert paths.LETTER_PATH == paths.ROOT / "reference" / "letter" / "letter.txt"
    assert paths.LETTER_PATH.is_file(), "reference/letter/letter.txt is committed: a fresh clone needs nothing outside"
    assert "Banday" not in read_letter()  # the text itself never names its authors
    assert read_letter().lstrip().startswith("Correspondence on")


SHARED_LETTER = paths.SHARED_ORIGINALS[paths.LETTER_PATH]


@pytest.mark.skipif(
    not SHARED_LETTER.is_file(),
    reason=f"no shared folder beside the checkout ({SHARED_LETTER} absent; set JAKGRAPH_SHARED to compare)",
)
def test_the_letter_copy_equals_the_shared_original() -> None:
    assert paths.LETTER_PATH.read_bytes() == SHARED_LETTER.read_bytes(), (
        "reference/letter/letter.txt differs from the shared folder's: copy it again (reference/README.md)"
    )


def test_hyphen_then_space_is_a_real_hyphen() -> None:
    assert join_lines("immune- mediated") == "immune-mediated"
    assert join_lines("weight- based dose") == "weight-based dose"


def test_hyphen_at_line_end_is_a_line_break_hyphenation() -> None:
    assert join_lines("thera-\npeutic option") == "therapeutic option"
    assert join_lines("pneu-\nmonia") == "pneumonia"


def test_line_breaks_are_spaces_and_em_dash_joins_tight() -> None:
    assert join_lines("type I\ninterferon") == "type I interferon"
    assert join_lines("interferonopathies\u2014\ninborn") == "interferonopathies\u2014inborn"
    assert join_lines("20 mg/\nday") == "20 mg/day"


def test_normalised_letter_has_no_extraction_artefacts() -> None:
    text = normalised_letter()
    assert "- " not in text
    assert "\n" not in text
    assert "  " not in text
    for word in ("therapeutic option", "immune-mediated", "weight-based", "pneumonia", "Aicardi-Goutières", "2¼ years"):
        assert word in text


def test_caption_is_taken_out_of_the_stat1_sentence(by_key) -> None:
    stat1 = by_key["p6-s4"].text
    assert "signal transducer and activator of transcription 1 (STAT1) GOF" in stat1
    assert "Figure" not in stat1
    text = normalised_letter()
    assert text.endswith("JAKi, Janus kinase inhibitor.")


def test_sentence_places(by_key) -> None:
    keys = list(by_key)
    assert keys[0] == "title" and keys[-1] == "figure-1-s4"
    assert len(keys) == 40
    per_paragraph: dict[str, int] = {}
    for s in letter_sentences():
        per_paragraph[s.paragraph] = per_paragraph.get(s.paragraph, 0) + 1
    assert per_paragraph == {"title": 1, "1": 4, "2": 7, "3": 5, "4": 3, "5": 7, "6": 8, "7": 1, "figure-1": 4}


def test_sentence_texts(by_key) -> None:
    assert by_key["p2-s5"].text == (
        "Baricitinib has been found to be useful in a child who did not initially respond to ruxolitinib.8"
    )
    assert by_key["p5-s6"].text.startswith("One-third of the cohort attained >1 new milestone")
    assert by_key["p7-s1"].text.endswith("though the data are still not plenitude.")
    assert by_key["figure-1-s4"].text == "IFN, interferon; JAKi, Janus kinase inhibitor."


@pytest.mark.parametrize(
    "key, numbers",
    [
        ("p1-s1", (1,)),
        ("p1-s3", (1, 2)),
        ("p1-s4", (3,)),
        ("p2-s1", (3, 4, 5, 6, 7, 8, 9)),
        ("p2-s3", ()),
        ("p4-s1", (11, 12)),
        ("p5-s3", (15, 16)),
        ("p5-s4", (17,)),  # "Vanderver et al17"
        ("p5-s2", ()),     # "2.5" and "20 mg/day" are not citations
        ("p6-s3", (18, 19)),
        ("p6-s8", (22,)),
        ("p7-s1", ()),
    ],
)
def test_printed_reference_numbers(by_key, key: str, numbers: tuple[int, ...]) -> None:
    assert by_key[key].references == numbers


def test_reference_after_a_gene_symbol(by_key) -> None:
    assert by_key["p3-s5"].text.endswith("proteasome assembly gene PSMG2.10")
    assert by_key["p3-s5"].references == (10,)


def test_split_keeps_decimals_and_approximations_together() -> None:
    assert split_sentences("During a mean of ~1.5 years, it worked.17 Next one.") == [
        "During a mean of ~1.5 years, it worked.17",
        "Next one.",
    ]


def test_committed_sentences_ttl_is_generated() -> None:
    committed = (paths.LETTER_DATA_DIR / "sentences.ttl").read_text(encoding="utf-8")
    assert committed.rstrip("\n") == sentences_turtle().rstrip("\n"), (
        "data/letter/sentences.ttl is stale: regenerate it with `python -m jakgraph.build.letter > data/letter/sentences.ttl`"
    )
