"""Turn an excerpt of a seed report (../shared/seeds/*.txt, a plain-text dump of a published
PDF) into a PDF and a DOCX at test time, so the recommendation splitter can be scored on
them (issue 7, "Accuracy"). Nothing of the seeds' prose is stored in the repository: the
gold file names the seed, where the excerpt starts and ends, which lines were headings in
the original (the text dump lost their bold type), and each item's number and first words.

How the dump is read back into blocks: a line starting with a number ('4. '), a bullet
or a heading starts a new block; so does a blank line, except in double-spaced dumps (seed
000 puts a blank line after every line), where only a line holding nothing but spaces
separates paragraphs. Seed 003's dump lost its bullet glyphs but kept the space after
them, so there (``leading_space_bullets``) a line starting with one or two spaces is a
bulleted item and is printed with '•'. A line 'Health agencies should:' introduces the
items after it and is a paragraph of its own. Lines of digits alone are the dump's page
numbers and are dropped (with the blank lines around them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_ITEM = re.compile(r"^(\d{1,2}\.\s|[\uf0b7\u2022]\s*)")
_LOST_BULLET = re.compile(r"^ {1,2}(?=[^\s\d])")
_LEAD_IN = re.compile(r"^[A-Z].{0,100}\b(should|must)\s*:$")
_PAGE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")


@dataclass(frozen=True)
class Block:
    text: str
    heading: bool


def _squash(text: str) -> str:
    return " ".join(text.replace("\uf0b7", "\u2022").split())


def excerpt_blocks(seed_text: str, spec: dict) -> list[Block]:
    """The blocks between the gold file's ``from`` line and its ``to`` line (exclusive)."""
    lines = seed_text.splitlines()
    headings = {_squash(h) for h in spec["headings"]}
    start = next(i for i, line in enumerate(lines) if _squash(line) == _squash(spec["from"]))
    end = next(i for i in range(start + 1, len(lines))
               if _squash(lines[i]) == _squash(spec["to"]))
    double_spaced = bool(spec.get("double_spaced"))
    leading_space_bullets = bool(spec.get("leading_space_bullets"))
    blocks: list[Block] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            blocks.append(Block(_squash(" ".join(current)), False))
            current.clear()

    after_page_number = False  # the blank lines around a page number are no paragraph break
    for raw in lines[start:end]:
        line = _squash(raw)
        if _PAGE_NUMBER.match(raw) and line:
            after_page_number = True
            continue
        if not line:
            if raw.strip(" ") == "" and (not double_spaced or raw) and not after_page_number:
                flush()
            continue
        after_page_number = False
        if line in headings:
            flush()
            blocks.append(Block(line, True))
            continue
        if _LEAD_IN.search(line):
            flush()
            blocks.append(Block(line, False))
            continue
        if _ITEM.match(raw.lstrip()):
            flush()
        elif leading_space_bullets and _LOST_BULLET.match(raw):
            flush()
            line = "\u2022 " + line
        current.append(line)
    flush()
    return blocks


def render_pdf(blocks: list[Block], path: Path) -> Path:
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    story = []
    for block in blocks:
        style = styles["Heading2"] if block.heading else styles["BodyText"]
        story += [Paragraph(escape(block.text), style), Spacer(1, 4)]
    SimpleDocTemplate(str(path), pagesize=A4, invariant=1).build(story)
    return path


def render_docx(blocks: list[Block], path: Path) -> Path:
    import docx

    document = docx.Document()
    for block in blocks:
        if block.heading:
            document.add_heading(block.text, level=2)
        else:
            document.add_paragraph(block.text)
    document.save(str(path))
    return path


def render(seed_file: Path, spec: dict, directory: Path) -> dict[str, Path]:
    """{'pdf': path, 'docx': path} for the gold file's excerpt of ``seed_file``."""
    blocks = excerpt_blocks(seed_file.read_text(encoding="utf-8"), spec)
    stem = seed_file.stem.split("_")[0]
    return {"pdf": render_pdf(blocks, directory / f"seed{stem}.pdf"),
            "docx": render_docx(blocks, directory / f"seed{stem}.docx")}
