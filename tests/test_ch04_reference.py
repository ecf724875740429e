"""Chapter 04's stored reference outputs agree with TensorFlow, Keras, PyTorch and SciPy.

The references are made by the source notebook's solutions (`course build`); here every stored
answer is recomputed with the frameworks, independently of those solutions.
"""
import keras
import numpy as np
import tensorflow as tf
import torch
import torch.nn.functional as F
from scipy import signal

from course import reference

CASES = reference.load("04_multichannel")


def values(name):
    return [c for c in CASES[name] if not c.raises]


def tf_same_padding(n, f, s):
    total = max((-(-n // s) - 1) * s + f - n, 0)
    return [total // 2, total - total // 2]


def tf_layer(x, w, b, stride, padding):
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    if not isinstance(padding, str):
        padding = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    out = tf.nn.conv2d(x, w, strides=stride,
                       padding=padding.upper() if isinstance(padding, str) else padding).numpy()
    return out if b is None else out + b


def torch_layer(x, w, b, stride, padding):
    """The same layer with F.conv2d: NCHW / OIHW, TF's 'same' as explicit F.pad."""
    x = torch.tensor(np.asarray(x, np.float64).transpose(0, 3, 1, 2))
    w = torch.tensor(np.asarray(w, np.float64).transpose(3, 2, 0, 1).copy())
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "same":
        top, bottom = tf_same_padding(x.shape[2], w.shape[2], sh)
        left, right = tf_same_padding(x.shape[3], w.shape[3], sw)
        x, padding = F.pad(x, (left, right, top, bottom)), 0
    elif padding == "valid":
        padding = 0
    bias = None if b is None else torch.tensor(np.asarray(b, np.float64))
    out = F.conv2d(x, w, bias, stride=(sh, sw), padding=padding)
    return out.numpy().transpose(0, 2, 3, 1)


def test_multi_in_references_equal_scipy_sums_over_channels():
    for case in values("corr2d_multi_in"):
        x, k = (np.asarray(a, np.float64) for a in case.args)
        want = sum(signal.correlate2d(x[:, :, c], k[:, :, c], mode="valid") for c in range(x.shape[2]))
        np.testing.assert_allclose(case.expected, want, rtol=1e-10, atol=1e-9, err_msg=case.id)


def test_layer_references_equal_tensorflow_and_pytorch():
    for case in values("conv2d_nhwc"):
        for engine in (tf_layer, torch_layer):
            np.testing.assert_allclose(case.expected, engine(*case.args), rtol=1e-9, atol=1e-8,
                                       err_msg=f"{engine.__name__}: {case.id}")


def test_layer_references_equal_keras_conv2d_with_the_same_weights():
    for case in values("conv2d_nhwc"):
        x, w, b, stride, padding = case.args
        if not isinstance(padding, str):
            continue  # Keras's Conv2D has no integer padding
        layer = keras.layers.Conv2D(w.shape[3], w.shape[:2], strides=stride, padding=padding,
                                    use_bias=b is not None, dtype="float64")
        layer.build((None, *x.shape[1:]))
        layer.set_weights([w] if b is None else [w, b])
        np.testing.assert_allclose(case.expected, layer(np.asarray(x, np.float64)).numpy(),
                                   rtol=1e-9, atol=1e-8, err_msg=case.id)


def test_error_cases_really_are_malformed():
    for case in CASES["conv2d_nhwc"]:
        if case.raises:
            x, w = case.args[:2]
            b = case.args[2] if len(case.args) > 2 else None
            broken = (x.ndim != 4 or w.ndim != 4 or w.shape[2] != x.shape[3]
                      or (b is not None and b.shape != (w.shape[3],))
                      or w.shape[0] > x.shape[1] or w.shape[1] > x.shape[2])
            assert broken, case.id


def test_1x1_references_equal_a_1x1_tf_convolution():
    for case in values("conv1x1"):
        x, w = case.args
        np.testing.assert_allclose(case.expected, tf_layer(x, w[None, None], None, 1, "valid"),
                                   rtol=1e-10, atol=1e-9, err_msg=case.id)


def test_layout_references_let_pytorch_compute_tensorflows_numbers():
    for case in values("to_torch_layout"):
        x, w = case.args
        x_c, w_c = case.expected
        assert x_c.dtype == x.dtype and w_c.dtype == w.dtype, case.id
        out = F.conv2d(torch.tensor(x_c.astype(np.float64)), torch.tensor(w_c.astype(np.float64)))
        np.testing.assert_allclose(out.numpy().transpose(0, 2, 3, 1), tf_layer(x, w, None, 1, "valid"),
                                   rtol=1e-10, atol=1e-9, err_msg=case.id)


def test_parameter_counts_equal_keras_and_torch():
    for case in values("conv_params"):
        f, c_in, c_out, *bias = case.args
        bias = bias[0] if bias else True
        layer = keras.layers.Conv2D(c_out, f, use_bias=bias)
        layer.build((None, f + 2, f + 2, c_in))
        conv = torch.nn.Conv2d(c_in, c_out, f, bias=bias)
        assert case.expected == layer.count_params() == sum(p.numel() for p in conv.parameters())
    for case in values("dense_params"):
        n_in, n_out, *bias = case.args
        bias = bias[0] if bias else True
        layer = keras.layers.Dense(n_out, use_bias=bias)
        layer.build((None, n_in))
        linear = torch.nn.Linear(n_in, n_out, bias=bias)
        assert case.expected == layer.count_params() == sum(p.numel() for p in linear.parameters())


def test_the_notes_counts_are_among_the_cases():
    conv = {c.args: c.expected for c in values("conv_params")}
    dense = {c.args: c.expected for c in values("dense_params")}
    assert conv[(3, 1, 32)] == 320 and conv[(3, 32, 64)] == 18_496
    assert dense[(10_816, 100)] == 1_081_700


def test_cases_cover_what_the_issue_asks_for():
    layer = values("conv2d_nhwc")
    c_in = {c.args[0].shape[3] for c in layer}
    c_out = {c.args[1].shape[3] for c in layer}
    assert {1, 3} <= c_in and max(c_in) > 3 and {1, 3} <= c_out and max(c_out) > 3
    assert {1} < {c.args[0].shape[0] for c in layer}, "batches of 1 and more"
    assert any(np.ndim(c.args[3]) == 1 for c in layer), "stride tuples"
    assert any(c.args[1].shape[0] != c.args[1].shape[1] for c in layer), "non-square kernels"
    assert any(c.args[0].dtype.kind in "iu" for c in layer), "integer inputs"
    ids = " ".join(c.id for c in CASES["conv2d_nhwc"] if c.raises)
    for needed in ("channels", "OIHW", "3-D weights", "biases", "3-row kernel on 2 rows",
                   "without the batch axis"):
        assert needed in ids, needed
