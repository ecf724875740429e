"""Inputs for chapter 08's hidden tests, and the demo's sample submissions.

`course build 08_mnist_cnn` runs the source notebook's solutions on these inputs and stores the
outputs in autograder/references/08_mnist_cnn.json. The network-valued functions are called
through CALLS: the logits of the built network once its weights are set from a seed
(course.nets.fill), and the summary table of a network built from a description
(course.nets.torch_model). tests/test_ch08_reference.py checks the stored outputs against
scipy.special.softmax, the frameworks' own networks and parameter counts.
"""
import numpy as np

from course import nets
from course.reference import Case

SMALL_COLOUR = [("conv", 3, 8, 5), ("relu",), ("maxpool", 2, 2, 0), ("conv", 8, 4, 3), ("relu",),
                ("flatten",), ("linear", 4 * 12 * 12, 10), ("dropout", 0.5), ("linear", 10, 2)]
SEEDS_4 = nets.SEEDS[:2] + [("block", [("flatten",), ("linear", 1568, 32), ("relu",),
                                       ("dropout", 0.3), ("linear", 32, 4)])]


def _logit_cases(layout):
    shape = (1, 28, 28) if layout == "NCHW" else (28, 28, 1)
    return [Case(f"value: {n} labels, weights from seed {seed}", (n, seed, nets.images(3, shape, seed)),
                 rtol=1e-4, atol=1e-5)
            for n, seed in [(10, 1), (3, 2), (5, 3)]]


def cases():
    """{function name: [Case, ...]} for the hidden tests (distinct Case objects per function)."""
    rng = np.random.default_rng(2026)
    return {
        "build_torch_cnn": _logit_cases("NCHW"),
        "build_keras_cnn": _logit_cases("NHWC"),
        "summary_table": [
            Case("value: the notes' network (nested blocks)", (nets.SEEDS, (1, 28, 28))),
            Case("value: the notes' network with 4 labels", (SEEDS_4, (1, 28, 28))),
            Case("value: a colour network on 3×32×32 images", (SMALL_COLOUR, (3, 32, 32))),
            Case("value: a single linear layer after flatten",
                 ([("flatten",), ("linear", 12, 3)], (3, 2, 2))),
        ],
        "softmax": [
            Case("value: one row", (rng.normal(size=(1, 10)),)),
            Case("value: one column (one class: probability 1)", (rng.normal(size=(5, 1)),)),
            Case("value: 1,000 classes", (rng.normal(size=(3, 1000)) * 3,)),
            Case("value: logits shifted by 1e6", (rng.normal(size=(4, 6)) + 1e6,), rtol=1e-6, atol=1e-9),
            Case("value: float32 logits", (rng.normal(size=(4, 5)).astype(np.float32),), rtol=1e-6),
            Case("value: integer logits", (rng.integers(-5, 5, (3, 4)),)),
            Case("value: equal logits", (np.zeros((2, 4)),)),
            Case("value: -1000 and +1000 in one row", (np.array([[-1000.0, 1000.0, 0.0, 999.0]]),)),
        ],
        "predict": [
            Case("value: 10 classes", (rng.normal(size=(6, 10)),)),
            Case("value: one row", (rng.normal(size=(1, 4)),)),
            Case("value: more rows than columns", (rng.normal(size=(9, 3)),)),
            Case("value: probabilities instead of logits", (np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]),)),
        ],
        "confusion_matrix": [
            Case("value: 10 classes, 200 examples",
                 (rng.integers(0, 10, 200), rng.integers(0, 10, 200))),
            Case("value: perfect predictions", (np.arange(4), np.arange(4), 4)),
            Case("value: n larger than any label", (np.array([0, 1, 1]), np.array([1, 1, 0]), 5)),
            Case("value: every example predicted as 0", (np.arange(6) % 3, np.zeros(6, int), 3)),
        ],
    }


# How to call the network-valued functions on JSON-storable arguments (the hidden tests call
# them the same way, through course.nets).
CALLS = {
    "build_torch_cnn": lambda ns: lambda n, seed, images: nets.outputs(
        nets.fill(ns["build_torch_cnn"](n), seed), images),
    "build_keras_cnn": lambda ns: lambda n, seed, images: nets.outputs(
        nets.fill(ns["build_keras_cnn"](n), seed), images),
    "summary_table": lambda ns: lambda layers, shape: ns["summary_table"](
        nets.torch_model(layers), tuple(shape)),
}


# Sample submissions graded by `course demo`: "all" exercises right, a list of the
# exercises done (the rest untouched), or {exercise: code} plausible mistakes.
SAMPLES = {
    "ada-complete": "all",
    "ben-partial": ["build_torch_cnn", "summary_table", "softmax", "predict", "dropout",
                    "train_step", "evaluate"],
    "cy-untouched": [],
    "dee-plausible-mistakes": {
        "softmax": '''def softmax(logits):
    z = np.exp(np.asarray(logits, dtype=np.float64))
    return z / z.sum(axis=1, keepdims=True)''',
        "port_torch_to_keras": '''def port_torch_to_keras(torch_model, keras_model):
    sources = [m for m in torch_model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    targets = [l for l in keras_model.layers if l.get_weights()]
    for source, target in zip(sources, targets):
        w = source.weight.detach().numpy()
        kernel = w.transpose(2, 3, 1, 0) if w.ndim == 4 else w.T
        target.set_weights([kernel, source.bias.detach().numpy()])
    return keras_model''',
        "dropout": '''def dropout(x, p, training, rng):
    if not 0 <= p < 1:
        raise ValueError("p must be in [0, 1)")
    if not training:
        return x
    return x * (rng.random(np.shape(x)) >= p)''',
    },
}
