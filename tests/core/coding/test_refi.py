"""REFI-QDA exports validate against the official schema and round-trip; the real samples
import."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest

from observatory_core.coding.codebook import shipped_codebooks
from observatory_core.coding.formats import PROJECT_NS, QDA_NS, to_qdc
from observatory_core.coding.refi import (
    QdaProject,
    QdaSelection,
    QdaSource,
    QdaUser,
    QdpxError,
    project_xml,
    read_qdpx,
    stable_guid,
    write_qdpx,
)

from ...shared_data import missing

TEXT = "Recommendation 1: The LSCB should ensure training on referral.\nÉtude — ünïcode 😀 ok."


@pytest.fixture(scope="module")
def schema(corpus_dir):
    etree = pytest.importorskip("lxml.etree")
    path = corpus_dir / "refi-qda" / "Project-mrt2019.xsd"
    if not path.is_file():
        missing("REFI-QDA schema not in the corpus")
    return etree.XMLSchema(etree.parse(str(path)))


def _project():
    book = {b.key: b for b in shipped_codebooks()}["recommendation_themes"]
    user = QdaUser(stable_guid("user", "ann"), "ann")
    start = TEXT.index("training")
    emoji = TEXT.index("ünïcode")
    sels = (QdaSelection(stable_guid("s", 1), start, start + len("training"), "training",
                         user.guid, datetime(2024, 5, 1, tzinfo=UTC), memo="clear training ask"),
            QdaSelection(stable_guid("s", 2), emoji, len(TEXT), "audit", user.guid))
    return QdaProject("test", book, (user,), (QdaSource(stable_guid("src", 1), "doc", TEXT,
                                                        sels),))


def test_qdpx_validates_and_round_trips(schema):
    from lxml import etree

    project = _project()
    schema.assertValid(etree.fromstring(project_xml(project)))
    back = read_qdpx(write_qdpx(project), codebook_key=project.codebook.key)
    assert back.sources[0].text == TEXT
    got = {(s.start, s.end, s.code, s.memo) for s in back.sources[0].selections}
    want = {(s.start, s.end, s.code, s.memo) for s in project.sources[0].selections}
    assert got == want
    for sel in back.sources[0].selections:  # offsets index the stored text exactly
        assert back.sources[0].text[sel.start:sel.end] == TEXT[sel.start:sel.end]
    assert sorted(c.id for c in back.codebook.codes) == sorted(
        c.id for c in project.codebook.codes)


def test_qdc_codebook_validates_against_the_project_schema(schema):
    """The .qdc's CodeBook element has the same type as the project's; validate it inside a
    minimal project (the codebook schema itself is not in the corpus)."""
    from lxml import etree

    for book in shipped_codebooks():
        qdc = ET.fromstring(to_qdc(book))
        assert qdc.tag == f"{{{QDA_NS}}}CodeBook"
        qdc.attrib.pop("origin")  # allowed by the codebook schema, not on the project's
        text = ET.tostring(qdc, encoding="unicode").replace(QDA_NS, PROJECT_NS)
        wrapped = f'<Project xmlns="{PROJECT_NS}" name="qdc">{text}</Project>'
        schema.assertValid(etree.fromstring(wrapped.encode()))


def test_real_samples_import(corpus_dir):
    samples = sorted((corpus_dir / "refi-qda").glob("*.qdpx"))
    if not samples:
        missing("no .qdpx samples in the corpus")
    for path in samples:
        project = read_qdpx(path.read_bytes())
        assert project.users and "ATLAS.ti" in project.origin
    target = read_qdpx((corpus_dir / "refi-qda" / "target-atlas-project.qdpx").read_bytes())
    assert target.codebook is not None
    assert {c.name for c in target.codebook.codes} >= {"Commits"}
    assert len(target.codebook.children("Commits") or target.codebook.codes) >= 1


def test_bad_qdpx_refused():
    with pytest.raises(QdpxError):
        read_qdpx(b"not a zip")
    bad = QdaProject("x", _project().codebook, (), (QdaSource("A", "a", "short", (
        QdaSelection(stable_guid("bad"), 2, 99, "training"),)),))
    with pytest.raises(QdpxError, match="outside the text"):
        write_qdpx(bad)
