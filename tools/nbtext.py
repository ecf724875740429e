"""Round-trip a course notebook to a plain-text form that is easy to edit and review.

    python tools/nbtext.py dump source/02_cross_correlation/02_cross_correlation.ipynb > /tmp/ch02.txt
    python tools/nbtext.py load /tmp/ch02.txt source/02_cross_correlation/02_cross_correlation.ipynb

The .ipynb in source/ stays the single source of truth; the text form is a scratch copy.
Cells start with a header line:

    # %% [markdown]
    # %% [code]                                  plain, editable code cell
    # %% [locked] id=setup                       read-only cell (nbgrader locked)
    # %% [solution] id=corr2d                    the student's answer cell
    # %% [test] id=test_corr2d_shape points=2    autograded test cell
"""
import json
import re
import sys

HEADER = re.compile(r"^# %% \[(\w+)\](.*)$")
KINDS = {
    "locked": dict(grade=False, solution=False, locked=True),
    "solution": dict(grade=False, solution=True, locked=False),
    "test": dict(grade=True, solution=False, locked=True),
}


def _nbgrader_meta(kind, attrs):
    meta = dict(KINDS[kind], grade_id=attrs["id"], schema_version=3, task=False)
    if kind == "test":
        meta["points"] = float(attrs["points"])
    return {key: meta[key] for key in sorted(meta)}


def _cell(kind, attrs, lines, index):
    text = "\n".join(lines).strip("\n")
    cell_id = attrs.get("id", f"{kind}-{index}")
    if kind == "markdown":
        return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}
    meta = {} if kind == "code" else {"nbgrader": _nbgrader_meta(kind, attrs)}
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": meta,
            "outputs": [], "source": text}


def load(text):
    cells, kind, attrs, lines = [], None, {}, []
    for line in text.splitlines():
        match = HEADER.match(line)
        if match:
            if kind:
                cells.append(_cell(kind, attrs, lines, len(cells)))
            kind, lines = match.group(1), []
            attrs = dict(a.split("=", 1) for a in match.group(2).split())
            if kind not in ("markdown", "code", *KINDS):
                raise ValueError(f"unknown cell kind {kind!r} in {line!r}")
        elif kind:
            lines.append(line)
    if kind:
        cells.append(_cell(kind, attrs, lines, len(cells)))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                           "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def dump(nb):
    out = []
    for cell in nb["cells"]:
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        meta = cell.get("metadata", {}).get("nbgrader")
        if cell["cell_type"] == "markdown":
            header = "# %% [markdown]"
        elif not meta:
            header = "# %% [code]"
        else:
            kind = "test" if meta.get("grade") else "solution" if meta.get("solution") else "locked"
            header = f"# %% [{kind}] id={meta['grade_id']}"
            if kind == "test":
                header += f" points={meta['points']:g}"
        out += [header, src, ""]
    return "\n".join(out)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) >= 2 and argv[0] == "dump":
        sys.stdout.write(dump(json.load(open(argv[1]))))
    elif len(argv) == 3 and argv[0] == "load":
        nb = load(open(argv[1]).read())
        with open(argv[2], "w") as f:
            json.dump(nb, f, indent=1, ensure_ascii=False)
            f.write("\n")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
