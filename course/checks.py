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
import sys as _sys

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
_array2string = _np.array2string

# When a list, every hint a check offers is appended to it as (message, wrong answers offered
# alongside it by the same call). The test suite uses this to prove that every hint is
# reachable; in a notebook it stays None.
hint_log = None


def _fmt(value, precision=4):
    """A short, readable form of a number or small array for messages.

    Whole numbers are written as integers (2, not 2.0), so that an answer that should be
    an int is not shown as a float.
    """
    arr = _asarray(value)
    if arr.dtype.kind == "f" and arr.size and bool(_isfinite(arr).all()) \
            and bool((arr == arr.round()).all()) and float(_max(_abs(arr))) < 1e15:
        arr = arr.astype(_np.int64)
    if arr.ndim == 0:
        return _number(arr.item()) if arr.dtype.kind in "fiu" else f"{arr.item()!r}"
    text = _array2string(arr, precision=precision, suppress_small=True, threshold=40)
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
    - hints: sequence of (message, wrong) pairs, where ``wrong`` is the answer a known
      mistake gives (array-like) or a function ``wrong(actual) -> bool`` that recognises it;
      the message of the first one that matches ``actual`` is added to the failure
    - formula: text explaining the expected shape, shown on a shape mismatch
    """
    expected = _asarray(expected)
    _log_hints(hints, expected)
    check_shape(actual, expected.shape, formula=formula, name=name)
    if is_close(actual, expected, rtol, atol):
        return
    message = _first_difference(actual, expected, rtol, atol, name)
    for hint, wrong in hints:
        if _matches(actual, wrong, rtol, atol):
            message += f"\nHint: {hint}"
            break
    raise AssertionError(message)


def _matches(actual, wrong, rtol, atol):
    """Does ``actual`` look like the known wrong answer (a value or a recogniser)?"""
    if callable(wrong):
        try:
            return bool(wrong(actual))
        except Exception:  # noqa: BLE001 - a recogniser that cannot judge says no
            return False
    return is_close(actual, wrong, rtol, atol)


def _log_hints(hints, expected):
    if hint_log is not None:
        values = [w for _, w in hints if not callable(w)]
        for message, _ in hints:
            hint_log.append((message, expected, values))


def _first_difference(actual, expected, rtol, atol, name):
    try:
        bad = _argwhere(~_close_mask(actual, expected, rtol, atol))
    except (TypeError, ValueError):
        return f"{name} could not be compared with numbers: {actual!r}"
    index = tuple(int(i) for i in bad[0])
    a, e = _asarray(actual, dtype=_float64), _asarray(expected, dtype=_float64)
    where = f"at index {index}" if index else "in value"
    message = (f"{name} differs from the expected values {where}: expected {_number(e[index])}, "
               f"got {_number(a[index])} ({len(bad)} of {e.size} entries differ; "
               f"tolerance |got - expected| <= {atol:g} + {rtol:g}*|expected|).")
    precision = 4
    if _fmt(a) == _fmt(e):  # the difference hides below the printed digits: show more
        precision = 17
    message += f"\nExpected: {_fmt(e, precision)}\nGot:      {_fmt(a, precision)}"
    return message + _precision_note(actual, a, e)


def _precision_note(actual, a, e):
    """Explain a small difference that comes from computing in a lower precision."""
    kind = getattr(actual, "dtype", None)
    with _errstate(invalid="ignore", over="ignore"):
        largest = float(_max(_abs(a - e))) if a.size else 0.0
        scale = float(_max(_abs(e))) if e.size else 0.0
    if not _isfinite(largest):
        return ""
    if kind is not None and kind.kind == "f" and kind.itemsize < 8:
        return (f"\nYour result has dtype {kind}; the largest difference is {largest:.3g}. "
                f"That is {kind} rounding: compute in float64 (e.g. tensors or arrays made with "
                f"dtype float64) to match.")
    if largest <= 1e-5 * max(scale, 1.0):
        return (f"\nThe largest difference is only {largest:.3g}: the numbers print alike but "
                f"are not equal within the tolerance; look for a lower-precision step "
                f"(float32) on the way.")
    return ""


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


def call(fn, *args, name=None, hints=(), **kwargs):
    """``fn(*args, **kwargs)``, turning an exception into a failure that explains it.

    Inputs:
    - fn: the student's function; args, kwargs: its arguments
    - name: how to call the call in the message (default: fn's name with "(...)")
    - hints: sequence of (message, error) pairs, where ``error`` is an exception class or a
      function ``error(exception) -> bool``; the first that matches adds its message
    Returns: what fn returns. NotImplementedError passes through unchanged.
    """
    name = name or f"{getattr(fn, '__name__', 'the function')}(...)"
    _log_hints(hints, None)
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001 - a student's function may raise anything
        text = str(err).strip().splitlines()
        first = text[0][:300] if text else ""
        message = f"{name} raised {type(err).__name__}: {first}"
        for hint, error in hints:
            matched = isinstance(err, error) if isinstance(error, type) else _matches(err, error, 0, 0)
            if matched:
                message += f"\nHint: {hint}"
                break
        raise AssertionError(message) from None


def graded_later(what):
    """Say, in a test cell with no visible checks, that its checks run at grading time.

    Inputs:
    - what: what the hidden checks try, e.g. "uint8 images, negative and large values"
    """
    print(f"This cell has no visible checks. Its hidden checks ({what}) run when your work is "
          f"graded; passing here tells you nothing yet, so test those cases yourself.")


def python_lines(fn, *args, **kwargs):
    """How many lines of Python from ``fn``'s own cell run during ``fn(*args, **kwargs)``.

    Counts the line events of every frame whose code comes from the same file (in a notebook,
    the same cell) as ``fn``, comprehensions and helper functions of that cell included; NumPy,
    PyTorch and TensorFlow code is not counted. A loop over pixels runs thousands of lines, a
    vectorised function a few dozen: the count tells them apart without timing anything.
    Returns an int. Exceptions from ``fn`` propagate.
    """
    home, count = fn.__code__.co_filename, [0]

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != home:
            return None
        count[0] += event == "line"
        return tracer

    previous = _sys.gettrace()
    _sys.settrace(tracer)
    try:
        fn(*args, **kwargs)
    finally:
        _sys.settrace(previous)
    return count[0]
