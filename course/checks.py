"""Checks that explain a failure the way a tutor would.

Test cells call these instead of bare ``assert``s. A failed check raises
``AssertionError`` with a message that says what was expected, what came back,
where they first differ, and, when the wrong answer matches a known mistake,
what that mistake probably was.

The numerical work here uses NumPy functions captured when this module is
imported (the notebook's first cell imports it, before any student code runs),
so a solution cell that rebinds ``np.allclose`` or ``np.testing.*`` cannot make
a check pass.
"""
import numpy as _np

# Captured at import time: later rebinding of the numpy attributes does not reach these.
_asarray = _np.asarray
_abs = _np.abs
_isfinite = _np.isfinite
_isnan = _np.isnan
_argwhere = _np.argwhere
_ndarray = _np.ndarray
_max = _np.max
_float64 = _np.float64
_errstate = _np.errstate


def _fmt(value):
    """A short, readable form of a number or small array for messages."""
    arr = _asarray(value)
    if arr.ndim == 0:
        return f"{arr.item()!r}"
    text = _np.array2string(arr, precision=4, suppress_small=True, threshold=40)
    return text if "\n" not in text else "\n" + text


def _close_mask(actual, expected, rtol, atol):
    """Boolean array: where actual and expected agree (NaN equals NaN)."""
    a = _asarray(actual, dtype=_float64)
    e = _asarray(expected, dtype=_float64)
    with _errstate(invalid="ignore", over="ignore"):
        ok = _abs(a - e) <= atol + rtol * _abs(e)
    return ok | (_isnan(a) & _isnan(e)) | ((a == e) & ~_isfinite(e))


def is_close(actual, expected, rtol=1e-7, atol=0.0):
    """True when actual and expected have the same shape and every entry agrees.

    Inputs:
    - actual, expected: array-likes (anything NumPy can turn into numbers)
    - rtol, atol: |actual - expected| <= atol + rtol * |expected|, entry by entry
    Returns: bool
    """
    try:
        a, e = _asarray(actual, dtype=_float64), _asarray(expected, dtype=_float64)
    except (TypeError, ValueError):
        return False
    return a.shape == e.shape and bool(_close_mask(a, e, rtol, atol).all())


def check_type(actual, name="your result"):
    """Fail unless ``actual`` is a NumPy array (not a list, tensor or tf.Tensor)."""
    if isinstance(actual, _ndarray):
        return
    kind = type(actual).__module__ + "." + type(actual).__qualname__
    hint = ""
    if kind.startswith("torch"):
        hint = " Convert a tensor with .detach().numpy()."
    elif kind.startswith("tensorflow"):
        hint = " Convert a tf.Tensor with .numpy()."
    elif actual is None:
        hint = " Did you forget the return statement?"
    raise AssertionError(f"{name} should be a NumPy array, but it is a {kind}.{hint}")


def check_dtype(actual, dtype, name="your result"):
    """Fail unless the array's dtype is ``dtype``."""
    check_type(actual, name)
    want = _np.dtype(dtype)
    if actual.dtype == want:
        return
    if want.kind == "f":
        advice = (f"Convert the input first (for example x.astype(np.{want})) so that integer "
                  f"images such as uint8 do not wrap around or truncate.")
    else:
        advice = (f"Keep the input's dtype: create the result with dtype=x.dtype "
                  f"(np.zeros(shape, dtype=x.dtype)) instead of the default float64.")
    raise AssertionError(f"{name} should have dtype {want}, but it has dtype {actual.dtype}. "
                         + advice)


def check_shape(actual, expected_shape, formula=None, name="your result"):
    """Fail unless ``actual`` has ``expected_shape``; ``formula`` explains where it comes from."""
    shape = tuple(getattr(actual, "shape", _asarray(actual).shape))
    if shape == tuple(expected_shape):
        return
    why = f"\nThe expected shape comes from {formula}." if formula else ""
    raise AssertionError(
        f"{name} has shape {shape}, but the expected shape is {tuple(expected_shape)}.{why}")


def assert_close(actual, expected, rtol=1e-7, atol=0.0, name="your result",
                 hints=(), formula=None):
    """Fail with a tutor's explanation unless ``actual`` matches ``expected``.

    Inputs:
    - actual: what the student's code returned
    - expected: the right answer (array-like)
    - rtol, atol: tolerance, as in ``is_close``
    - hints: sequence of (message, wrong_answer) pairs; when ``actual`` matches a
      known wrong answer, its message is added to the failure
    - formula: text explaining the expected shape, shown on a shape mismatch
    """
    expected = _asarray(expected)
    check_shape(actual, expected.shape, formula=formula, name=name)
    if is_close(actual, expected, rtol, atol):
        return
    message = _first_difference(actual, expected, rtol, atol, name)
    for hint, wrong in hints:
        if is_close(actual, wrong, rtol, atol):
            message += f"\nHint: {hint}"
            break
    raise AssertionError(message)


def _first_difference(actual, expected, rtol, atol, name):
    try:
        bad = _argwhere(~_close_mask(actual, expected, rtol, atol))
    except (TypeError, ValueError):
        return f"{name} could not be compared with numbers: {actual!r}"
    index = tuple(int(i) for i in bad[0])
    a, e = _asarray(actual, dtype=_float64), _asarray(expected, dtype=_float64)
    where = f"at index {index}" if index else "in value"
    return (f"{name} differs from the expected values {where}: expected {_number(e[index])}, "
            f"got {_number(a[index])} ({len(bad)} of {e.size} entries differ; "
            f"tolerance |got - expected| <= {atol:g} + {rtol:g}*|expected|).\n"
            f"Expected: {_fmt(e)}\nGot:      {_fmt(a)}")


def _number(value):
    """A number as a student would write it: 2 rather than np.float64(2.0)."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def check_raises(fn, error, *args, why="", **kwargs):
    """Fail unless ``fn(*args, **kwargs)`` raises ``error`` (an exception class)."""
    try:
        result = fn(*args, **kwargs)
    except error:
        return
    except NotImplementedError:
        raise
    except Exception as other:  # a different exception is a wrong answer, with its name
        raise AssertionError(
            f"{fn.__name__} should raise {error.__name__} here{why}, but it raised "
            f"{type(other).__name__}: {other}") from None
    raise AssertionError(
        f"{fn.__name__} should raise {error.__name__} here{why}, but it returned "
        f"{_fmt(result) if result is not None else 'None'}.")
