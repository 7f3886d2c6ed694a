"""REFI-QDA exports validate against the official schema and round-trip; the real samples
import."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

import pytest

from observatory_core.coding.codebook import shipped_codebooks
from observatory_core.coding.formats import PROJECT_NS, QDA_NS, to_qdc
from observatory_core.coding.refi import (
    CONSENSUS_USER,
    QdaNote,
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


# -- what a QDA tool like QualCoder would lose (merging by user, code name; not codable) -----
def _lossy_project():
    """Each case that lost work in QualCoder: a consensus coding on the same span and code as
    the adjudicator's own, a retired code's coding, two codes named "Other" under different
    parents, and a coder's memo on the whole document."""
    from observatory_core.coding.codebook import parse_codebook

    book = parse_codebook({"key": "lossy", "name": "Lossy", "source": "test", "codes": [
        {"id": "a", "name": "Agencies"}, {"id": "a_other", "name": "Other", "parent": "a"},
        {"id": "b", "name": "Barriers"}, {"id": "b_other", "name": "other", "parent": "b"},
        {"id": "old", "name": "Old theme", "description": "as first drafted",
         "retired": True}]})
    ann = QdaUser(stable_guid("user", "ann"), "ann")
    span = (TEXT.index("training"), TEXT.index("training") + len("training"))
    sels = (QdaSelection(stable_guid("s", "own"), *span, "a_other", ann.guid),
            QdaSelection(stable_guid("s", "consensus"), *span, "a_other", CONSENSUS_USER.guid,
                         memo="Consensus, adjudicated by ann."),
            QdaSelection(stable_guid("s", "b"), 0, 14, "b_other", ann.guid),
            QdaSelection(stable_guid("s", "old"), 0, 14, "old", ann.guid))
    memo = QdaNote(stable_guid("memo", 1), "Read twice; page 3 is unclear.", ann.guid,
                   "Memo by ann")
    return QdaProject("lossy", book, (ann, CONSENSUS_USER),
                      (QdaSource(stable_guid("src", 1), "doc", TEXT, sels, notes=(memo,)),))


def test_nothing_a_qda_tool_merges_is_lost(schema):
    from lxml import etree

    project = _lossy_project()
    xml = project_xml(project)
    schema.assertValid(etree.fromstring(xml))
    root = ET.fromstring(xml)
    q = f"{{{PROJECT_NS}}}"
    codes = list(root.iter(f"{q}Code"))
    # every code codable, and no two names alike (compared without case)
    assert {c.get("isCodable") for c in codes} == {"true"}
    names = [c.get("name").casefold() for c in codes]
    assert len(set(names)) == len(names)
    assert {"other (agencies)", "other (barriers)"} <= set(names)
    # the consensus is its own coder, not the adjudicator again
    users = {s.get("creatingUser") for s in root.iter(f"{q}PlainTextSelection")
             if s.get("startPosition") == str(TEXT.index("training"))}
    assert users == {stable_guid("user", "ann"), CONSENSUS_USER.guid}
    # the document memo is a note by its coder, referred to by the source
    [note] = root.iter(f"{q}Note")
    assert note.get("creatingUser") == stable_guid("user", "ann")
    assert root.find(f"{q}Sources/{q}TextSource/{q}NoteRef").get("targetGUID") == note.get(
        "guid")


def test_lossy_cases_come_back_on_reimport():
    project = _lossy_project()
    back = read_qdpx(write_qdpx(project), codebook_key="lossy")
    assert back.codebook.codes == project.codebook.codes  # names, parents, retirement
    assert {u.name for u in back.users} == {"ann", "Consensus"}
    [source] = back.sources
    got = sorted((s.code, s.user, s.start, s.end) for s in source.selections)
    assert got == sorted((s.code, s.user, s.start, s.end) for s in project.sources[0].selections)
    [note] = source.notes
    assert (note.text, note.user) == ("Read twice; page 3 is unclear.", stable_guid("user", "ann"))


def test_qdc_keeps_retired_codes_and_unique_names():
    from observatory_core.coding.formats import from_qdc

    book = _lossy_project().codebook
    back = from_qdc(to_qdc(book), key="lossy")
    assert back.codes == book.codes
