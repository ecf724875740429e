"""Inputs for chapter 06's hidden tests, and the demo's sample submissions.

`course build 06_backprop` runs the source notebook's solutions on these inputs and stores the
outputs in autograder/references/06_backprop.json. Backward functions are called with caches
built here in the format the chapter fixes ((x, w, b, stride, pad) for a convolution,
(x, size, stride) for pooling, x for ReLU), so each is graded on its own. Gradients are compared
to a relative error of 1e-8 (float64). tests/test_ch06_reference.py recomputes every stored
gradient with torch.autograd and tf.GradientTape.
"""
import numpy as np

from course.reference import Case

GRAD = dict(rtol=1e-8, atol=1e-10)


def _rng():
    return np.random.default_rng(2028)


# (id, x shape, kernel (kh, kw), C_out, stride, pad)
CONV = [
    ("stride 1, no padding, one channel in and out", (1, 5, 5, 1), (3, 3), 1, 1, 0),
    ("stride 1, padding 1, 3 → 4 channels, batch of 2", (2, 6, 5, 3), (3, 3), 4, 1, 1),
    ("stride 2, no padding, non-square 2×3 kernel", (2, 7, 8, 2), (2, 3), 3, 2, 0),
    ("stride 2, padding 1, 3 → 2 channels", (1, 6, 6, 3), (3, 3), 2, 2, 1),
    ("stride 2 with a last row that no window reaches", (1, 6, 7, 1), (3, 2), 2, 2, 0),
    ("1×1 kernel, 4 → 3 channels, stride 2", (3, 5, 4, 4), (1, 1), 3, 2, 0),
    ("kernel as large as the input", (2, 3, 4, 2), (3, 4), 5, 1, 0),
    ("non-square 4×2 kernel, padding 1, batch of 3", (3, 5, 6, 2), (4, 2), 3, 1, 1),
]

# (id, x shape, size, stride)
POOL = [
    ("2×2, stride 2, batch of 2, 3 channels", (2, 6, 6, 3), 2, 2),
    ("2×2, stride 1 (overlapping windows add up)", (1, 5, 4, 2), 2, 1),
    ("3×3, stride 2 (overlapping)", (2, 7, 7, 1), 3, 2),
    ("3×3, stride 3, the last row and column unread", (1, 8, 7, 2), 3, 3),
    ("2×2, stride 3 (gaps between windows)", (1, 8, 8, 1), 2, 3),
]


def _conv_cases():
    rng, forward, backward, frameworks = _rng(), [], [], []
    for cid, xs, (kh, kw), c_out, stride, pad in CONV:
        x, w, b = rng.normal(size=xs), rng.normal(size=(kh, kw, xs[3], c_out)), rng.normal(size=c_out)
        out_h = (xs[1] + 2 * pad - kh) // stride + 1
        out_w = (xs[2] + 2 * pad - kw) // stride + 1
        dout = rng.normal(size=(xs[0], out_h, out_w, c_out))
        forward.append(Case(cid, (x, w, b, stride, pad), rtol=1e-10, atol=1e-12))
        backward.append(Case(cid, (dout, (x, w, b, stride, pad)), **GRAD))
        if stride == 1 and pad == 0:
            frameworks.append(Case(cid, (x, w, b, dout), rtol=1e-10, atol=1e-12))
    frameworks.append(Case("uint8 image, 3×3 kernel, 3 → 2 channels",
                           (rng.integers(0, 256, (1, 5, 5, 3), dtype=np.uint8), rng.normal(size=(3, 3, 3, 2)),
                            rng.normal(size=2), rng.normal(size=(1, 3, 3, 2))), rtol=1e-10, atol=1e-12))
    forward += [
        Case("error: x has 3 channels, w expects 2", (np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 4)),
                                                       np.ones(4)), raises="ValueError"),
        Case("error: 3 biases for 4 filters", (np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4)), np.ones(3)),
             raises="ValueError"),
        Case("error: a 4-row kernel on 3 rows", (np.ones((1, 3, 5, 1)), np.ones((4, 2, 1, 1)), np.ones(1)),
             raises="ValueError"),
    ]
    return forward, backward, frameworks


def _pool_cases():
    rng, cases = _rng(), []
    for cid, xs, size, stride in POOL:
        x = rng.permutation(np.prod(xs)).reshape(xs) * 0.5 - 7.0   # distinct values: no ties
        out_h, out_w = (xs[1] - size) // stride + 1, (xs[2] - size) // stride + 1
        cases.append(Case(cid, (rng.normal(size=(xs[0], out_h, out_w, xs[3])), (x, size, stride)), **GRAD))
    return cases


def cases():
    """{function name: [Case, ...]} for the hidden tests (distinct Case objects per function)."""
    rng = _rng()
    forward, backward, frameworks = _conv_cases()
    pools = _pool_cases()
    relu_x = rng.normal(size=(2, 3, 4, 2))
    relu_x[0, 0, :2, 0] = 0.0                                       # exact zeros: gradient 0
    return {
        "conv_forward": forward,
        "conv_backward": backward,
        "maxpool_backward": pools,
        "maxpool_forward": [Case(c.id, c.args[1]) for c in pools],
        "avgpool_forward": [Case(c.id, c.args[1]) for c in pools],
        "avgpool_backward": [Case(c.id, c.args, **GRAD) for c in pools],
        "relu_backward": [Case("value: a batch with negative values and exact zeros",
                               (rng.normal(size=relu_x.shape), relu_x), **GRAD)],
        "relative_error": [
            Case("value: equal arrays", (np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(2, 3))),
            Case("value: one entry off by 1e-6", (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.000002, 3.0]))),
            Case("value: both zero and tiny entries (the 1e-8 floor)",
                 (np.array([0.0, 1e-10, 5.0]), np.array([0.0, 0.0, 5.0]))),
            Case("value: opposite signs", (np.array([[1.0, -1.0]]), np.array([[-1.0, -1.0]]))),
            Case("value: 3-D arrays", (rng.normal(size=(2, 2, 3)), rng.normal(size=(2, 2, 3)))),
            Case("error: shapes (2, 3) and (3, 2)", (np.ones((2, 3)), np.ones((3, 2))), raises="ValueError"),
            Case("error: shapes (2, 1) and (1, 2), which NumPy would broadcast",
                 (np.ones((2, 1)), np.ones((1, 2))), raises="ValueError"),
        ],
        "conv_grads_torch": frameworks,
        "conv_grads_tf": [Case(c.id, c.args, rtol=c.rtol, atol=c.atol) for c in frameworks],
    }


# Sample submissions graded by `course demo`: "all" exercises right, a list of the
# exercises done (the rest untouched), or {exercise: code} plausible mistakes.
SAMPLES = {
    "ada-complete": "all",
    "ben-partial": ["dw_by_hand", "conv_forward", "relu_forward", "relu_backward",
                    "numerical_gradient", "relative_error"],
    "cy-untouched": [],
    "dee-plausible-mistakes": {
        "numerical_gradient": '''def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    fx = f(x)
    for index in np.ndindex(*x.shape):
        x[index] += h
        grad[index] = (f(x) - fx) / h
        x[index] -= h
    return grad''',
        "maxpool_backward": '''def maxpool_backward(dout, cache):
    x, size, stride = cache
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    out_h, out_w = dout.shape[1:3]
    dx = np.zeros_like(x)
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * stride:i * stride + size, j * stride:j * stride + size]
            mask = window == window.max(axis=(1, 2), keepdims=True)
            dx[:, i * stride:i * stride + size, j * stride:j * stride + size] = mask * dout[:, i:i + 1, j:j + 1]
    return dx''',
        "dw_by_hand": '''dw_by_hand = [[5.0, 3.0], [3.0, 6.0]]''',
    },
}
