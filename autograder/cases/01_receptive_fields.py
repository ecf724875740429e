"""Inputs for chapter 01's hidden tests, and the demo's sample submissions.

`course build 01_receptive_fields` runs the source notebook's solutions on these inputs and
stores the outputs in autograder/references/01_receptive_fields.json. A case id starts with
its group (value, depth, stride, padding, dilation, error, model): hidden test cells check one
group at a time, so a student sees which kind of input goes wrong.

The gradient-window cases store a model *description*, a list of (kind, layer) pairs, which
the notebook's locked helpers `torch_model` and `keras_model` turn into a network (CALLS
below). tests/test_ch01_reference.py checks every stored answer against Keras and PyTorch:
parameter counts against count_params(), receptive fields and windows against the gradients
of real models.
"""
from course.reference import Case

# (h, w, c, units) and (f, c, filters)
FC = [(28, 28, 1, 128), (32, 32, 3, 10), (1, 1, 1, 1), (224, 224, 3, 1000), (7, 7, 32, 32),
      (5, 3, 2, 4), (10, 20, 3, 1)]
CONV = [(3, 1, 32), (3, 32, 64), (1, 64, 16), (5, 3, 6), (7, 3, 64), (11, 3, 96), (2, 1, 1)]

# name -> layer list; the depth group runs from 1 to 8 layers
STACKS = {
    "depth": {
        "one 5×5 layer": [{"k": 5}],
        "two 3×3 layers": [{"k": 3}, {"k": 3}],
        "three 3×3 layers": [{"k": 3}, {"k": 3}, {"k": 3}],
        "LeNet-5 (5×5 conv, 2×2 pool, twice)": [{"k": 5}, {"k": 2, "s": 2}, {"k": 5},
                                                {"k": 2, "s": 2}],
        "VGG-like: two 3×3 'same', pool, two 3×3 'same', pool":
            [{"k": 3, "p": 1}, {"k": 3, "p": 1}, {"k": 2, "s": 2}, {"k": 3, "p": 1},
             {"k": 3, "p": 1}, {"k": 2, "s": 2}],
        "AlexNet's first layers (11/4, pool 3/2, 5 pad 2, pool 3/2, 3 pad 1)":
            [{"k": 11, "s": 4}, {"k": 3, "s": 2}, {"k": 5, "p": 2}, {"k": 3, "s": 2},
             {"k": 3, "p": 1}],
        "eight 3×3 layers, the 4th with stride 2":
            [{"k": 3}, {"k": 3}, {"k": 3}, {"k": 3, "s": 2}, {"k": 3}, {"k": 3}, {"k": 3},
             {"k": 3}],
        "seven mixed layers": [{"k": 7, "s": 2, "p": 3}, {"k": 3, "s": 2, "p": 1}, {"k": 3, "p": 1},
                               {"k": 3, "p": 1}, {"k": 1}, {"k": 3, "s": 2, "p": 1},
                               {"k": 3, "d": 2, "p": 2}],
    },
    "stride": {
        "stride 3 first, then 3×3": [{"k": 3, "s": 3}, {"k": 3}],
        "strides 2, 2, 2": [{"k": 3, "s": 2}, {"k": 3, "s": 2}, {"k": 3, "s": 2}],
        "1×1 kernel with stride 4, then 2×2": [{"k": 1, "s": 4}, {"k": 2}],
        "stride larger than the kernel": [{"k": 2, "s": 5}, {"k": 2, "s": 5}],
        "strides given explicitly as 1": [{"k": 4, "s": 1, "p": 0, "d": 1}, {"k": 2, "s": 1}],
    },
    "padding": {
        "padding 1 on a 3×3": [{"k": 3, "p": 1}],
        "padding 3 on a 7×7 with stride 2, then pool with padding 1":
            [{"k": 7, "s": 2, "p": 3}, {"k": 3, "s": 2, "p": 1}],
        "padding after a stride": [{"k": 2, "s": 2}, {"k": 3, "p": 2}, {"k": 3, "p": 1}],
        "padding larger than needed": [{"k": 3, "p": 4}, {"k": 1, "p": 2}],
        "the chapter-08 network": [{"k": 3}, {"k": 2, "s": 2, "p": 1}, {"k": 3},
                                   {"k": 2, "s": 2, "p": 1}],
    },
    "dilation": {
        "one 3×3 with dilation 3": [{"k": 3, "d": 3}],
        "dilations 1, 2, 4 (a WaveNet-like stack)": [{"k": 3}, {"k": 3, "d": 2}, {"k": 3, "d": 4}],
        "dilation after a stride": [{"k": 3, "s": 2}, {"k": 3, "d": 2}],
        "dilation with padding": [{"k": 3, "d": 2, "p": 2}, {"k": 5, "d": 3, "p": 1}],
        "dilated 2×2 then pool": [{"k": 2, "d": 5}, {"k": 2, "s": 2}, {"k": 3, "d": 2}],
    },
}

BAD_LAYERS = [
    ("an empty list", []),
    ("a layer without 'k'", [{"k": 3}, {"s": 2}]),
    ("k = 0", [{"k": 0}]),
    ("k = -3", [{"k": 3}, {"k": -3}]),
    ("s = 0", [{"k": 3, "s": 0}]),
    ("d = 0", [{"k": 3, "d": 0}]),
    ("p = -1 in the second layer", [{"k": 3}, {"k": 3, "p": -1}]),
    ("k = 2.5, not an integer", [{"k": 2.5}]),
    ("s = 1.5, not an integer", [{"k": 3, "s": 1.5}]),
    ("p = 0.5, not an integer", [{"k": 3, "p": 0.5}]),
    ("d = '2', a string", [{"k": 3, "d": "2"}]),
]

WINDOWS = [  # (stack group, stack name, unit index)
    ("depth", "three 3×3 layers", 0), ("depth", "three 3×3 layers", 9),
    ("depth", "LeNet-5 (5×5 conv, 2×2 pool, twice)", 3),
    ("depth", "VGG-like: two 3×3 'same', pool, two 3×3 'same', pool", 55),
    ("depth", "AlexNet's first layers (11/4, pool 3/2, 5 pad 2, pool 3/2, 3 pad 1)", 12),
    ("depth", "seven mixed layers", 6), ("stride", "strides 2, 2, 2", 4),
    ("stride", "stride larger than the kernel", 2), ("padding", "padding 1 on a 3×3", 0),
    ("padding", "padding after a stride", 7), ("padding", "the chapter-08 network", 6),
    ("dilation", "dilations 1, 2, 4 (a WaveNet-like stack)", 20),
    ("dilation", "dilation with padding", 1), ("depth", "one 5×5 layer", 1000),
]

# Test models: (description, input (H, W), output unit (row, col)). Keras cannot combine a
# stride > 1 with a dilation > 1 in one layer, so no layer here does.
MODELS = [
    ("one 3×3 conv, unit (2, 4)", [("conv", {"k": 3})], (9, 9), (2, 4)),
    ("3×3 conv then 2×2 average pool, unit (0, 3)",
     [("conv", {"k": 3}), ("avg", {"k": 2, "s": 2})], (10, 12), (0, 3)),
    ("the chapter-08 network (average pooling), centre unit (3, 3)",
     [("conv", {"k": 3}), ("avg", {"k": 2, "s": 2, "p": 1}), ("conv", {"k": 3}),
      ("avg", {"k": 2, "s": 2, "p": 1})], (28, 28), (3, 3)),
    ("the chapter-08 network, corner unit (0, 6): the window runs past two borders",
     [("conv", {"k": 3}), ("avg", {"k": 2, "s": 2, "p": 1}), ("conv", {"k": 3}),
      ("avg", {"k": 2, "s": 2, "p": 1})], (28, 28), (0, 6)),
    ("stride 2 then a dilated 3×3, unit (1, 2)",
     [("conv", {"k": 3, "s": 2}), ("conv", {"k": 3, "d": 2})], (17, 15), (1, 2)),
    ("5×5 'same' conv on a non-square input, unit (5, 1)",
     [("conv", {"k": 5, "p": 2})], (7, 11), (5, 1)),
    ("five layers: conv, pool, conv stride 2, dilated conv, conv, unit (1, 1)",
     [("conv", {"k": 3, "p": 1}), ("avg", {"k": 2, "s": 2}), ("conv", {"k": 3, "s": 2}),
      ("conv", {"k": 2, "d": 3}), ("conv", {"k": 2})], (40, 36), (1, 1)),
    ("a 1×1 conv sees one pixel, unit (4, 0)", [("conv", {"k": 1})], (6, 5), (4, 0)),
]


def _stack_cases(group):
    return [Case(f"{group}: {name}", (layers,)) for name, layers in STACKS[group].items()]


def cases():
    """{function name: [Case, ...]} for the hidden tests (distinct Case objects per function)."""
    receptive = [case for group in STACKS for case in _stack_cases(group)]
    receptive += [Case(f"error: {why}", (layers,), raises="ValueError") for why, layers in BAD_LAYERS]
    windows = [Case(f"value: {name}, unit {i}", (STACKS[group][name], i))
               for group, name, i in WINDOWS]
    windows += [Case("error: unit -1", (STACKS["depth"]["two 3×3 layers"], -1), raises="ValueError"),
                Case("error: unit 1.5", (STACKS["depth"]["two 3×3 layers"], 1.5), raises="ValueError")]
    windows += [Case(f"error: {why}, unit 0", (layers, 0), raises="ValueError")
                for why, layers in BAD_LAYERS[:4]]
    models = [Case(f"model: {name}", (spec, hw, rc)) for name, spec, hw, rc in MODELS]
    return {
        "fc_param_count": [Case(f"value: {h}×{w}×{c} image, {u} units", (h, w, c, u))
                           for h, w, c, u in FC],
        "conv_param_count": [Case(f"value: {n} filters of {f}×{f}×{c}", (f, c, n))
                             for f, c, n in CONV],
        "receptive_field": receptive,
        "input_window": windows,
        "gradient_window_torch": models,
        "gradient_window_tf": [Case(case.id, case.args) for case in models],
    }


# How to call the gradient functions on a stored description: build the model first, with the
# notebook's locked helpers (the hidden tests call them the same way).
CALLS = {
    "gradient_window_torch":
        lambda ns: lambda spec, hw, rc: ns["gradient_window_torch"](ns["torch_model"](spec), hw, rc),
    "gradient_window_tf":
        lambda ns: lambda spec, hw, rc: ns["gradient_window_tf"](ns["keras_model"](spec, hw), hw, rc),
}


# Sample submissions graded by `course demo`: "all" exercises right, a list of the
# exercises done (the rest untouched), or {exercise: code} plausible mistakes.
SAMPLES = {
    "ada-complete": "all",
    "ben-partial": ["fc_param_count", "conv_param_count", "receptive_field", "input_window"],
    "cy-untouched": [],
    "dee-plausible-mistakes": {
        "conv_param_count": '''def conv_param_count(f, c, filters):
    return f * f * c * filters''',
        "receptive_field": '''def receptive_field(layers):
    if not layers:
        raise ValueError("no layers")
    r, j, start, out = 1, 1, 0, []
    for layer in layers:
        k, s, p, d = layer["k"], layer.get("s", 1), layer.get("p", 0), layer.get("d", 1)
        if k < 1 or s < 1 or d < 1 or p < 0:
            raise ValueError(f"bad layer {layer}")
        j = j * s
        r = r + d * (k - 1) * j
        start = start - p * j
        out.append((r, j, start))
    return out''',
        "input_window": '''def input_window(layers, i):
    if i < 0:
        raise ValueError("negative unit")
    r, j, start = receptive_field(layers)[-1]
    return (start + i * j, start + i * j + r)''',
        "gradient_window_tf": '''def gradient_window_tf(model, input_hw, out_rc):
    x = tf.Variable(tf.ones((1, *input_hw, 1)))
    with tf.GradientTape() as tape:
        unit = model(x)[0, out_rc[0], out_rc[1], 0]
    cols, rows = np.nonzero(tape.gradient(unit, x).numpy()[0, :, :, 0])
    return (int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max()))''',
        "convs_to_cover": '''convs_to_cover = (13, 5)''',
    },
}
