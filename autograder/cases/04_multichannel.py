"""Inputs for chapter 04's hidden tests, and the demo's sample submissions.

`course build 04_multichannel` runs the source notebook's solutions on these inputs and stores
the outputs in autograder/references/04_multichannel.json. A case id starts with its group
(value, dtype, shape, stride, padding, error): hidden test cells check one group at a time.
tests/test_ch04_reference.py checks the stored outputs against tf.nn.conv2d, Keras Conv2D,
PyTorch's F.conv2d and the frameworks' parameter counts.
"""
import numpy as np

from course.reference import Case


def _rng():
    return np.random.default_rng(2026)


def _corr2d_multi_in_cases():
    rng = _rng()
    normal = lambda *shape: rng.normal(size=shape)  # noqa: E731
    return [
        Case("value: 6×7 image, 3 channels, 3×3 filter", (normal(6, 7, 3), normal(3, 3, 3))),
        Case("value: one channel (a grey image as (H, W, 1))", (normal(5, 5, 1), normal(2, 2, 1))),
        Case("value: 5 channels, non-square 2×4 filter", (normal(6, 6, 5), normal(2, 4, 5))),
        Case("value: 1×1 filter on 4 channels", (normal(3, 4, 4), normal(1, 1, 4))),
        Case("value: filter as large as the image", (normal(3, 4, 2), normal(3, 4, 2))),
        Case("value: negative and large values", (normal(5, 6, 3) * 1e5, -np.abs(normal(3, 2, 3)))),
        Case("dtype: uint8 RGB image, float filter",
             (rng.integers(0, 256, (7, 6, 3), dtype=np.uint8), normal(3, 3, 3)), dtype="float64"),
        Case("dtype: uint8 image and uint8 filter (products exceed 255)",
             (rng.integers(200, 256, (5, 5, 3), dtype=np.uint8), np.full((2, 2, 3), 3, np.uint8)),
             dtype="float64"),
        Case("dtype: int32 image, int filter",
             (rng.integers(-50, 50, (4, 6, 2)).astype(np.int32), np.array([[[1, -1], [2, 0]]])),
             dtype="float64"),
        Case("error: image has 3 channels, filter 1", (np.ones((5, 5, 3)), np.ones((3, 3, 1))),
             raises="ValueError"),
        Case("error: image has 1 channel, filter 3", (np.ones((5, 5, 1)), np.ones((2, 2, 3))),
             raises="ValueError"),
        Case("error: filter taller than the image", (np.ones((3, 6, 2)), np.ones((4, 2, 2))),
             raises="ValueError"),
        Case("error: filter wider than the image", (np.ones((6, 3, 2)), np.ones((2, 4, 2))),
             raises="ValueError"),
    ]


def _conv2d_nhwc_cases():
    rng = _rng()
    normal = lambda *shape: rng.normal(size=shape)  # noqa: E731
    cases = [  # (id, x shape, w shape, with bias, stride, padding)
        ("shape: batch of 1, C_in 1, C_out 1", (1, 6, 6, 1), (3, 3, 1, 1), True, 1, "valid"),
        ("shape: batch of 5, C_in 3, C_out 8", (5, 7, 6, 3), (3, 3, 3, 8), True, 1, "valid"),
        ("shape: non-square 4×2 kernel, 8 → 3 channels", (2, 9, 7, 8), (4, 2, 8, 3), True, 1, "valid"),
        ("shape: 1×1 kernel", (3, 4, 5, 6), (1, 1, 6, 2), True, 1, "valid"),
        ("shape: no bias (b=None)", (2, 5, 5, 2), (2, 2, 2, 4), False, 1, "valid"),
        ("shape: kernel as large as the image", (2, 4, 3, 2), (4, 3, 2, 5), True, 1, "valid"),
        ("stride: 2 on a 9×9 image", (2, 9, 9, 3), (3, 3, 3, 2), True, 2, "valid"),
        ("stride: (1, 3)", (1, 8, 10, 2), (2, 3, 2, 4), True, (1, 3), "valid"),
        ("stride: (3, 2) with a 1×1 kernel", (2, 7, 7, 4), (1, 1, 4, 3), False, (3, 2), "valid"),
        ("stride: 4, larger than the kernel", (1, 11, 11, 1), (2, 2, 1, 2), True, 4, "valid"),
        ("padding: 1 keeps the size of a 3×3 layer", (2, 6, 5, 3), (3, 3, 3, 4), True, 1, 1),
        ("padding: 2 with stride 2", (1, 7, 6, 2), (4, 4, 2, 3), True, 2, 2),
        ("padding: 'same', stride 1, even 2×2 kernel", (2, 5, 6, 3), (2, 2, 3, 2), True, 1, "same"),
        ("padding: 'same', stride 2 (TensorFlow pads (0, 1))", (1, 6, 6, 2), (3, 3, 2, 2), True, 2, "same"),
        ("padding: 'same', stride (2, 3), 3×2 kernel", (2, 7, 8, 1), (3, 2, 1, 3), True, (2, 3), "same"),
        ("padding: 'same' with a kernel larger than the image", (1, 3, 3, 2), (5, 5, 2, 1), True, 1, "same"),
        ("padding: 'valid' spelled out", (1, 6, 6, 2), (3, 3, 2, 2), True, 1, "valid"),
    ]
    out = [Case(cid, (normal(*xs), normal(*ws), normal(ws[3]) if bias else None, stride, padding))
           for cid, xs, ws, bias, stride, padding in cases]
    out += [
        Case("dtype: uint8 images with values ≥ 200", (rng.integers(200, 256, (2, 5, 5, 3), dtype=np.uint8),
             np.full((2, 2, 3, 2), 3, np.uint8), None, 1, "valid"), dtype="float64"),
        Case("dtype: int32 images and int weights", (rng.integers(-9, 9, (1, 6, 5, 2)).astype(np.int32),
             rng.integers(-3, 4, (3, 2, 2, 3)), np.array([1, 2, 3]), 1, 1), dtype="float64"),
        Case("dtype: float32 images", (normal(2, 5, 5, 3).astype(np.float32), normal(3, 3, 3, 2),
             normal(2), 1, "same"), dtype="float64"),
        Case("error: image has 3 channels, weights expect 2",
             (np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 4))), raises="ValueError"),
        Case("error: OIHW weights (4, 3, 3, 3) on a 3-row image, read as a 4-row kernel",
             (np.ones((1, 3, 6, 3)), np.ones((4, 3, 3, 3))), raises="ValueError"),
        Case("error: 3-D weights", (np.ones((1, 5, 5, 3)), np.ones((3, 3, 3))), raises="ValueError"),
        Case("error: 3 biases for 4 filters", (np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4)), np.ones(3)),
             raises="ValueError"),
        Case("error: a 3-row kernel on 2 rows", (np.ones((1, 2, 5, 1)), np.ones((3, 3, 1, 1))),
             raises="ValueError"),
        Case("error: an image without the batch axis", (np.ones((5, 5, 3)), np.ones((3, 3, 3, 2))),
             raises="ValueError"),
    ]
    return out


def cases():
    """{function name: [Case, ...]} for the hidden tests (distinct Case objects per function)."""
    rng = _rng()
    normal = lambda *shape: rng.normal(size=shape)  # noqa: E731
    return {
        "corr2d_multi_in": _corr2d_multi_in_cases(),
        "conv2d_nhwc": _conv2d_nhwc_cases(),
        "conv1x1": [
            Case("value: 16 → 4 channels", (normal(2, 5, 6, 16), normal(16, 4))),
            Case("value: 1 → 3 channels", (normal(1, 4, 4, 1), normal(1, 3))),
            Case("value: 3 → 1 channel (a weighted grey)", (normal(3, 2, 7, 3), normal(3, 1))),
            Case("value: uint8 images", (rng.integers(0, 256, (2, 3, 3, 3), dtype=np.uint8),
                                         normal(3, 2)), dtype="float64"),
            Case("error: w expects 4 channels, x has 3", (np.ones((1, 2, 2, 3)), np.ones((4, 2))),
                 raises="ValueError"),
        ],
        "to_torch_layout": [
            Case("value: 2 images 5×4×3, 3×2 kernel 3 → 6", (normal(2, 5, 4, 3), normal(3, 2, 3, 6))),
            Case("value: square everything (C_in = C_out = 4)", (normal(1, 6, 6, 4), normal(3, 3, 4, 4))),
            Case("value: uint8 images and weights keep their dtype",
                 (rng.integers(0, 256, (1, 3, 2, 3), dtype=np.uint8),
                  rng.integers(0, 9, (1, 2, 3, 2), dtype=np.uint8)), dtype="uint8"),
        ],
        "conv_params": [Case(f"value: conv_params{args}", args) for args in
                        [(3, 1, 32), (3, 32, 64), (1, 256, 64), (3, 64, 64), (5, 3, 6, False),
                         (7, 3, 64, True), (11, 3, 96), (2, 1, 1, False)]],
        "dense_params": [Case(f"value: dense_params{args}", args) for args in
                         [(10_816, 100), (9_216, 100), (784, 10), (100, 10, False), (1, 1),
                          (4096, 1000, True)]],
    }


# Sample submissions graded by `course demo`: "all" exercises right, a list of the
# exercises done (the rest untouched), or {exercise: code} plausible mistakes.
SAMPLES = {
    "ada-complete": "all",
    "ben-partial": ["corr2d_multi_in", "conv1x1", "conv_params", "conv_nd_answers"],
    "cy-untouched": [],
    "dee-plausible-mistakes": {
        "corr2d_multi_in": '''def corr2d_multi_in(x, k):
    x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
    if x.shape[2] != k.shape[2]:
        raise ValueError("channel counts differ")
    return np.stack([signal.correlate2d(x[:, :, c], k[:, :, c], mode="valid")
                     for c in range(x.shape[2])], axis=-1)''',
        "to_torch_layout": '''def to_torch_layout(x, w):
    return np.transpose(x, (0, 3, 1, 2)), w.T''',
        "conv_nd_answers": '''conv_nd_answers = [((48, 16), 480), ((18, 26, 10), 450), ((6, 14, 14, 4), 216)]''',
    },
}
