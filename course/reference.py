"""Reference cases: inputs and the reference solution's outputs, stored as JSON.

``autograder/cases/<assignment>.py`` lists the inputs (a ``cases()`` function
returning ``{function_name: [Case, ...]}``). ``course build`` runs the source
notebook's solutions on them and writes ``autograder/references/<assignment>.json``,
which hidden tests read through ``check_cases``. The JSON is plain text so that a
change in a reference shows up in a diff.
"""
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course import checks

ROOT = Path(__file__).resolve().parents[1]


def references_dir():
    """Folder with the reference JSON files (env COURSE_REFERENCES overrides)."""
    return Path(os.environ.get("COURSE_REFERENCES", ROOT / "autograder" / "references"))


@dataclass
class Case:
    """One call of a graded function.

    - id: short description shown to the student when this case fails
    - args, kwargs: the call's arguments (arrays, numbers, strings, tuples)
    - raises: name of the exception the call must raise (then there is no expected value)
    - expected: filled in by ``course build`` from the reference solution
    - rtol, atol: tolerance for the comparison; atol is scaled by max(1, max |expected|)
    - dtype: when set, the result must have exactly this dtype
    """
    id: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    raises: str = None
    expected: object = None
    rtol: float = 1e-9
    atol: float = 1e-9
    dtype: str = None


def encode(value):
    """Turn arrays, tuples and numbers into JSON-ready values (inverse: ``decode``)."""
    if isinstance(value, np.ndarray):
        return {"ndarray": value.ravel().tolist(), "dtype": str(value.dtype),
                "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"dict": {k: encode(v) for k, v in value.items()}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in a reference file")


def decode(value):
    """Inverse of ``encode``."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "ndarray" in value:
        return np.array(value["ndarray"], dtype=value["dtype"]).reshape(value["shape"])
    if "tuple" in value:
        return tuple(decode(v) for v in value["tuple"])
    return {k: decode(v) for k, v in value["dict"].items()}


def dumps(cases_by_function):
    """JSON text for ``{function: [Case, ...]}``; deterministic for the same values."""
    data = {name: [{key: encode(getattr(case, key)) for key in Case.__dataclass_fields__}
                   for case in cases]
            for name, cases in sorted(cases_by_function.items())}
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def loads(text):
    """Inverse of ``dumps``."""
    return {name: [Case(**{k: decode(v) for k, v in case.items()}) for case in cases]
            for name, cases in json.loads(text).items()}


def load(assignment):
    """The stored cases of one assignment: ``{function_name: [Case, ...]}``."""
    path = references_dir() / f"{assignment}.json"
    if not path.exists():
        raise FileNotFoundError(
            f"no reference outputs at {path}: run `course build {assignment}` first")
    return loads(path.read_text())


def run_case(fn, case):
    """Call ``fn`` on one case; return None if it behaves, else a message saying why not."""
    args = [a.copy() if isinstance(a, np.ndarray) else a for a in case.args]
    if case.raises:
        try:
            got = fn(*args, **case.kwargs)
        except NotImplementedError:
            raise
        except Exception as err:
            if type(err).__name__ == case.raises:
                return None
            return f"raised {type(err).__name__} ({err}), expected {case.raises}"
        return f"returned {checks._fmt(got)} instead of raising {case.raises}"
    try:
        got = fn(*args, **case.kwargs)
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 - the student's code may raise anything
        return f"raised {type(err).__name__} ({err}) where a result was expected"
    return _compare(got, case)


def _compare(got, case):
    return _difference(got, case.expected, case)


def _difference(got, expected, case):
    """None if ``got`` is the expected answer, else why not.

    Arrays are compared within the case's tolerance (and dtype, if set); a tuple or list may
    come back as either and is compared entry by entry; numbers and other values exactly.
    """
    if isinstance(expected, np.ndarray):
        try:
            checks.check_type(got)
            if case.dtype:
                checks.check_dtype(got, case.dtype)
            scale = max(1.0, float(checks._max(checks._abs(expected)))) if expected.size else 1.0
            checks.assert_close(got, expected, rtol=case.rtol, atol=case.atol * scale)
        except AssertionError as err:
            return str(err)
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"returned {checks._fmt(got)}, expected {len(expected)} values: {expected!r}"
        for index, (g, e) in enumerate(zip(got, expected)):
            problem = _difference(g, e, case)
            if problem:
                return (f"entry {index} of the result: {problem}" if isinstance(e, np.ndarray)
                        else f"returned {got!r}, expected {expected!r}")
        return None
    return None if _same_scalar(got, expected, case) else f"returned {got!r}, expected {expected!r}"


def _same_scalar(got, expected, case):
    if isinstance(expected, bool) or not isinstance(expected, (int, float)):
        return type(got) is type(expected) and got == expected
    if isinstance(expected, int):  # an integer answer must be an integer, not 4.0
        return isinstance(got, (int, np.integer)) and not isinstance(got, bool) \
            and got == expected
    return isinstance(got, (int, float, np.number)) and checks.is_close(
        got, expected, case.rtol, case.atol)


def check_cases(fn, assignment, function_name=None, group=None, show=3):
    """Run every stored case of ``function_name`` through ``fn``; fail listing what went wrong.

    Inputs:
    - fn: the student's function
    - assignment: e.g. "02_cross_correlation"
    - function_name: key in the reference file (default: fn.__name__)
    - group: only the cases whose id starts with this word (e.g. "shape", "error")
    - show: how many failing cases to describe in the message
    Returns: None (a test cell whose last value is a number would be read by nbgrader
    as partial credit)
    """
    name = function_name or fn.__name__
    cases = [case for case in load(assignment).get(name, [])
             if group is None or case.id.startswith(group)]
    if not cases:
        raise KeyError(f"no reference cases for {name!r} (group {group!r}) in {assignment}")
    failures = []
    for case in cases:
        problem = run_case(fn, case)
        if problem:
            failures.append(f"- {case.id}: {problem}")
    if failures:
        raise AssertionError(
            f"{name} fails {len(failures)} of {len(cases)} checks. The first ones:\n"
            + "\n".join(failures[:show]))
