"""Inputs for chapter 03's hidden tests, and the demo's sample submissions.

`course build 03_padding_stride` runs the source notebook's solutions on these
inputs and stores the outputs in autograder/references/03_padding_stride.json.
A case id starts with its group (shape, value, dtype, dilation, error, edge,
stride, padding, same, valid): hidden test cells check one group at a time, so a
student sees which kind of input goes wrong.

Besides these stored outputs, the hidden tests compare the student's functions
directly with PyTorch and TensorFlow (F.conv2d output sizes, tf.nn.conv2d with
'SAME', 'VALID' and explicit padding, dilation), so the references are
cross-checked against the frameworks at every grading run.
"""
import numpy as np

from course.reference import Case


def _rng():
    return np.random.default_rng(2025)


def _pad2d_cases():
    rng = _rng()
    normal = lambda *shape: rng.normal(size=shape)  # noqa: E731
    return [
        Case("shape: int padding 2 on a 3×4 image", (normal(3, 4), 2)),
        Case("shape: padding 0 gives an equal copy", (normal(2, 5), 0)),
        Case("shape: ((0, 3), (2, 0)) on a 4×2 image", (normal(4, 2), ((0, 3), (2, 0)))),
        Case("shape: one-row image, padding 1", (normal(1, 4), 1)),
        Case("value: ((1, 2), (3, 0)) on a 4×5 image", (normal(4, 5), ((1, 2), (3, 0)))),
        Case("value: negative values, ((2, 0), (0, 1))", (-np.abs(normal(3, 3)) * 7, ((2, 0), (0, 1)))),
        Case("value: ((0, 0), (1, 1)) pads the columns only", (normal(3, 2), ((0, 0), (1, 1)))),
        Case("dtype: uint8 image, padding 1",
             (rng.integers(0, 256, size=(4, 4), dtype=np.uint8), 1), dtype="uint8"),
        Case("dtype: int32 image, ((1, 0), (0, 2))",
             (rng.integers(-50, 50, size=(3, 5)).astype(np.int32), ((1, 0), (0, 2))), dtype="int32"),
        Case("dtype: float32 image, padding 2", (normal(2, 3).astype(np.float32), 2),
             dtype="float32"),
    ]


def _conv_output_size_cases():
    value = [  # (n, f, p, s, d)
        (32, 4, 0, 2, 1), (4, 3, 1, 1, 1), (7, 3, 0, 3, 1), (7, 3, 1, 3, 1), (6, 3, 0, 2, 1),
        (28, 5, 2, 1, 1), (224, 7, 3, 2, 1), (227, 11, 0, 4, 1), (5, 5, 0, 1, 1),
        (3, 5, 1, 1, 1), (2, 3, 1, 2, 1), (1, 1, 0, 1, 1), (9, 2, 0, 4, 1), (10, 1, 0, 3, 1),
        (20, 4, 0, 3, 1), (10, 4, 0, 3, 1), (20, 4, 0, 5, 1), (10, 4, 0, 5, 1), (8, 3, 0, 2, 1),
    ]
    dilation = [
        (7, 3, 0, 1, 2), (10, 3, 0, 1, 3), (28, 3, 2, 1, 2), (15, 3, 0, 2, 2), (16, 5, 4, 1, 2),
        (12, 2, 0, 1, 4), (9, 3, 1, 3, 2), (5, 3, 0, 1, 2), (6, 2, 1, 2, 5),
    ]
    error = [
        (2, 3, 0, 1, 1), (2, 3, 0, 2, 1), (5, 3, 0, 1, 3), (1, 2, 0, 1, 1), (4, 7, 1, 1, 1),
        (3, 2, 0, 1, 3), (4, 9, 2, 3, 1),
    ]
    out = [Case(f"value: n={n}, f={f}, p={p}, s={s}, d={d}", (n, f, p, s, d))
           for n, f, p, s, d in value]
    out += [Case(f"dilation: n={n}, f={f}, p={p}, s={s}, d={d}", (n, f, p, s, d))
            for n, f, p, s, d in dilation]
    out += [Case(f"error: n={n}, f={f}, p={p}, s={s}, d={d} (no valid position)",
                 (n, f, p, s, d), raises="ValueError") for n, f, p, s, d in error]
    return out


def _same_padding_cases():
    value = [  # (n, f, s): the (20, 10) table, then common layer settings
        (20, 4, 1), (20, 4, 2), (20, 4, 3), (20, 4, 4), (10, 4, 1), (10, 4, 2), (10, 4, 3),
        (10, 4, 4), (6, 3, 2), (5, 3, 1), (4, 4, 1), (7, 3, 2), (8, 3, 2), (28, 5, 1),
        (224, 7, 2), (13, 5, 5),
    ]
    edge = [  # the max(., 0), 1×1 kernels, kernels larger than the input, large strides
        (6, 1, 3), (9, 2, 5), (7, 1, 2), (5, 2, 3), (6, 2, 4), (1, 3, 1), (3, 5, 2),
        (2, 6, 1), (1, 1, 1), (11, 3, 4), (12, 6, 5),
    ]
    out = [Case(f"value: n={n}, f={f}, s={s}", (n, f, s)) for n, f, s in value]
    out += [Case(f"edge: n={n}, f={f}, s={s}", (n, f, s)) for n, f, s in edge]
    return out


def _strided_corr2d_cases():
    rng = _rng()
    normal = lambda *shape: rng.normal(size=shape)  # noqa: E731
    table = np.arange(1.0, 201.0).reshape(20, 10)
    k4 = normal(4, 4)
    cases = [
        Case("stride: 2 on a 7×7 input, 3×3 kernel", (normal(7, 7), normal(3, 3), 2)),
        Case("stride: 3 drops the last column of a 7×7 input", (normal(7, 7), normal(3, 3), 3)),
        Case("stride: (2, 1) on a 6×9 input, 2×3 kernel", (normal(6, 9), normal(2, 3), (2, 1))),
        Case("stride: (1, 3) on an 8×10 input, 3×2 kernel", (normal(8, 10), normal(3, 2), (1, 3))),
        Case("stride: 4, larger than the 2×2 kernel, on 9×9", (normal(9, 9), normal(2, 2), 4)),
        Case("padding: 1 keeps a 5×6 input's size with a 3×3 kernel",
             (normal(5, 6), normal(3, 3), 1, 1)),
        Case("padding: 2 with stride 2 on a 7×5 input, 4×4 kernel",
             (normal(7, 5), normal(4, 4), 2, 2)),
        Case("padding: ((1, 0), (0, 2)) with stride 2 on a 6×6 input",
             (normal(6, 6), normal(3, 3), 2, ((1, 0), (0, 2)))),
        Case("padding: ((0, 3), (2, 1)) with stride (2, 3) on a 5×7 input",
             (normal(5, 7), normal(2, 3), (2, 3), ((0, 3), (2, 1)))),
        Case("padding: 1 makes a 3×3 kernel fit a 2×2 image", (normal(2, 2), normal(3, 3), 1, 1)),
        Case("dtype: uint8 image with values ≥ 200, stride 2, padding 1",
             (rng.integers(200, 256, size=(6, 6), dtype=np.uint8),
              np.array([[3, 2], [1, 4]], dtype=np.int64), 2, 1), dtype="float64"),
        Case("dtype: int32 image, asymmetric padding",
             (rng.integers(-50, 50, size=(5, 6)).astype(np.int32),
              np.array([[-1, 2, -3]], dtype=np.int32), 1, ((0, 1), (2, 0))), dtype="float64"),
        Case("same: 6×6 input, 3×3 kernel, stride 2 (padding (0, 1) on each axis)",
             (normal(6, 6), normal(3, 3), 2, "same")),
        Case("same: 7×5 input, even 2×2 kernel, stride 1", (normal(7, 5), normal(2, 2), 1, "same")),
        Case("same: 5×8 input, 3×2 kernel, stride (2, 3)",
             (normal(5, 8), normal(3, 2), (2, 3), "same")),
        Case("same: 5×5 kernel larger than the 3×3 input", (normal(3, 3), normal(5, 5), 1, "same")),
        Case("same: 1×1 kernel, stride 3 on a 6×9 input (no padding needed)",
             (normal(6, 9), normal(1, 1), 3, "same")),
        Case("same: 6×7 input, 2×2 kernel, stride 4 (stride larger than the kernel)",
             (normal(6, 7), normal(2, 2), 4, "same")),
    ]
    cases += [Case(f"same: (20, 10) input, 4×4 kernel, stride {s}", (table, k4, s, "same"))
              for s in (1, 2, 3, 4)]
    cases += [Case(f"valid: (20, 10) input, 4×4 kernel, stride {s}", (table, k4, s, "valid"))
              for s in (1, 2, 3, 4, 5)]
    cases += [
        Case("valid: 7×7 input, 3×3 kernel, stride 3", (normal(7, 7), normal(3, 3), 3, "valid")),
        Case("error: 3×3 kernel on a 2×2 image without padding",
             (np.ones((2, 2)), np.ones((3, 3))), raises="ValueError"),
        Case("error: 'valid', kernel taller than the input",
             (np.ones((3, 5)), np.ones((4, 2)), 1, "valid"), raises="ValueError"),
        Case("error: kernel wider than the padded input",
             (np.ones((5, 3)), np.ones((2, 5)), 1, ((0, 0), (1, 0))), raises="ValueError"),
        Case("error: a stride does not make a too-tall kernel fit",
             (np.ones((2, 5)), np.ones((3, 3)), 2), raises="ValueError"),
    ]
    return cases


def _dilate_kernel_cases():
    rng = _rng()
    normal = lambda *shape: rng.normal(size=shape)  # noqa: E731
    return [
        Case("value: 2×2 kernel, d=2", (normal(2, 2), 2)),
        Case("value: 3×3 kernel, d=3", (normal(3, 3), 3)),
        Case("value: 1×3 kernel, d=2", (normal(1, 3), 2)),
        Case("value: 2×3 kernel, d=1 is unchanged", (normal(2, 3), 1)),
        Case("value: 3×1 kernel, d=4", (normal(3, 1), 4)),
        Case("value: 1×1 kernel, d=5 stays 1×1", (normal(1, 1), 5)),
        Case("value: integer 2×4 kernel, d=2", (np.arange(1, 9).reshape(2, 4), 2)),
    ]


def _corr2d_same_torch_cases():
    rng = _rng()
    normal = lambda *shape: rng.normal(size=shape)  # noqa: E731
    settings = [((6, 6), (3, 3), 2), ((20, 10), (4, 4), 3), ((7, 5), (2, 2), 1),
                ((5, 8), (3, 2), 2), ((9, 9), (5, 5), 1), ((8, 11), (4, 1), 4),
                ((3, 4), (5, 5), 2)]
    return [Case(f"{h}×{w} input, {kh}×{kw} kernel, stride {s}",
                 (normal(h, w), normal(kh, kw), s), rtol=1e-6, atol=1e-9)
            for (h, w), (kh, kw), s in settings]


def cases():
    """{function name: [Case, ...]} for the hidden tests (distinct Case objects per function)."""
    return {
        "pad2d": _pad2d_cases(),
        "conv_output_size": _conv_output_size_cases(),
        "same_padding": _same_padding_cases(),
        "strided_corr2d": _strided_corr2d_cases(),
        "dilate_kernel": _dilate_kernel_cases(),
        "corr2d_same_torch": _corr2d_same_torch_cases(),
    }


# Sample submissions graded by `course demo`: "all" exercises right, a list of the
# exercises done (the rest untouched), or {exercise: code} plausible mistakes.
SAMPLES = {
    "ada-complete": "all",
    "ben-partial": ["pad2d", "conv_output_size", "same_padding", "layer_shapes"],
    "cy-untouched": [],
    "dee-plausible-mistakes": {
        "conv_output_size": '''import math

def conv_output_size(n, f, p=0, s=1, d=1):
    out = math.ceil((n + 2 * p - d * (f - 1) - 1) / s) + 1
    if out <= 0:
        raise ValueError("no valid position")
    return out''',
        "same_padding": '''def same_padding(n, f, s=1):
    out = -(-n // s)
    total = max((out - 1) * s + f - n, 0)
    return total - total // 2, total // 2''',
        "strided_corr2d": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    sw, sh = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = (same_padding(x.shape[0], kh, sh), same_padding(x.shape[1], kw, sw))
    xp = pad2d(x, padding)
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // sh + 1, (W - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "layer_shapes": '''layer_shapes = [(27, 34), (23, 30), (23, 30), (26, 32), (12, 10), (6, 5)]''',
    },
}
