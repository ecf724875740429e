"""Chapter 01's stored reference outputs agree with Keras, PyTorch and real gradients.

The references are made by the source notebook's solutions (`course build`). Here they are
checked without those solutions: parameter counts against Keras count_params() and PyTorch,
receptive fields against the input gradient of PyTorch models built from the same layers, and
the gradient windows against both frameworks' autograd and against the clipped input windows.
"""
import keras
import numpy as np
import pytest
import tensorflow as tf
import torch

from course import reference

CASES = reference.load("01_receptive_fields")


def values(name):
    return [c for c in CASES[name] if not c.raises]


CASES_BY_ID = {c.id.split(": ", 1)[1]: c.expected[-1] for c in values("receptive_field")}


def test_fc_counts_match_keras_and_torch():
    for case in values("fc_param_count"):
        h, w, c, units = case.args
        model = keras.Sequential([keras.Input(shape=(h, w, c)), keras.layers.Flatten(),
                                  keras.layers.Dense(units)])
        linear = torch.nn.Linear(h * w * c, units)
        assert case.expected == model.count_params() == sum(p.numel() for p in linear.parameters())


def test_conv_counts_match_keras_and_torch():
    for case in values("conv_param_count"):
        f, c, filters = case.args
        model = keras.Sequential([keras.Input(shape=(f + 3, f + 5, c)),
                                  keras.layers.Conv2D(filters, f)])
        conv = torch.nn.Conv2d(c, filters, f)
        assert case.expected == model.count_params() == sum(p.numel() for p in conv.parameters())


def test_the_notes_counts_are_among_the_cases():
    """The notes' figures: 320 and 18,496 parameters, 100,480 for the dense layer."""
    found = {c.args: c.expected for c in values("conv_param_count") + values("fc_param_count")}
    assert found[(3, 1, 32)] == 320 and found[(3, 32, 64)] == 18_496
    assert found[(28, 28, 1, 128)] == 100_480


def gradient_rows(layers, n, unit):
    """Input rows with a non-zero gradient of output `unit` of a 1-D stack of `layers`.

    Each layer is a Conv1d of weights 1 (a pooling layer counts the same way for the field).
    """
    modules = []
    for layer in layers:
        conv = torch.nn.Conv1d(1, 1, layer["k"], stride=layer.get("s", 1),
                               padding=layer.get("p", 0), dilation=layer.get("d", 1), bias=False)
        torch.nn.init.constant_(conv.weight, 1.0)
        modules.append(conv)
    x = torch.ones(1, 1, n, dtype=torch.float64, requires_grad=True)
    out = torch.nn.Sequential(*modules).double()(x)
    assert out.shape[2] > unit, (layers, n, unit)
    out[0, 0, unit].backward()
    return np.flatnonzero(x.grad[0, 0].numpy())


def test_receptive_fields_match_gradients_of_real_stacks():
    """Unit `i` of every stack sees exactly rows start + i·j ... + r − 1 (no padding, no gap)."""
    checked = 0
    for case in values("receptive_field"):
        layers = case.args[0]
        if any(layer.get("p", 0) for layer in layers):
            continue  # padded rows are not input pixels: the next test covers padding
        rows_per_unit = {}
        r, j, start = case.expected[-1]
        assert start == 0, case.id
        for unit in (0, 1, 2):
            rows = gradient_rows(layers, start + unit * j + r + 5, unit)
            rows_per_unit[unit] = (rows.min(), rows.max())
        for unit, (first, last) in rows_per_unit.items():
            if any(layer.get("d", 1) > 1 for layer in layers):
                assert first >= unit * j and last <= unit * j + r - 1, case.id
            else:
                assert (first, last) == (unit * j, unit * j + r - 1), case.id
        checked += 1
    assert checked >= 10


def test_padded_windows_match_gradients_clipped_to_the_input():
    """With padding, the window may start before row 0: the gradient shows the clipped part."""
    for case in values("input_window"):
        layers, unit = case.args
        first, last = case.expected
        r, j, start = CASES_BY_ID[case.id.replace("value: ", "", 1).rsplit(", unit", 1)[0]]
        assert last - first + 1 == r and first == start + unit * j, case.id
        if any(layer.get("d", 1) > 1 for layer in layers):
            continue  # a dilated layer can skip real pixels at the border (the chapter says so)
        n = last + 1 + 8
        rows = gradient_rows(layers, n, unit)
        assert (rows.min(), rows.max()) == (max(first, 0), last), case.id


def model_box(spec, hw, rc, framework):
    """The gradient box of a model built from `spec` (as the notebook's helpers build it)."""
    if framework == "torch":
        modules, channels = [], 1
        for kind, layer in spec:
            k, s, p, d = layer["k"], layer.get("s", 1), layer.get("p", 0), layer.get("d", 1)
            if kind == "conv":
                conv = torch.nn.Conv2d(channels, 2, k, stride=s, padding=p, dilation=d)
                torch.nn.init.uniform_(conv.weight, 0.2, 1.0)
                modules.append(conv)
                channels = 2
            else:
                modules.append(torch.nn.AvgPool2d(k, s, padding=p))
        x = torch.rand(1, 1, *hw, requires_grad=True)
        torch.nn.Sequential(*modules)(x)[0, 0, rc[0], rc[1]].backward()
        grad = x.grad[0, 0].numpy()
    else:
        layers = [keras.Input(shape=(*hw, 1))]
        for kind, layer in spec:
            k, s, p, d = layer["k"], layer.get("s", 1), layer.get("p", 0), layer.get("d", 1)
            layers += [keras.layers.ZeroPadding2D(p)] if p else []
            layers.append(keras.layers.Conv2D(2, k, strides=s, dilation_rate=d,
                                              kernel_initializer=keras.initializers.RandomUniform(0.2, 1.0))
                          if kind == "conv" else keras.layers.AveragePooling2D(k, s))
        model = keras.Sequential(layers)
        x = tf.random.uniform((1, *hw, 1))
        with tf.GradientTape() as tape:
            tape.watch(x)
            unit = model(x)[0, rc[0], rc[1], 0]
        grad = tape.gradient(unit, x).numpy()[0, :, :, 0]
    rows, cols = np.nonzero(grad)
    return (rows.min(), rows.max(), cols.min(), cols.max())


@pytest.mark.parametrize("framework", ["torch", "tf"])
def test_gradient_windows_match_both_frameworks_with_other_weights(framework):
    for case in CASES[f"gradient_window_{framework}"]:
        assert model_box(*case.args, framework) == case.expected, case.id


def test_gradient_windows_are_the_clipped_input_windows_where_no_layer_skips_pixels():
    for case in CASES["gradient_window_torch"]:
        spec, (h, w), (row, col) = case.args
        layers = [layer for _, layer in spec]
        if any(layer.get("d", 1) > 1 and layer.get("p", 0) for layer in layers):
            continue
        r, j, start = _recurrence(layers)
        rows = (max(start + row * j, 0), min(start + row * j + r - 1, h - 1))
        cols = (max(start + col * j, 0), min(start + col * j + r - 1, w - 1))
        assert case.expected == (*rows, *cols), case.id


def _recurrence(layers):
    """The chapter's recurrence, written independently of the source notebook."""
    r, j, start = 1, 1, 0
    for layer in layers:
        r += layer.get("d", 1) * (layer["k"] - 1) * j
        start -= layer.get("p", 0) * j
        j *= layer.get("s", 1)
    return r, j, start


def test_recurrence_helper_agrees_with_the_stored_receptive_fields():
    for case in values("receptive_field"):
        assert _recurrence(case.args[0]) == case.expected[-1], case.id


def test_cases_cover_what_the_issue_asks_for():
    depths = {len(c.args[0]) for c in values("receptive_field")}
    assert set(range(1, 9)) <= depths | {0}, f"depths covered: {sorted(depths)}"
    errors = " ".join(c.id for c in CASES["receptive_field"] if c.raises)
    for needed in ("empty", "without 'k'", "k = 0", "s = 0", "d = 0", "p = -1", "not an integer"):
        assert needed in errors, needed
    layers = [layer for c in values("receptive_field") for layer in c.args[0]]
    for key in ("s", "p", "d"):
        assert any(layer.get(key, 0) > 1 for layer in layers), key
