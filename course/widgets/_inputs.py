"""Input checks shared by the explorers in ``course.widgets``.

Each explorer words its own error messages; these helpers take the varying
parts (the argument's name, the shape described, a reason) as arguments so
that every message stays exactly as the explorer wrote it.
"""

import numpy as np


def is_int(value):
    """True for Python and numpy integers (not bools).

    Inputs: any value.  Returns: bool.
    """
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def real_matrix(a, name, layout="height x width", finite=False, why=""):
    """Return ``a`` as a non-empty 2-D float64 array of real numbers, or raise ValueError.

    Inputs: ``a`` (array-like; bools count as 0/1, any integer or float
    dtype; float64 holds every uint8 sum and product exactly, so nothing
    wraps around), ``name`` (how the messages call it), ``layout`` (the
    axes named in the 2-D message), ``finite`` (also reject NaN and inf)
    and ``why`` (text appended to the NaN/inf message).
    Returns: the float64 array.
    """
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(int)
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array ({layout}), got {a.ndim}-D "
                         f"with shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    a = a.astype(np.float64)
    if finite and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must hold finite numbers (no NaN or inf){why}")
    return a
