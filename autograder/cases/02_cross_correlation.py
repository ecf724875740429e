"""Inputs for chapter 02's hidden tests, and the demo's sample submissions.

`course build 02_cross_correlation` runs the source notebook's solutions on these
inputs and stores the outputs in autograder/references/02_cross_correlation.json.
A case id starts with its group (shape, dtype, value, error): hidden test cells
check one group at a time, so a student sees which kind of input goes wrong.
"""
import numpy as np

from course.reference import Case


def _inputs():
    rng = np.random.default_rng(2024)
    normal = lambda *shape: rng.normal(size=shape)  # noqa: E731
    pixels = rng.integers(0, 256, size=(6, 7), dtype=np.uint8)
    bright = rng.integers(200, 256, size=(5, 5), dtype=np.uint8)
    return [
        ("shape: 5×7 input, 2×3 kernel", normal(5, 7), normal(2, 3)),
        ("shape: 7×5 input, 3×1 kernel", normal(7, 5), normal(3, 1)),
        ("shape: 1×1 kernel", normal(4, 6), np.array([[-2.5]])),
        ("shape: kernel as large as the input (4×5)", normal(4, 5), normal(4, 5)),
        ("shape: one-row image, 1×2 kernel", normal(1, 6), normal(1, 2)),
        ("shape: 4×1 kernel on a 4×3 input", normal(4, 3), normal(4, 1)),
        ("dtype: uint8 image, 3×3 float kernel", pixels, normal(3, 3)),
        ("dtype: uint8 image with values ≥ 200, integer kernel", bright,
         np.array([[3, 2], [1, 4]], dtype=np.int64)),
        ("dtype: uint8 image and uint8 kernel (products exceed 255)", bright,
         np.full((2, 2), 3, dtype=np.uint8)),
        ("dtype: int32 image, negative integer kernel", rng.integers(-50, 50, (6, 5)).astype(np.int32),
         np.array([[-1, -2, -3]], dtype=np.int32)),
        ("dtype: float32 image", normal(5, 5).astype(np.float32), normal(2, 2)),
        ("value: negative values", -np.abs(normal(6, 6)) * 10, -np.abs(normal(3, 2))),
        ("value: large values (1e6)", normal(5, 6) * 1e6, normal(2, 2) * 1e6),
        ("value: asymmetric kernel on a 9×11 input", normal(9, 11), normal(4, 2)),
    ]


def _errors():
    return [
        ("error: kernel taller than the input", np.ones((3, 5)), np.ones((4, 2))),
        ("error: kernel wider than the input", np.ones((5, 3)), np.ones((2, 4))),
        ("error: kernel larger in both directions", np.ones((2, 2)), np.ones((3, 3))),
    ]


def cases():
    """{function name: [Case, ...]} for the hidden tests."""
    exact = [Case(cid, (x, k), dtype="float64") for cid, x, k in _inputs()]
    errors = [Case(cid, (x, k), raises="ValueError") for cid, x, k in _errors()]
    framework = [Case(cid, (x, k), dtype="float64") for cid, x, k in _inputs()]
    return {
        "corr2d": exact + errors,
        "conv2d": exact + errors,
        "corr2d_torch": framework,
        "corr2d_tf": framework,
    }


# Sample submissions graded by `course demo`: "all" exercises right, a list of the
# exercises done (the rest untouched), or {exercise: code} plausible mistakes.
SAMPLES = {
    "ada-complete": "all",
    "ben-partial": ["corr2d", "conv2d", "vertical_edge_kernel", "symmetric_kernels"],
    "cy-untouched": [],
    "dee-plausible-mistakes": {
        "corr2d": '''def corr2d(x, k):
    kh, kw = k.shape
    out = np.zeros_like(x[: x.shape[0] - kh + 1, : x.shape[1] - kw + 1])
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "conv2d": '''def conv2d(x, k):
    return corr2d(x, k.T)''',
        "symmetric_kernels": '''symmetric_kernels = {"A", "B", "F"}''',
    },
}
