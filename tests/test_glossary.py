"""GLOSSARY.md: well-formed entries in alphabetical order; each chapter summary links its terms."""
import json
import re

import pytest

from conftest import ROOT

GLOSSARY = ROOT / "GLOSSARY.md"
HEADING = re.compile(r"[a-z0-9]+(?:[ -][a-z0-9]+)*")  # plain lowercase words: predictable anchors
META = re.compile(r"\*\*Korean:\*\* (?P<korean>.+) · \*\*Chapter:\*\* (?P<chapter>.+)")
LINKED = re.compile(r"\[(\d\d)\]\((release/(\1_\w+)/\3\.ipynb)\)")  # [02](release/02_x/02_x.ipynb)
PLANNED = re.compile(r"(\d\d) \(planned\)")                          # 01 (planned)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
GLOSSARY_LINK = re.compile(r"\]\(([^)]*GLOSSARY\.md[^)]*)\)")


def read_entries():
    """[(heading, lines after the heading)] for every `### ` entry, in file order."""
    blocks = re.split(r"^### ", GLOSSARY.read_text(encoding="utf-8"), flags=re.M)[1:]
    return [(block.split("\n")[0], block.rstrip().split("\n")[1:]) for block in blocks]


def anchor(heading):
    """GitHub's anchor: lowercase, punctuation other than - and _ removed, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def chapter_of(lines):
    """The chapter number ("02") of an entry, or None if its chapter field is malformed."""
    meta = META.fullmatch(lines[0]) if lines else None
    match = meta and (LINKED.fullmatch(meta["chapter"]) or PLANNED.fullmatch(meta["chapter"]))
    return match[1] if match else None


def planned_chapters():
    """Chapter numbers that a row of README.md's chapter table marks as planned."""
    planned = set()
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("|") and line.strip().strip("|").split("|")[-1].strip() == "planned":
            planned |= set(re.findall(r"`(\d\d)_\w+`", line))
    return planned


def summary(path):
    """The text of a notebook's '## Summary' section, up to the next '## ' heading."""
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        text = "".join(cell["source"])
        parts = re.split(r"^## Summary[ \t]*$", text, flags=re.M)
        if cell["cell_type"] == "markdown" and len(parts) > 1:
            return re.split(r"^## ", parts[1], flags=re.M)[0]
    pytest.fail(f"{path.name} has no markdown cell with a '## Summary' heading")


ENTRIES = read_entries()
SOURCES = sorted(p for p in ROOT.glob("source/[0-9][0-9]_*/*.ipynb") if p.stem == p.parent.name)


@pytest.mark.parametrize("heading, lines", ENTRIES, ids=[h for h, _ in ENTRIES])
def test_entry_has_korean_term_chapter_and_definition(heading, lines):
    assert HEADING.fullmatch(heading), f"'### {heading}': plain lowercase words, no punctuation"
    assert len(lines) == 3 and lines[1] == "", (
        f"'### {heading}' must be followed by the Korean/Chapter line, a blank line and a one-line "
        f"definition, got {lines!r}")
    meta = META.fullmatch(lines[0])
    assert meta, f"'### {heading}': want '**Korean:** ... · **Chapter:** ...', got {lines[0]!r}"
    assert HANGUL.search(meta["korean"]), f"'### {heading}': the Korean term has no Hangul"
    chapter = meta["chapter"]
    if link := LINKED.fullmatch(chapter):
        assert (ROOT / link[2]).is_file(), f"'### {heading}': {link[2]} does not exist"
    else:
        planned = PLANNED.fullmatch(chapter)
        assert planned, (f"'### {heading}': chapter {chapter!r} is neither "
                         f"[NN](release/NN_name/NN_name.ipynb) nor 'NN (planned)'")
        released = list(ROOT.glob(f"release/{planned[1]}_*/*.ipynb"))
        assert planned[1] in planned_chapters() and not released, (
            f"'### {heading}': chapter {planned[1]} is not planned in README.md (or is released): "
            f"link its release notebook")
    assert lines[2].strip() and not lines[2].startswith(("#", "**")), (
        f"'### {heading}': the definition line is missing")


def test_entries_are_unique_and_in_alphabetical_order():
    headings = [heading for heading, _ in ENTRIES]
    assert headings, "GLOSSARY.md has no '### ' entries"
    anchors = [anchor(heading) for heading in headings]
    duplicates = sorted({a for a in anchors if anchors.count(a) > 1})
    assert not duplicates, f"headings with the same anchor: {duplicates}"
    disorder = [(a, b) for a, b in zip(headings, headings[1:]) if a > b]
    assert not disorder, f"entries out of alphabetical order: {disorder}"


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_summary_links_the_chapters_glossary_entries(path):
    chapters = {anchor(heading): chapter_of(lines) for heading, lines in ENTRIES}
    targets = GLOSSARY_LINK.findall(summary(path))
    malformed = [t for t in targets if not re.fullmatch(r"\.\./\.\./GLOSSARY\.md#[\w-]+", t)]
    assert not malformed, f"glossary links must look like ../../GLOSSARY.md#anchor: {malformed}"
    linked = {t.split("#", 1)[1] for t in targets}
    assert linked, f"the summary of {path.stem} links no glossary entry"
    unknown = sorted(linked - chapters.keys())
    assert not unknown, f"the summary of {path.stem} links anchors GLOSSARY.md lacks: {unknown}"
    mine = {a for a, chapter in chapters.items() if chapter == path.stem[:2]}
    missing = sorted(mine - linked)
    assert not missing, (f"the summary of {path.stem} does not link these entries of its chapter: "
                         + ", ".join(f"../../GLOSSARY.md#{a}" for a in missing))
