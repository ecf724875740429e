"""Inputs for chapter 07's hidden tests, and the demo's sample submissions.

`course build 07_upsampling` runs the source notebook's solutions on these inputs and stores
the outputs in autograder/references/07_upsampling.json. tests/test_ch07_reference.py checks
every stored output against Keras (UpSampling2D, Conv2DTranspose) and PyTorch
(F.interpolate, F.conv_transpose2d, ConvTranspose2d output sizes).
"""
import numpy as np

from course.reference import Case

# (id, x shape, w shape (kh, kw, C_out, C_in), with bias, stride, padding)
TRANSPOSE = [
    ("valid, stride 1, 3×3, one channel", (1, 4, 4, 1), (3, 3, 1, 1), True, 1, "valid"),
    ("same, stride 1, 3×3 (crops 1 on every side)", (2, 4, 5, 2), (3, 3, 3, 2), True, 1, "same"),
    ("valid, stride 2, 3×3 (the classic overlap)", (1, 3, 3, 2), (3, 3, 2, 2), True, 2, "valid"),
    ("same, stride 2, 3×3 (crops the last row and column)", (2, 3, 4, 1), (3, 3, 2, 1), False, 2, "same"),
    ("same, stride 2, 4×4 (crops 1 at each end)", (1, 3, 3, 3), (4, 4, 1, 3), True, 2, "same"),
    ("same, stride 2, 5×5 (crops 1 at the start, 2 at the end)", (1, 2, 3, 1), (5, 5, 2, 1), True, 2, "same"),
    ("valid, stride 3, 2×2 kernel smaller than the stride (zero rows added)", (2, 3, 2, 2), (2, 2, 3, 2),
     True, 3, "valid"),
    ("same, stride 3, 2×2 kernel smaller than the stride", (1, 2, 2, 1), (2, 2, 1, 1), False, 3, "same"),
    ("same, stride 3, 3×3 kernel equal to the stride", (1, 2, 3, 2), (3, 3, 2, 2), True, 3, "same"),
    ("valid, stride (1, 2), non-square 2×3 kernel", (2, 3, 3, 1), (2, 3, 2, 1), True, (1, 2), "valid"),
    ("same, stride (2, 1), non-square 3×2 kernel", (1, 3, 4, 2), (3, 2, 1, 2), True, (2, 1), "same"),
    ("valid, 1×1 kernel, stride 2 (spreads the pixels apart)", (1, 3, 3, 3), (1, 1, 2, 3), False, 2, "valid"),
]


def cases():
    """{function name: [Case, ...]} for the hidden tests (distinct Case objects per function)."""
    rng = np.random.default_rng(2029)
    normal = lambda *shape: rng.normal(size=shape)  # noqa: E731
    transpose = [Case(cid, (normal(*xs), normal(*ws), normal(ws[2]) if bias else None, stride, padding),
                      rtol=1e-10, atol=1e-12)
                 for cid, xs, ws, bias, stride, padding in TRANSPOSE]
    sizes = [(2, 3, 2, 1, 1, 1), (7, 4, 2, 1, 0, 1), (5, 3, 1, 0, 0, 2), (1, 1, 1, 0, 0, 1),
             (4, 5, 3, 2, 2, 1), (3, 3, 2, 0, 1, 1), (6, 2, 2, 0, 0, 3)]
    size_errors = [(3, 3, 2, 0, 2, 1), (1, 1, 1, 1, 0, 1), (0, 3, 1, 0, 0, 1), (3, 3, 1, 0, 1, 1),
                   (2, 2, 2, -1, 0, 1)]
    return {
        "upsample_nearest": [
            Case("factor 3 on a batch of 2 with 3 channels", (normal(2, 2, 3, 3), 3)),
            Case("factor (1, 2): columns only", (normal(1, 3, 2, 1), (1, 2))),
            Case("factor (3, 1): rows only", (normal(1, 2, 2, 2), (3, 1))),
            Case("uint8 pixels", (rng.integers(0, 256, (1, 2, 2, 1), dtype=np.uint8), 2), dtype="float64"),
            Case("error: factor 0", (normal(1, 2, 2, 1), 0), raises="ValueError"),
        ],
        "upsample_bilinear": [
            Case("factor 2 on a 3×3 image", (normal(1, 3, 3, 1), 2)),
            Case("factor 3 on a batch of 2, 2 channels", (normal(2, 3, 4, 2), 3)),
            Case("factor (1, 4): columns only", (normal(1, 2, 3, 1), (1, 4))),
            Case("factor 1 is the identity", (normal(1, 3, 2, 2), 1)),
            Case("a one-pixel image", (normal(1, 1, 1, 3), 4)),
            Case("a one-row image, factor (2, 2)", (normal(1, 1, 5, 1), 2)),
            Case("error: factor (2, 0)", (normal(1, 2, 2, 1), (2, 0)), raises="ValueError"),
        ],
        "trans_conv2d": [
            Case("stride 1, 2×2 kernel", (normal(3, 4), normal(2, 2), 1)),
            Case("stride 2, 3×3 kernel", (normal(3, 3), normal(3, 3), 2)),
            Case("stride 3, 2×2 kernel: stamps with gaps", (normal(2, 3), normal(2, 2), 3)),
            Case("stride 2, non-square 1×3 kernel", (normal(4, 2), normal(1, 3), 2)),
            Case("a 1×1 input is one stamp", (normal(1, 1), normal(3, 2), 2)),
            Case("integer input and kernel", (rng.integers(-5, 5, (2, 2)), np.arange(6).reshape(2, 3), 2),
                 dtype="float64"),
        ],
        "conv_transpose_nhwc": transpose,
        "conv_transpose_output_size": [Case(f"value: {args}", args) for args in sizes]
        + [Case(f"error: {args}", args, raises="ValueError") for args in size_errors],
        "conv_matrix": [
            Case("2×2 kernel on 3×3", (normal(2, 2), (3, 3))),
            Case("1×3 kernel on 2×4", (normal(1, 3), (2, 4))),
            Case("kernel as large as the input", (normal(2, 3), (2, 3))),
            Case("error: a 4-column kernel on 3 columns", (normal(2, 4), (3, 3)), raises="ValueError"),
        ],
        "overlap_counts": [Case(f"value: n={n}, f={f}, s={s}", (n, f, s)) for n, f, s in
                           [(4, 3, 2), (3, 4, 2), (5, 2, 2), (3, 2, 3), (4, 3, 1), (1, 5, 2), (3, 5, 3)]],
    }


# Sample submissions graded by `course demo`: "all" exercises right, a list of the
# exercises done (the rest untouched), or {exercise: code} plausible mistakes.
SAMPLES = {
    "ada-complete": "all",
    "ben-partial": ["upsample_nearest", "trans_conv2d", "conv_transpose_output_size", "overlap_counts"],
    "cy-untouched": [],
    "dee-plausible-mistakes": {
        "upsample_bilinear": '''def upsample_bilinear(x, factor):
    xt = torch.tensor(np.asarray(x, dtype=np.float64)).permute(0, 3, 1, 2)
    return F.interpolate(xt, scale_factor=factor, mode="bilinear",
                         align_corners=True).permute(0, 2, 3, 1).numpy()''',
        "trans_conv2d": '''def trans_conv2d(x, k, stride=1):
    x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    out = np.zeros(((H - 1) * stride + kh, (W - 1) * stride + kw))
    for i in range(H):
        for j in range(W):
            out[i * stride:i * stride + kh, j * stride:j * stride + kw] = x[i, j] * k
    return out''',
        "torch_same_ports": '''torch_same_ports = {(3, 1): (1, 0), (3, 2): (1, 1), (4, 2): (1, 0), (5, 2): (2, 1),
                    (2, 2): (0, 0), (5, 3): (1, 0)}''',
    },
}
