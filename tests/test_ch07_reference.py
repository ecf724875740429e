"""Chapter 07's stored reference outputs agree with Keras and PyTorch.

The references are made by the source notebook's solutions (`course build`); here every stored
answer is recomputed with UpSampling2D, Conv2DTranspose, F.interpolate, F.conv_transpose2d and
real ConvTranspose2d output sizes, independently of those solutions.
"""
import keras
import numpy as np
import torch
import torch.nn.functional as F
from scipy import signal

from course import reference

CASES = reference.load("07_upsampling")


def values(name):
    return [c for c in CASES[name] if not c.raises]


def test_nearest_references_equal_keras():
    for case in values("upsample_nearest"):
        x, factor = case.args
        want = keras.layers.UpSampling2D(factor, dtype="float64")(np.asarray(x, np.float64)).numpy()
        np.testing.assert_array_equal(case.expected, want, err_msg=case.id)


def test_bilinear_references_equal_pytorch_and_keras():
    for case in values("upsample_bilinear"):
        x, factor = case.args
        f = tuple(float(v) for v in np.broadcast_to(factor, 2))
        want = F.interpolate(torch.tensor(x).permute(0, 3, 1, 2), scale_factor=f, mode="bilinear",
                             align_corners=False).permute(0, 2, 3, 1).numpy()
        np.testing.assert_allclose(case.expected, want, rtol=1e-12, atol=1e-12, err_msg=case.id)
        # Keras resizes in float32 (measured: about 1e-7 here)
        keras_up = keras.layers.UpSampling2D(factor, interpolation="bilinear")(x.astype(np.float32)).numpy()
        np.testing.assert_allclose(case.expected, keras_up, atol=1e-5, err_msg=case.id)


def test_trans_conv2d_references_equal_pytorch():
    for case in values("trans_conv2d"):
        x, k, stride = case.args
        want = F.conv_transpose2d(torch.tensor(np.asarray(x, np.float64))[None, None],
                                  torch.tensor(np.asarray(k, np.float64))[None, None], stride=stride)
        np.testing.assert_allclose(case.expected, want[0, 0].numpy(), rtol=1e-12, atol=1e-12, err_msg=case.id)


def test_layer_references_equal_keras_conv2d_transpose():
    for case in values("conv_transpose_nhwc"):
        x, w, b, stride, padding = case.args
        layer = keras.layers.Conv2DTranspose(w.shape[2], w.shape[:2], strides=stride, padding=padding,
                                             use_bias=b is not None, dtype="float64")
        layer.build((None, *x.shape[1:]))
        layer.set_weights([w] if b is None else [w, b])
        np.testing.assert_allclose(case.expected, layer(x).numpy(), rtol=1e-10, atol=1e-12, err_msg=case.id)


def test_output_sizes_equal_pytorch():
    for case in CASES["conv_transpose_output_size"]:
        n, f, s, p, op, d = case.args
        try:
            got = F.conv_transpose2d(torch.zeros(1, 1, n, 1), torch.zeros(1, 1, f, 1), stride=(s, 1),
                                     padding=(p, 0), output_padding=(op, 0), dilation=(d, 1)).shape[2]
        except RuntimeError:
            got = "ValueError"
        assert got == (case.raises or case.expected), case.id


def test_conv_matrices_correlate_and_transpose():
    rng = np.random.default_rng(0)
    for case in values("conv_matrix"):
        k, (H, W) = case.args
        x = rng.normal(size=(H, W))
        np.testing.assert_allclose(case.expected @ x.ravel(), signal.correlate2d(x, k, "valid").ravel(),
                                   rtol=1e-12, atol=1e-12, err_msg=case.id)


def test_overlap_counts_equal_a_transposed_convolution_of_ones():
    for case in values("overlap_counts"):
        n, f, s = case.args
        want = F.conv_transpose1d(torch.ones(1, 1, n), torch.ones(1, 1, f), stride=s)[0, 0].numpy()
        np.testing.assert_array_equal(case.expected, want.astype(int), err_msg=case.id)


def test_cases_cover_what_the_issue_asks_for():
    layers = values("conv_transpose_nhwc")
    strides = {int(np.max(c.args[3])) for c in layers}
    assert {1, 2, 3} <= strides and {"valid", "same"} == {c.args[4] for c in layers}
    kernels = [(c.args[1].shape[0], int(np.broadcast_to(c.args[3], 2)[0])) for c in layers]
    assert any(k < s for k, s in kernels) and any(k > s for k, s in kernels)
