"""The allow ('never flag') and deny ('always flag') lists, and the context rules that tell
organisations, places, programmes and headings from people."""

from __future__ import annotations

from observatory_core.ingest.ner import not_a_person, settings
from observatory_core.ingest.personal_data import flag_personal_data
from observatory_core.ingest.redaction_lists import apply_lists, make_lists, shipped
from observatory_core.ingest.types import Page, PersonalDataFlag

TEXT = ("Cafcass met the family in Yorkshire. Her Personal Education Plans were late. "
        "Kelly Campbell went to Castleford Tigers rugby league club with Jo Bloggs.")


def _flag(text: str, words: str, kind: str = "person_name") -> PersonalDataFlag:
    start = text.index(words)
    return PersonalDataFlag(kind=kind, text=words, page=1, start=start,
                            end=start + len(words), rule="flag_personal_data_model.PERSON")


def test_allow_list_drops_agencies_places_and_words_inside_programmes():
    flags = [_flag(TEXT, w) for w in ("Cafcass", "Yorkshire", "Plans", "Kelly Campbell")]
    kept = apply_lists(TEXT, [Page(1, 0, len(TEXT))], flags)
    assert [f.text for f in kept] == ["Kelly Campbell"]


def test_deny_list_flags_every_occurrence_and_installation_lists_add_to_shipped():
    lists = shipped().merged(allow=["Castleford Tigers"], deny=[("person_name", "Jo Bloggs")])
    flags = [_flag(TEXT, "Castleford Tigers"), _flag(TEXT, "Kelly Campbell")]
    kept = apply_lists(TEXT, [Page(1, 0, len(TEXT))], flags, lists)
    assert [(f.text, f.rule) for f in kept] == [
        ("Kelly Campbell", "flag_personal_data_model.PERSON"),
        ("Jo Bloggs", "redaction_lists.deny")]
    assert apply_lists(TEXT, [], flags, make_lists([], [])) == tuple(
        sorted(flags, key=lambda f: f.start))


def test_context_tells_bodies_abbreviations_and_sentence_words_from_people():
    s = settings()
    text = ("Schools provide support. Most schools agree. Kelly Smith joined Castleford "
            "Tigers rugby league club. BwD said so. The Stronger Families Programme ran.")
    tigers = "Castleford Tigers"

    def check(words: str) -> bool:
        start = text.index(words)
        return not_a_person(text, start, start + len(words), s)

    assert check("Schools")  # sentence start, and used in lower case in the document
    assert check(tigers)  # followed by 'rugby league club': a club, not a person
    assert check("BwD")
    assert check("Stronger Families")
    assert not check("Kelly Smith")


def test_title_and_signatory_rules_keep_the_whole_name():
    text = ("Professor Sarah O\u2019Brien, Chief Nursing Officer, and Dr Ann McKay met.\n\n"
            "Yours sincerely\n\nYvette Stanley\nNational Director")
    names = {f.text for f in flag_personal_data(text, [Page(1, 0, len(text))])
             if f.kind == "person_name"}
    assert {"Sarah O\u2019Brien", "Ann McKay", "Yvette Stanley"} <= names
