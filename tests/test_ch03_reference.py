"""Chapter 03's stored reference outputs agree with PyTorch and TensorFlow.

Every expected value in autograder/references/03_padding_stride.json is recomputed here by
the frameworks themselves (tf.nn.conv2d, keras Conv2D, F.conv2d, F.pad, np.pad), never by a
re-implementation of the notebook's solutions:

- strided_corr2d: tf.nn.conv2d (float64, NHWC/HWIO) with the same strides, after tf.pad for
  explicit padding or with TF's own 'SAME'/'VALID'; tf.nn.conv2d's explicit padding list;
  F.conv2d after F.pad (and PyTorch's padding="same" for stride-1 'same'; PyTorch has no
  strided 'same', so those cases are checked by TensorFlow only). Error cases: the kernel
  really does not fit in the padded input, and F.conv2d refuses it.
- conv_output_size: the size of a real F.conv2d output on zeros; error cases make PyTorch
  raise (or would give a size <= 0).
- same_padding: 'VALID' on the input padded by (before, after) equals TF's 'SAME' for a random
  input and kernel, has ceil(n / s) positions, and one zero less after would not.
- dilate_kernel: correlating with the stored dilated kernel equals F.conv2d(dilation=d) and
  tf.nn.conv2d(dilations=d) with the original kernel.
- corr2d_same_torch: tf.nn.conv2d(padding="SAME").
- pad2d: np.pad(mode="constant") and F.pad (last axis first), dtype preserved.
- the (20, 10) shape table of the course issue, with keras Conv2D and tf.nn.conv2d, and the
  stored references that carry those settings; the 32×32 / 4×4 / stride-2 and
  4×4 / 3×3 / P=1 worked examples with PyTorch.

layer_shapes (exercise 7) has no stored cases: its hidden test compares the answer with the
Keras and PyTorch models inside the notebook, so it is not checked here.
"""
import math
import warnings

import numpy as np
import pytest
import tensorflow as tf
import torch
import torch.nn.functional as F
from scipy import signal
from tensorflow import keras

from course import reference

CASES = reference.load("03_padding_stride")
RNG_SEED = 2031


def values(name):
    return [c for c in CASES[name] if not c.raises]


def errors(name):
    return [c for c in CASES[name] if c.raises]


def assert_close(expected, got, case_id):
    expected = np.asarray(expected)
    scale = max(1.0, float(np.abs(expected.astype(np.float64)).max())) if expected.size else 1.0
    np.testing.assert_allclose(expected, got, rtol=1e-9, atol=1e-9 * scale, err_msg=case_id)


# ---------------------------------------------------------------- argument normalisation

def strided_args(case):
    """(x, k, (sh, sw), padding) of a strided_corr2d case, with the function's defaults."""
    x, k, stride, padding = (tuple(case.args) + (1, 0)[len(case.args) - 2:])[:4]
    assert not case.kwargs, case.id
    stride = (stride, stride) if np.ndim(stride) == 0 else tuple(stride)
    return np.asarray(x), np.asarray(k), stride, padding


def explicit_pairs(padding):
    """((top, bottom), (left, right)) of an int or pair padding (not "same")."""
    if isinstance(padding, str):
        assert padding == "valid"
        return ((0, 0), (0, 0))
    if np.ndim(padding) == 0:
        return ((padding, padding), (padding, padding))
    (top, bottom), (left, right) = padding
    return ((top, bottom), (left, right))


def nhwc(x):
    return tf.constant(np.asarray(x, np.float64)[None, :, :, None])


def hwio(k):
    return tf.constant(np.asarray(k, np.float64)[:, :, None, None])


def nchw(x):
    return torch.tensor(np.asarray(x, np.float64))[None, None]


# ---------------------------------------------------------------- engines for strided_corr2d

def tf_strided(x, k, stride, padding):
    """tf.nn.conv2d with TF's padding string, or tf.pad + 'VALID' for explicit padding."""
    if padding == "same":
        out = tf.nn.conv2d(nhwc(x), hwio(k), strides=list(stride), padding="SAME")
    else:
        (t, b), (l, r) = explicit_pairs(padding)
        xp = tf.pad(nhwc(x), [[0, 0], [t, b], [l, r], [0, 0]])
        out = tf.nn.conv2d(xp, hwio(k), strides=list(stride), padding="VALID")
    return out[0, :, :, 0].numpy()


def tf_explicit_list(x, k, stride, padding):
    """tf.nn.conv2d's own explicit padding list (or its 'SAME')."""
    if padding == "same":
        pad = "SAME"
    else:
        (t, b), (l, r) = explicit_pairs(padding)
        pad = [[0, 0], [t, b], [l, r], [0, 0]]
    return tf.nn.conv2d(nhwc(x), hwio(k), strides=list(stride), padding=pad)[0, :, :, 0].numpy()


def torch_strided(x, k, stride, padding):
    """F.pad (left, right, top, bottom) + F.conv2d; None where PyTorch cannot do TF's 'same'."""
    if padding == "same":
        if stride != (1, 1):
            return None  # PyTorch's padding="same" only exists for stride 1
        with warnings.catch_warnings():  # even kernels: "may require a zero-padded copy"
            warnings.simplefilter("ignore", UserWarning)
            return F.conv2d(nchw(x), nchw(k), padding="same")[0, 0].numpy()
    (t, b), (l, r) = explicit_pairs(padding)
    xp = F.pad(nchw(x), (l, r, t, b))
    return F.conv2d(xp, nchw(k), stride=stride)[0, 0].numpy()


@pytest.mark.parametrize("engine", [tf_strided, tf_explicit_list, torch_strided])
def test_strided_corr2d_references_match_the_frameworks(engine):
    compared = 0
    for case in values("strided_corr2d"):
        x, k, stride, padding = strided_args(case)
        got = engine(x, k, stride, padding)
        if got is None:
            continue
        assert case.expected.dtype == np.float64, case.id
        assert case.expected.shape == got.shape, f"{case.id}: {case.expected.shape} vs {got.shape}"
        assert_close(case.expected, got, case.id)
        compared += 1
    assert compared >= 20, f"only {compared} strided_corr2d cases compared"


def test_strided_corr2d_error_cases_really_do_not_fit():
    cases = errors("strided_corr2d")
    assert cases
    for case in cases:
        assert case.raises == "ValueError", case.id
        x, k, stride, padding = strided_args(case)
        assert padding != "same", case.id  # 'same' always fits in TensorFlow
        (t, b), (l, r) = explicit_pairs(padding)
        padded = np.pad(np.asarray(x, np.float64), ((t, b), (l, r)), mode="constant")
        assert k.shape[0] > padded.shape[0] or k.shape[1] > padded.shape[1], case.id
        with pytest.raises(RuntimeError):
            F.conv2d(F.pad(nchw(x), (l, r, t, b)), nchw(k), stride=stride)


# ---------------------------------------------------------------- conv_output_size

def torch_output_size(n, f, p, s, d):
    """Output length of a real F.conv2d along one axis (the other axis is 1 wide)."""
    out = F.conv2d(torch.zeros(1, 1, n, 1), torch.zeros(1, 1, f, 1),
                   stride=(s, 1), padding=(p, 0), dilation=(d, 1))
    return out.shape[2]


def test_conv_output_size_references_match_torch():
    cases = values("conv_output_size")
    assert len(cases) >= 20
    for case in cases:
        got = torch_output_size(*case.args, **case.kwargs)
        assert type(case.expected) is int, f"{case.id}: {case.expected!r} is not an int"
        assert case.expected == got, f"{case.id}: reference {case.expected}, F.conv2d {got}"


def test_conv_output_size_error_cases_are_refused_by_torch():
    cases = errors("conv_output_size")
    assert cases
    for case in cases:
        assert case.raises == "ValueError", case.id
        try:
            size = torch_output_size(*case.args, **case.kwargs)
        except RuntimeError:
            continue
        assert size <= 0, f"{case.id}: F.conv2d gives a size-{size} output"


# ---------------------------------------------------------------- same_padding

def tf_1d(x, k, s, padding):
    """tf.nn.conv2d along the rows of a one-column image."""
    xt = tf.constant(np.asarray(x, np.float64)[None, :, None, None])
    kt = tf.constant(np.asarray(k, np.float64)[:, None, None, None])
    return tf.nn.conv2d(xt, kt, strides=[s, 1], padding=padding)[0, :, 0, 0].numpy()


def valid_after_padding(x, k, s, before, after):
    xt = tf.pad(tf.constant(np.asarray(x, np.float64)[None, :, None, None]),
                [[0, 0], [before, after], [0, 0], [0, 0]])
    kt = tf.constant(np.asarray(k, np.float64)[:, None, None, None])
    return tf.nn.conv2d(xt, kt, strides=[s, 1], padding="VALID")[0, :, 0, 0].numpy()


def test_same_padding_references_reproduce_tf_same():
    rng = np.random.default_rng(RNG_SEED)
    cases = values("same_padding")
    assert len(cases) >= 20
    for case in cases:
        n, f, s = case.args
        before, after = case.expected
        assert isinstance(case.expected, tuple), case.id
        assert all(type(v) is int and v >= 0 for v in (before, after)), case.id
        x, k = rng.normal(size=n), rng.normal(size=f)
        want = tf_1d(x, k, s, "SAME")
        assert len(want) == math.ceil(n / s), case.id
        got = valid_after_padding(x, k, s, before, after)
        assert got.shape == want.shape, f"{case.id}: {got.shape} vs TF 'SAME' {want.shape}"
        assert_close(want, got, case.id)
        if after > 0:  # TF pads only what its windows read: one zero less loses a window
            fewer = valid_after_padding(x, k, s, before, after - 1)
            assert fewer.shape != want.shape or not np.allclose(fewer, want), case.id


def test_same_padding_references_also_match_along_the_columns():
    rng = np.random.default_rng(RNG_SEED + 1)
    for case in values("same_padding"):
        n, f, s = case.args
        x, k = rng.normal(size=(1, n)), rng.normal(size=(1, f))
        want = tf.nn.conv2d(nhwc(x), hwio(k), strides=[1, s], padding="SAME")
        xp = tf.pad(nhwc(x), [[0, 0], [0, 0], list(case.expected), [0, 0]])
        got = tf.nn.conv2d(xp, hwio(k), strides=[1, s], padding="VALID")
        assert got.shape == want.shape, case.id
        assert_close(want.numpy(), got.numpy(), case.id)


# ---------------------------------------------------------------- dilate_kernel

def test_dilate_kernel_references_match_framework_dilation():
    rng = np.random.default_rng(RNG_SEED + 2)
    cases = values("dilate_kernel")
    assert cases
    for case in cases:
        k, d = case.args
        kd = case.expected
        x = rng.normal(size=(kd.shape[0] + 4, kd.shape[1] + 5))
        with_dilated = F.conv2d(nchw(x), nchw(kd))[0, 0].numpy()
        torch_dilation = F.conv2d(nchw(x), nchw(k), dilation=d)[0, 0].numpy()
        tf_dilation = tf.nn.conv2d(nhwc(x), hwio(k), strides=1, padding="VALID",
                                   dilations=d)[0, :, :, 0].numpy()
        scipy_dilated = signal.correlate2d(x, np.asarray(kd, np.float64), mode="valid")
        for got in (with_dilated, scipy_dilated):
            assert got.shape == torch_dilation.shape, case.id
            assert_close(torch_dilation, got, case.id)
            assert_close(tf_dilation, got, case.id)
        assert kd.dtype == np.asarray(k).dtype, case.id


# ---------------------------------------------------------------- corr2d_same_torch

def test_corr2d_same_torch_references_match_tf_same():
    cases = values("corr2d_same_torch")
    assert cases
    for case in cases:
        x, k, s = (tuple(case.args) + (1,))[:3]
        want = tf.nn.conv2d(nhwc(x), hwio(k), strides=s, padding="SAME")[0, :, :, 0].numpy()
        assert case.expected.shape == want.shape, case.id
        assert case.expected.dtype == np.float64, case.id
        assert_close(case.expected, want, case.id)


# ---------------------------------------------------------------- pad2d

def test_pad2d_references_match_np_pad_and_torch_pad():
    cases = values("pad2d")
    assert cases
    for case in cases:
        x, padding = case.args
        (t, b), (l, r) = explicit_pairs(padding)
        want = np.pad(x, ((t, b), (l, r)), mode="constant")
        torch_want = F.pad(torch.from_numpy(np.ascontiguousarray(x)), (l, r, t, b)).numpy()
        assert case.expected.dtype == x.dtype, f"{case.id}: {case.expected.dtype} vs {x.dtype}"
        assert want.dtype == x.dtype and torch_want.dtype == x.dtype, case.id
        if case.dtype:
            assert case.expected.dtype == np.dtype(case.dtype), case.id
        for got in (want, torch_want):
            assert case.expected.shape == got.shape, case.id
            assert_close(case.expected, got, case.id)


# ---------------------------------------------------------------- the (20, 10) shape table

SAME_TABLE = {1: (20, 10), 2: (10, 5), 3: (7, 4), 4: (5, 3)}
VALID_TABLE = {1: (17, 7), 2: (9, 4), 3: (6, 3), 4: (5, 2), 5: (4, 2)}


def keras_shape(stride, padding, pre_padding=None):
    layers = [keras.Input(shape=(20, 10, 1))]
    if pre_padding is not None:
        layers.append(keras.layers.ZeroPadding2D(padding=pre_padding))
    layers.append(keras.layers.Conv2D(1, kernel_size=4, strides=stride, padding=padding))
    model = keras.Sequential(layers)
    return tuple(int(v) for v in model(np.zeros((1, 20, 10, 1), np.float32)).shape[1:3])


def tf_shape(stride, padding):
    out = tf.nn.conv2d(tf.zeros((1, 20, 10, 1), tf.float64), tf.zeros((4, 4, 1, 1), tf.float64),
                       strides=stride, padding=padding.upper())
    return tuple(out.shape[1:3])


@pytest.mark.parametrize("padding, table", [("same", SAME_TABLE), ("valid", VALID_TABLE)])
def test_the_issue_shape_table_holds_in_keras_and_tf(padding, table):
    for stride, shape in table.items():
        assert keras_shape(stride, padding) == shape, (padding, stride)
        assert tf_shape(stride, padding) == shape, (padding, stride)


def test_stored_references_agree_with_the_shape_table():
    table_cases = {"same": SAME_TABLE, "valid": VALID_TABLE}
    seen = 0
    for case in values("strided_corr2d"):
        x, k, (sh, sw), padding = strided_args(case)
        if x.shape == (20, 10) and k.shape == (4, 4) and sh == sw and padding in table_cases:
            assert case.expected.shape == table_cases[padding][sh], case.id
            seen += 1
    assert seen == len(SAME_TABLE) + len(VALID_TABLE)

    for case in values("corr2d_same_torch"):
        x, k, s = (tuple(case.args) + (1,))[:3]
        if x.shape == (20, 10) and k.shape == (4, 4):
            assert case.expected.shape == SAME_TABLE[s], case.id

    # 'valid' entries carried by conv_output_size, one axis at a time
    sizes = {tuple(c.args): c.expected for c in values("conv_output_size")}
    checked = 0
    for stride, (h, w) in VALID_TABLE.items():
        for n, want in ((20, h), (10, w)):
            if (n, 4, 0, stride, 1) in sizes:
                assert sizes[(n, 4, 0, stride, 1)] == want, (n, stride)
                checked += 1
    assert checked >= 4

    # 'same' entries carried by same_padding: Keras 'valid' after ZeroPadding2D with the
    # stored (before, after) gives the table's shape
    pads = {tuple(c.args): c.expected for c in values("same_padding")}
    for stride, shape in SAME_TABLE.items():
        rows, cols = pads[(20, 4, stride)], pads[(10, 4, stride)]
        assert keras_shape(stride, "valid", pre_padding=(rows, cols)) == shape, stride


def test_worked_examples_with_torch_and_the_references():
    out = F.conv2d(torch.zeros(1, 1, 32, 32), torch.zeros(1, 1, 4, 4), stride=2)
    assert tuple(out.shape[2:]) == (15, 15)
    out = F.conv2d(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 3, 3), stride=1, padding=1)
    assert tuple(out.shape[2:]) == (4, 4)
    sizes = {tuple(c.args): c.expected for c in values("conv_output_size")}
    assert sizes[(32, 4, 0, 2, 1)] == 15
    assert sizes[(4, 3, 1, 1, 1)] == 4
