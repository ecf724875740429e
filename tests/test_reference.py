"""Reference files: a lossless JSON round trip, and check_cases judging right from wrong."""
import numpy as np
import pytest

from course import reference
from course.reference import Case


def test_round_trip_keeps_dtype_shape_and_types():
    cases = {"f": [Case("value: mixed", (np.arange(6, dtype=np.uint8).reshape(2, 3), 3, "same",
                                         ((1, 2), (0, 1))), {"stride": (2, 1)},
                        expected=np.linspace(0, 1, 4).reshape(2, 2), dtype="float64")]}
    back = reference.loads(reference.dumps(cases))["f"][0]
    x, n, mode, pad = back.args
    assert x.dtype == np.uint8 and x.shape == (2, 3) and n == 3 and mode == "same"
    assert pad == ((1, 2), (0, 1)) and back.kwargs == {"stride": (2, 1)}
    assert back.expected.tobytes() == cases["f"][0].expected.tobytes()
    assert reference.dumps(cases) == reference.dumps(reference.loads(reference.dumps(cases)))


@pytest.fixture
def stored(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_REFERENCES", str(tmp_path))
    cases = {
        "double": [Case("value: ints", (np.arange(4.0),), expected=np.arange(4.0) * 2,
                        dtype="float64"),
                   Case("error: negative", (np.array([-1.0]),), raises="ValueError")],
        "size": [Case("value: size", (5,), expected=3)],
    }
    (tmp_path / "demo.json").write_text(reference.dumps(cases))
    return "demo"


def double(x):
    x = np.asarray(x, dtype=np.float64)
    if (x < 0).any():
        raise ValueError("negative")
    return 2 * x


def test_right_answer_passes(stored):
    reference.check_cases(double, stored)
    reference.check_cases(lambda n: n - 2, stored, "size")


def test_wrong_answer_is_described_by_case(stored):
    with pytest.raises(AssertionError, match=r"(?s)fails 1 of 2 checks.*value: ints"):
        reference.check_cases(lambda x: 3 * np.asarray(x, float) if (np.asarray(x) >= 0).all()
                              else double(x), stored, "double")


def test_missing_error_and_wrong_error_are_caught(stored):
    with pytest.raises(AssertionError, match="instead of raising ValueError"):
        reference.check_cases(lambda x: 2 * np.asarray(x, float), stored, "double", group="error")
    with pytest.raises(AssertionError, match="raised KeyError"):
        reference.check_cases(lambda x: {}["k"], stored, "double", group="error")


def test_integer_answer_must_be_an_integer(stored):
    with pytest.raises(AssertionError, match="returned 3.0"):
        reference.check_cases(lambda n: (n - 2) * 1.0, stored, "size")
    reference.check_cases(lambda n: np.int64(n - 2), stored, "size")


def test_wrong_dtype_fails(stored):
    with pytest.raises(AssertionError, match="dtype float64"):
        reference.check_cases(lambda x: (2 * np.asarray(x)).astype(np.float32), stored, "double",
                              group="value")


def test_check_cases_returns_none_so_nbgrader_sees_no_partial_credit(stored):
    assert reference.check_cases(double, stored) is None


def test_missing_reference_file_says_how_to_make_it(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_REFERENCES", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="course build nothing"):
        reference.load("nothing")


def test_an_unexpected_exception_is_reported_per_case(stored):
    def eager(x):
        raise ValueError("too eager")
    with pytest.raises(AssertionError, match=r"value: ints: raised ValueError \(too eager\) where a result"):
        reference.check_cases(eager, stored, "double", group="value")


def test_nested_answers_are_compared_entry_by_entry():
    """Tuples of arrays (a backward pass's (dx, dw, db)) and lists of tuples (receptive fields)."""
    grads = Case("grads", expected=(np.ones((2, 2)), np.zeros(3), np.array([1.5])), rtol=1e-8, atol=0)
    assert reference._compare((np.ones((2, 2)), np.zeros(3), np.array([1.5])), grads) is None
    wrong = reference._compare((np.ones((2, 2)), np.ones(3), np.array([1.5])), grads)
    assert wrong.startswith("entry 1 of the result:") and "differs" in wrong
    assert "expected 3 values" in reference._compare((np.ones((2, 2)),), grads)
    fields = Case("fields", expected=[(3, 1, 0), (4, 2, -1)])
    assert reference._compare([[3, 1, 0], (4, 2, -1)], fields) is None      # list or tuple, either
    assert reference._compare([(3, 1, 0), (4.0, 2, -1)], fields) is not None  # 4.0 is not an int
