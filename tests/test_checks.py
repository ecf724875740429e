"""The student-facing checks explain failures like a tutor, and cannot be fooled by rebinding."""
import numpy as np
import pytest

from course import checks


def message(fn, *args, **kwargs):
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_shape_mismatch_names_both_shapes_and_the_formula():
    text = message(checks.assert_close, np.zeros((3, 3)), np.zeros((2, 2)),
                   formula="(H - kh + 1, W - kw + 1) = (3 - 2 + 1, 3 - 2 + 1)")
    assert "(3, 3)" in text and "(2, 2)" in text
    assert "(H - kh + 1, W - kw + 1)" in text


def test_value_mismatch_gives_first_differing_index_and_both_values():
    expected = np.array([[19.0, 25.0], [37.0, 43.0]])
    got = expected.copy()
    got[1, 0] = 36.0
    text = message(checks.assert_close, got, expected)
    assert "(1, 0)" in text and "expected 37, got 36" in text
    assert "1 of 4 entries differ" in text


def test_known_mistake_adds_its_hint():
    expected = np.array([[19.0, 25.0], [37.0, 43.0]])
    flipped = np.array([[5.0, 11.0], [23.0, 29.0]])
    text = message(checks.assert_close, flipped, expected,
                   hints=[("did you flip the kernel?", flipped)])
    assert "Hint: did you flip the kernel?" in text
    other = message(checks.assert_close, flipped + 1, expected,
                    hints=[("did you flip the kernel?", flipped)])
    assert "Hint" not in other


def test_type_and_dtype_messages_say_how_to_fix():
    import torch
    assert ".detach().numpy()" in message(checks.check_type, torch.zeros(2))
    assert "return statement" in message(checks.check_type, None)
    assert "float64" in message(checks.check_dtype, np.zeros(2, np.uint8), np.float64)


def test_check_raises_reports_what_happened_instead():
    def quiet(x):
        return x
    assert "returned" in message(checks.check_raises, quiet, ValueError, 3)

    def loud(x):
        raise TypeError("nope")
    assert "raised TypeError: nope" in message(checks.check_raises, loud, ValueError, 3)
    checks.check_raises(lambda: int("x"), ValueError)


def test_not_implemented_error_passes_through_unchanged():
    def todo(x):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        checks.check_raises(todo, ValueError, 1)


def test_nan_equals_nan_but_not_a_number():
    checks.assert_close([np.nan, 1.0], [np.nan, 1.0])
    assert not checks.is_close([0.0], [np.nan])
    assert not checks.is_close("abc", [1.0])


@pytest.mark.parametrize("target", ["allclose", "array_equal", "isclose"])
def test_rebinding_numpy_comparisons_does_not_make_checks_pass(monkeypatch, target):
    monkeypatch.setattr(np, target, lambda *a, **k: True)
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(np.testing, "assert_array_equal", lambda *a, **k: None)
    with pytest.raises(AssertionError):
        checks.assert_close(np.ones(3), np.zeros(3))
    assert not checks.is_close(np.ones(3), np.zeros(3))


def test_dtype_advice_depends_on_the_expected_dtype():
    assert "astype(np.float64)" in message(checks.check_dtype, np.zeros(2, np.uint8), np.float64)
    assert "dtype=x.dtype" in message(checks.check_dtype, np.zeros(2), np.uint8)


def test_python_lines_tells_a_loop_from_a_vectorised_function():
    def looped(x):
        total = 0.0
        for value in x.ravel():
            total += value
        return total

    def vectorised(x):
        return x.sum()

    x = np.ones((20, 20))
    assert checks.python_lines(vectorised, x) == 1
    assert checks.python_lines(looped, x) > 800
    assert checks.python_lines(lambda v: [float(e) for e in v], np.ones(50)) > 50  # comprehensions count
