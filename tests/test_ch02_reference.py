"""Chapter 02's stored reference outputs agree with SciPy, PyTorch and TensorFlow."""
import numpy as np
import pytest
import tensorflow as tf
import torch
import torch.nn.functional as F
from scipy import signal

from course import reference

CASES = reference.load("02_cross_correlation")
TOL = dict(rtol=1e-9, atol=1e-9)


def scipy_corr(x, k):
    return signal.correlate2d(np.asarray(x, float), np.asarray(k, float), mode="valid")


def torch_corr(x, k):
    xt = torch.tensor(np.asarray(x, float))[None, None]
    kt = torch.tensor(np.asarray(k, float))[None, None]
    return F.conv2d(xt, kt)[0, 0].numpy()


def tf_corr(x, k):
    xt = tf.constant(np.asarray(x, float)[None, :, :, None])
    kt = tf.constant(np.asarray(k, float)[:, :, None, None])
    return tf.nn.conv2d(xt, kt, strides=1, padding="VALID")[0, :, :, 0].numpy()


def values(name):
    return [c for c in CASES[name] if not c.raises]


@pytest.mark.parametrize("engine", [scipy_corr, torch_corr, tf_corr])
@pytest.mark.parametrize("name", ["corr2d", "corr2d_torch", "corr2d_tf"])
def test_correlation_references_match_the_frameworks(engine, name):
    for case in values(name):
        got = engine(*case.args)
        scale = max(1.0, np.abs(case.expected).max())
        np.testing.assert_allclose(case.expected, got, rtol=1e-9, atol=1e-9 * scale,
                                   err_msg=case.id)


def test_convolution_references_match_scipy_convolve2d():
    for case in values("conv2d"):
        x, k = case.args
        got = signal.convolve2d(np.asarray(x, float), np.asarray(k, float), mode="valid")
        np.testing.assert_allclose(case.expected, got, err_msg=case.id, **TOL)


def test_references_are_float64_and_error_cases_really_do_not_fit():
    for name in ("corr2d", "conv2d"):
        for case in CASES[name]:
            x, k = case.args
            if case.raises:
                assert k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1], case.id
            else:
                assert case.expected.dtype == np.float64, case.id


def test_cases_cover_the_shapes_dtypes_and_values_the_issue_asks_for():
    ids = " ".join(c.id for c in CASES["corr2d"])
    for needed in ("1×1", "as large as the input", "uint8", "negative", "large", "error"):
        assert needed in ids
    shapes = [c.args[1].shape for c in values("corr2d")]
    assert any(h != w for h, w in shapes), "no non-square kernel"
