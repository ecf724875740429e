"""Inputs for chapter 05's hidden tests, and the demo's sample submissions.

`course build 05_pooling` runs the source notebook's solutions on these inputs and stores the
outputs in autograder/references/05_pooling.json. A case id starts with its group (valid, same,
dtype, value, error): hidden test cells check one group at a time. tests/test_ch05_reference.py
checks the stored outputs against Keras, tf.nn pooling and PyTorch's F.max_pool2d / F.avg_pool2d.

No case asks TensorFlow to pool a 'valid' window larger than its input: Keras returns an empty
map or fails, and tf.nn.max_pool2d has crashed the whole process on such input (SIGFPE).
"""
import numpy as np

from course.reference import Case


def _rng():
    return np.random.default_rng(2027)


def _pool2d_cases():
    rng = _rng()
    normal = lambda *shape: rng.normal(size=shape)  # noqa: E731
    settings = [  # (id, x shape, size, stride, padding, mode)
        ("valid: 2×2 max, stride defaulting to 2", (2, 6, 6, 3), 2, None, "valid", "max"),
        ("valid: 2×2 average, odd 7×5 input drops the last row and column", (1, 7, 5, 2), 2, None,
         "valid", "avg"),
        ("valid: 3×3 max with stride 1 (overlapping windows)", (1, 6, 7, 1), 3, 1, "valid", "max"),
        ("valid: 2×2 max with stride 3 (skipped pixels)", (2, 8, 8, 2), 2, 3, "valid", "max"),
        ("valid: (2, 3) window, (2, 1) stride", (1, 7, 9, 4), (2, 3), (2, 1), "valid", "avg"),
        ("valid: (3, 1) window, stride (1, 2)", (3, 6, 6, 1), (3, 1), (1, 2), "valid", "max"),
        ("valid: window as large as the input", (2, 4, 5, 3), (4, 5), None, "valid", "avg"),
        ("valid: 1×1 window with stride 2 (subsampling)", (1, 5, 6, 2), 1, 2, "valid", "max"),
        ("valid: 16 channels", (1, 6, 6, 16), 2, None, "valid", "max"),
        ("same: 2×2 max on a 5×5 input (pads (0, 1))", (1, 5, 5, 2), 2, None, "same", "max"),
        ("same: 2×2 average on a 5×7 input", (2, 5, 7, 1), 2, None, "same", "avg"),
        ("same: 3×3 max, stride 2, on 6×6", (1, 6, 6, 3), 3, 2, "same", "max"),
        ("same: 3×3 average, stride 1 (keeps the size)", (1, 5, 4, 2), 3, 1, "same", "avg"),
        ("same: (2, 3) window, stride (2, 2), average", (1, 7, 8, 1), (2, 3), 2, "same", "avg"),
        ("same: window larger than the input", (1, 3, 3, 2), 4, 1, "same", "max"),
    ]
    cases = []
    for cid, shape, size, stride, padding, mode in settings:
        x = normal(*shape) - 1.0  # mostly negative: padded zeros would show
        cases.append(Case(cid, (x, size, stride, padding, mode)))
    cases += [
        Case("dtype: uint8 image, 2×2 average (sums exceed 255)",
             (rng.integers(200, 256, (1, 4, 6, 3), dtype=np.uint8), 2, None, "valid", "avg"),
             dtype="float64"),
        Case("dtype: uint8 image, 3×3 max 'same'",
             (rng.integers(0, 256, (2, 5, 5, 1), dtype=np.uint8), 3, 2, "same", "max"), dtype="float64"),
        Case("dtype: int32 image, average", (rng.integers(-100, 100, (1, 6, 4, 2)).astype(np.int32),
                                             2, None, "valid", "avg"), dtype="float64"),
        Case("error: mode 'min'", (np.ones((1, 4, 4, 1)), 2, None, "valid", "min"), raises="ValueError"),
        Case("error: padding 'full'", (np.ones((1, 4, 4, 1)), 2, None, "full", "max"), raises="ValueError"),
        Case("error: 'valid' window taller than the input", (np.ones((1, 2, 6, 1)), (3, 2)),
             raises="ValueError"),
        Case("error: 'valid' window wider than the input", (np.ones((1, 6, 2, 1)), 3), raises="ValueError"),
        Case("error: a 3-D input (one image without the batch axis)", (np.ones((4, 4, 1)), 2),
             raises="ValueError"),
    ]
    return cases


def _torch_cases():
    rng = _rng()
    normal = lambda *shape: rng.normal(size=shape) - 1.0  # noqa: E731
    settings = [  # (id, x shape, size, stride, padding, mode, count_include_pad)
        ("value: max, padding 1, 2×2 stride 2 (the course's MNIST model)", (1, 6, 6, 2), 2, 2, 1, "max", True),
        ("value: max, padding 1 on 26×26 gives 14×14", (1, 26, 26, 1), 2, 2, 1, "max", True),
        ("value: average, padding 1, padded zeros counted", (2, 5, 5, 1), 2, 2, 1, "avg", True),
        ("value: average, padding 1, count_include_pad=False", (2, 5, 5, 1), 2, 2, 1, "avg", False),
        ("value: 3×3 max, stride 1, padding 1", (1, 5, 6, 3), 3, 1, 1, "max", True),
        ("value: 3×3 average, stride 2, padding (1, 0)", (1, 7, 6, 2), 3, 2, (1, 0), "avg", True),
        ("value: (3, 2) window, padding (1, 1), stride default", (1, 7, 8, 1), (3, 2), None, (1, 1),
         "max", True),
        ("value: no padding, average, stride default", (3, 6, 6, 2), 2, None, 0, "avg", True),
        ("value: no padding, max with stride 1", (1, 4, 5, 1), 2, 1, 0, "max", False),
    ]
    cases = [Case(cid, (normal(*shape), size, stride, padding, mode, include))
             for cid, shape, size, stride, padding, mode, include in settings]
    cases += [
        Case("error: padding 2 with a 2×2 window", (np.ones((1, 5, 5, 1)), 2, None, 2), raises="ValueError"),
        Case("error: padding (0, 2) with a 3×3 window", (np.ones((1, 5, 5, 1)), 3, 1, (0, 2)),
             raises="ValueError"),
        Case("error: mode 'min'", (np.ones((1, 4, 4, 1)), 2, None, 0, "min"), raises="ValueError"),
    ]
    return cases


def cases():
    """{function name: [Case, ...]} for the hidden tests (distinct Case objects per function)."""
    rng = _rng()
    return {
        "pool2d": _pool2d_cases(),
        "pool2d_torch_semantics": _torch_cases(),
        "min_pool2d": [
            Case("value: 2×2 min on negative and positive values", (rng.normal(size=(2, 6, 6, 2)), 2)),
            Case("value: (2, 3) window, stride 1", (rng.normal(size=(1, 5, 7, 1)), (2, 3), 1)),
            Case("value: uint8 image (negating needs float64)",
                 (rng.integers(0, 256, (1, 4, 4, 3), dtype=np.uint8), 2), dtype="float64"),
        ],
        "global_avg_pool": [
            Case("value: 2 images, 3 channels", (rng.normal(size=(2, 5, 7, 3)),)),
            Case("value: 1×1 maps", (rng.normal(size=(4, 1, 1, 6)),)),
            Case("value: uint8 maps", (rng.integers(200, 256, (1, 4, 4, 2), dtype=np.uint8),),
                 dtype="float64"),
            Case("error: a 3-D input", (np.ones((5, 5, 3)),), raises="ValueError"),
        ],
    }


# Sample submissions graded by `course demo`: "all" exercises right, a list of the
# exercises done (the rest untouched), or {exercise: code} plausible mistakes.
SAMPLES = {
    "ada-complete": "all",
    "ben-partial": ["pool2d", "min_pool2d", "global_avg_pool"],
    "cy-untouched": [],
    "dee-plausible-mistakes": {
        "pool2d_torch_semantics": '''def pool2d_torch_semantics(x, size, stride=None, padding=0, mode="max",
                           count_include_pad=True):
    x = np.asarray(x, dtype=np.float64)
    if mode not in ("max", "avg"):
        raise ValueError("bad mode")
    k = size if np.ndim(size) else (size, size)
    s = k if stride is None else stride if np.ndim(stride) else (stride, stride)
    p = padding if np.ndim(padding) else (padding, padding)
    if 2 * p[0] > k[0] or 2 * p[1] > k[1]:
        raise ValueError("padding too large")
    x = np.pad(x, [(0, 0), (p[0], p[0]), (p[1], p[1]), (0, 0)])
    win = np.lib.stride_tricks.sliding_window_view(x, k, axis=(1, 2))[:, ::s[0], ::s[1]]
    return win.max(axis=(-2, -1)) if mode == "max" else win.mean(axis=(-2, -1))''',
        "global_avg_pool": '''def global_avg_pool(x):
    return np.asarray(x, dtype=np.float64).mean(axis=(0, 1, 2))''',
        "pool_stack_shapes": '''pool_stack_shapes = [(28, 20), (27, 19), (14, 10), (7, 10), (2, 3)]''',
    },
}
