"""Students' notebooks out of learning-management exports; the class's grades back in.

`collect` finds each student's notebook in a folder, or a zip of one, laid out as
  canvas   Canvas "Download Submissions": flat files  name[_LATE]_userid_fileid_original
  moodle   Moodle "Download all submissions": `Full Name_12345_assignsubmission_file_/`
           folders, or that prefix on flattened file names
  zips     a folder of `<student>_anything.zip` (and sub-folders, as below)
  folders  one sub-folder per student
  regex    any layout, given a regular expression that names the student in each path
           (in the spirit of nbgrader's FileNameCollector)
Zips are unpacked under a scratch folder, refusing any member that would land outside it.

`write_canvas_csv` and `write_gradescope_json` write a class's results (objects with
student, status, scores, total, late and tests) for Canvas's gradebook import and for a
Gradescope autograder; the course's own CSV is course.grade.write_csv.
"""
import csv
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

STUDENT_ID = re.compile(r"[^A-Za-z0-9_.-]+")

# Canvas names each file of a bulk download in ContentZipper (instructure/canvas-lms,
# lib/content_zipper.rb: get_filename, add_upload_submission):
#   [sortable name, lowercased, non-word characters dropped] [_LATE] _<user id | anon_<id>>
#   _<attachment id>_<the file's name as uploaded>
# e.g. doejane_LATE_123456_7890123_02_cross_correlation.ipynb. The name is left out under
# anonymous grading, and Canvas removes "_<digits>_" runs from it (sanitize_user_name), so
# the first "_<digits>_<digits>_" after a lazy name is the pair of ids. Canvas renames a file
# uploaded again under a name already used to name-1.ext, name-2.ext, ...
CANVAS = re.compile(r"(?:(?P<name>.+?)_)??(?P<late>LATE_)?(?P<user>[0-9]+|anon_[A-Za-z0-9]+)"
                    r"_[0-9]+_(?P<original>.+)")

# Moodle names each submission in mod/assign/locallib.php (download_submissions):
#   prefix = clean_filename(<full name, '_' made ' '> . '_' . <participant id>)
#   folders (the default since 3.1): <prefix>_assignsubmission_<plugin>_/<path as submitted>
#   flat:                            <prefix>_assignsubmission_<plugin>_<file name>
MOODLE = re.compile(r"(?P<name>.+?)_(?P<id>[0-9]+)_assignsubmission_(?P<plugin>[a-z0-9]+)_"
                    r"(?P<rest>.*)")

LAYOUTS = ("canvas", "moodle", "zips", "folders", "regex")
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")  # Gradescope's


@dataclass
class Submission:
    """One student's submission, as collect() found it."""
    student: str            # cleaned id: see clean_id()
    notebook: Path | None   # the student's notebook, None when there is none
    late: bool = False
    layout: str = ""        # one of LAYOUTS: how the export was read
    problem: str = ""       # why the submission cannot be read (e.g. an unsafe zip), if so


@dataclass
class _Found:
    """One student's files: {name as submitted, '/'-separated: path}, and lateness."""
    files: dict = field(default_factory=dict)
    late: bool = False
    problem: str = ""


# ---------------------------------------------------------------------------- collecting

def collect(name, submissions, dest, student_id=None):
    """{student: Submission}, sorted by student, for assignment ``name``.

    ``submissions``: a folder, or a zip file (unpacked under ``dest``; a zip holding one
    top-level folder is entered). ``dest``: an empty scratch folder; a student's zip is
    unpacked there too, so notebook paths point into ``submissions`` or ``dest``.
    ``student_id``: a regular expression with a group ``student`` (and optionally ``late``:
    late when it matches something), searched in each file's path relative to the
    submissions root (for a zip, the folder it unpacks to), '/'-separated; without it the
    layout is recognised from the top-level names. Each student's notebook is
    ``<name>.ipynb`` (the shallowest), else their only notebook, else None.
    """
    dest = Path(dest)
    root = _root(submissions, dest)
    if student_id is not None:
        layout, found = "regex", _by_regex(root, _pattern(student_id))
    else:
        layout = _layout(root)
        if layout == "canvas":
            found = _canvas(root)
        elif layout == "moodle":
            found = _moodle(root)
        else:
            found = _zips_and_folders(root, dest / "zips")
    return {s: _submission(name, s, f, dest / "nested", layout) for s, f in sorted(found.items())}


def clean_id(text):
    """``text`` as a safe id: runs outside [A-Za-z0-9_.-] become '-'; 'unnamed' if empty."""
    return STUDENT_ID.sub("-", text).strip("-.") or "unnamed"


def _root(submissions, dest):
    """The folder to look in: ``submissions``, or where its zip was unpacked."""
    submissions = Path(submissions)
    if submissions.is_dir():
        return submissions
    if not (submissions.is_file() and (submissions.suffix.lower() == ".zip"
                                       or zipfile.is_zipfile(submissions))):
        raise FileNotFoundError(f"{submissions} is neither a folder of submissions nor a zip file")
    unpacked = dest / "unpacked"
    _unzip(submissions, unpacked)
    entries = _entries(unpacked)
    # One folder: a wrapper to enter, unless it is the only student's Moodle folder.
    if len(entries) == 1 and entries[0].is_dir() and not MOODLE.fullmatch(entries[0].name):
        return entries[0]
    return unpacked


def _layout(root):
    """Which export ``root`` looks like, from its top-level names.

    Canvas when most top-level entries are Canvas-named files and not all of those are
    zips (a folder of per-student zips could be named so by chance).
    """
    entries = _entries(root)
    if any(MOODLE.fullmatch(e.name) for e in entries):
        return "moodle"
    canvas = [e for e in entries if e.is_file() and CANVAS.fullmatch(e.name)]
    if 2 * len(canvas) > len(entries) and any(not _is_zip(e.name) for e in canvas):
        return "canvas"
    if any(e.is_file() and _is_zip(e.name) for e in entries):
        return "zips"
    return "folders"


def _canvas(root):
    """Canvas's flat files grouped by user id (see CANVAS)."""
    found = {}
    for entry in _entries(root):
        if entry.is_file():
            student, late, original = _canvas_name(entry.name)
            one = found.setdefault(student, _Found())
            one.files[original] = entry
            one.late |= late
    return found


def _canvas_name(filename):
    """(student, late, name as uploaded) from a Canvas file name; for a name Canvas did not
    make, (the part before the first '_', False, the whole name)."""
    m = CANVAS.fullmatch(filename)
    if not m:
        return clean_id(PurePosixPath(filename).stem.split("_")[0]), False, filename
    return clean_id(m["user"]), bool(m["late"]), m["original"]


def _moodle(root):
    """Moodle's folders (or flattened files) grouped by participant id (see MOODLE)."""
    found = {}
    for entry in _entries(root):
        m = MOODLE.fullmatch(entry.name)
        if m:
            files = _files(entry) if entry.is_dir() else {m["rest"] or entry.name: entry}
            found.setdefault(clean_id(m["id"]), _Found()).files.update(files)
    return found


def _zips_and_folders(root, scratch):
    """A student per sub-folder, and per ``<student>_anything.zip``: the student's id is
    the zip's name before the first '_'; of several, the last in name order counts."""
    chosen = {}
    for entry in _entries(root):
        if entry.is_dir():
            chosen[clean_id(entry.name)] = entry
        elif _is_zip(entry.name):
            chosen[clean_id(entry.stem.split("_")[0])] = entry
    found = {}
    for student, entry in chosen.items():
        folder = entry
        if entry.is_file():
            folder = scratch / clean_id(entry.stem)
            try:
                _unzip(entry, folder)
            except ValueError as err:    # this student's zip only: the others are graded
                found[student] = _Found(problem=str(err))
                continue
        found[student] = _Found(_files(folder))
    return found


def _by_regex(root, pattern):
    """Every file whose relative path ``pattern`` matches, grouped by its ``student``."""
    found = {}
    for rel, path in _files(root).items():
        m = pattern.search(rel)
        if m and m["student"]:
            one = found.setdefault(clean_id(m["student"]), _Found())
            one.files[rel] = path
            one.late |= bool(m.groupdict().get("late"))
    return found


def _pattern(text):
    pattern = re.compile(text)
    if "student" not in pattern.groupindex:
        raise ValueError(f"student_id {text!r} has no (?P<student>...) group")
    return pattern


def _submission(name, student, found, scratch, layout):
    try:
        notebooks = _notebooks(found.files, scratch / student)
    except ValueError as err:            # an unsafe zip inside the student's upload
        found.problem = str(err)
        notebooks = {}
    if found.problem:
        return Submission(student, None, found.late, layout, found.problem)
    notebook = _choose(name, notebooks, numbered=layout == "canvas")
    return Submission(student, notebook, found.late, layout)


def _notebooks(files, scratch):
    """The notebooks among ``files``; when there are none, those in its zips (unpacked
    under ``scratch``), named '<zip's name>/<path inside>'."""
    found = {rel: p for rel, p in files.items() if rel.lower().endswith(".ipynb")}
    if found:
        return found
    for rel, path in files.items():
        if _is_zip(rel):
            inner = scratch / clean_id(rel)
            _unzip(path, inner)
            found.update({f"{rel}/{r}": p for r, p in _files(inner).items()
                          if r.lower().endswith(".ipynb")})
    return found


def _choose(name, notebooks, numbered=False):
    """Of {name as submitted: path}: ``<name>.ipynb`` (the shallowest), else the only
    notebook, else None. ``numbered``: ``<name>-N.ipynb`` counts too, the highest N first
    (Canvas's renaming of a file uploaded again)."""
    pattern = re.compile(re.escape(name) + (r"(?:-([0-9]+))?" if numbered else "()") + r"\.ipynb")
    ranked = []
    for rel, path in notebooks.items():
        m = pattern.fullmatch(PurePosixPath(rel).name)
        if m:
            ranked.append((rel.count("/"), -int(m.group(1) or 0), rel, path))
    if ranked:
        return min(ranked)[-1]
    return next(iter(notebooks.values())) if len(notebooks) == 1 else None


def _entries(folder):
    """The folder's entries in name order, without macOS debris and dot-files."""
    return [p for p in sorted(Path(folder).iterdir()) if not _ignored(p.name)]


def _files(folder):
    """{path relative to ``folder``, '/'-separated: path} of every file under it, leaving
    out macOS debris, dot-files and dot-folders (so .ipynb_checkpoints)."""
    folder = Path(folder)
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not _ignored(rel):
            found[rel] = path
    return found


def _ignored(rel):
    return any(part.startswith(".") or part == "__MACOSX" for part in PurePosixPath(rel).parts)


def _is_zip(filename):
    return filename.lower().endswith(".zip")


def _unzip(path, folder):
    """Unpack the zip at ``path`` into ``folder``; a corrupt (or encrypted) zip leaves it empty.

    Raises ValueError ("unsafe path") for a member named to land outside ``folder``.
    """
    folder = Path(folder)
    try:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.startswith(("/", "\\")) or ".." in PurePosixPath(
                        member.replace("\\", "/")).parts:
                    raise ValueError(f"{Path(path).name}: unsafe path {member!r} in the zip")
            zf.extractall(folder)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, zlib.error):
        folder.mkdir(parents=True, exist_ok=True)


# ------------------------------------------------------------------------------ exports

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def write_canvas_csv(path, results, max_points, assignment_title):
    """A CSV for Canvas's Gradebook > Import: one assignment column, ``assignment_title``.

    Canvas's importer (instructure/canvas-lms, GradebookImporter#header? and
    #process_student) wants the header Student, ID[, SIS User ID, SIS Login ID], Section,
    then one column per assignment; it finds each student by the ID column (Canvas's user
    id, what a Canvas download gives us) and reads an optional "Points Possible" row. Same
    columns as Canvas's own export; institutions' guides (e.g. Ohio State's "Import CSV File
    for Carmen Grades", teaching.resources.osu.edu) list Student/ID, SIS Login ID and Section.
    An id that is not a number (another layout's) goes in SIS Login ID instead. Students
    not graded (missing notebook, error) get an empty score, which the import leaves alone.
    """
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*CANVAS_COLUMNS, assignment_title])
        writer.writerow(["    Points Possible", "", "", "", "", _num(max_points)])
        for r in results:
            user_id, login = (r.student, "") if r.student.isdigit() else ("", r.student)
            score = _num(r.total) if r.status.startswith("graded") else ""
            writer.writerow(["", user_id, "", login, "", score])


def gradescope_results(result, max_points, visibility="after_due_date"):
    """One student's Gradescope autograder results.json, as a dict.

    Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (top-level
    score, output and tests; each test name, score, max_score, output, visibility, one of
    VISIBILITIES). A status other than "graded" is reported in the top-level output.
    """
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility {visibility!r}: expected one of {', '.join(VISIBILITIES)}")
    summary = f"{_num(result.total)} / {_num(max_points)} points from the autograder."
    if not result.status.startswith("graded"):
        summary = f"Not graded: {result.status}\n{summary}"
    elif result.status != "graded":
        summary = f"{summary}\n{result.status}"
    tests = [{"name": test_id, "score": round(float(score), 4), "max_score": float(top),
              "output": message or "", "visibility": visibility}
             for test_id, (score, top, message) in (getattr(result, "tests", None) or {}).items()]
    return {"score": round(float(result.total), 4), "output": summary, "tests": tests}


def write_gradescope_json(path, result, max_points, visibility="after_due_date"):
    """Write gradescope_results(...) to ``path`` (Gradescope reads
    /autograder/results/results.json)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(gradescope_results(result, max_points, visibility), indent=2) + "\n")


def _num(x):
    return f"{float(x):g}"
