"""Chapter 05's stored reference outputs agree with Keras, tf.nn pooling and PyTorch.

The references are made by the source notebook's solutions (`course build`); here every stored
answer is recomputed with the frameworks, independently of those solutions. No case pools a
'valid' window larger than its input in TensorFlow (it has crashed the process with SIGFPE).
"""
import keras
import numpy as np
import tensorflow as tf
import torch
import torch.nn.functional as F

from course import reference

CASES = reference.load("05_pooling")


def values(name):
    return [c for c in CASES[name] if not c.raises]


def keras_pool(x, size, stride=None, padding="valid", mode="max"):
    layer = (keras.layers.MaxPooling2D if mode == "max" else keras.layers.AveragePooling2D)
    return layer(size, strides=stride, padding=padding, dtype="float64")(
        np.asarray(x, np.float64)).numpy()


def tf_pool(x, size, stride=None, padding="valid", mode="max"):
    pool = tf.nn.max_pool2d if mode == "max" else tf.nn.avg_pool2d
    return pool(np.asarray(x, np.float64), size, size if stride is None else stride,
                padding.upper()).numpy()


def test_pool2d_references_equal_keras_and_tf_nn():
    for case in values("pool2d"):
        x, size, stride, padding, mode = case.args
        assert all(np.broadcast_to(size, 2) <= x.shape[1:3]) or padding == "same", case.id
        # Measured here: tf.nn.max_pool2d and Keras's pooling layers round float64 inputs to
        # float32 (differences up to 8e-8), so they are compared within 1e-6; PyTorch pools
        # float64 exactly and checks the 'valid' cases to 1e-12.
        if padding == "valid":
            xt = torch.tensor(np.asarray(x, np.float64)).permute(0, 3, 1, 2)
            pool = F.max_pool2d if mode == "max" else F.avg_pool2d
            exact = pool(xt, size, size if stride is None else stride).permute(0, 2, 3, 1).numpy()
            np.testing.assert_allclose(case.expected, exact, rtol=1e-12, atol=1e-12, err_msg=case.id)
        for engine, tol in ((tf_pool, 1e-6), (keras_pool, 1e-6)):
            np.testing.assert_allclose(case.expected, engine(x, size, stride, padding, mode),
                                       rtol=tol, atol=tol, err_msg=f"{engine.__name__}: {case.id}")


def test_torch_semantics_references_equal_pytorch():
    for case in values("pool2d_torch_semantics"):
        x, size, stride, padding, mode, include = case.args
        xt = torch.tensor(np.asarray(x, np.float64)).permute(0, 3, 1, 2)
        if mode == "max":
            out = F.max_pool2d(xt, size, stride, padding)
        else:
            out = F.avg_pool2d(xt, size, stride, padding, count_include_pad=include)
        np.testing.assert_allclose(case.expected, out.permute(0, 2, 3, 1).numpy(), rtol=1e-12,
                                   atol=1e-12, err_msg=case.id)


def test_torch_error_cases_are_refused_by_pytorch_too():
    for case in CASES["pool2d_torch_semantics"]:
        if case.raises and len(case.args) < 5:
            x, size, stride, padding = case.args
            try:
                F.max_pool2d(torch.tensor(x).permute(0, 3, 1, 2), size, stride, padding)
            except RuntimeError:
                continue
            raise AssertionError(f"PyTorch accepts {case.id}")


def test_min_and_global_references():
    for case in values("min_pool2d"):
        x, size, *stride = case.args
        xt = torch.tensor(np.asarray(x, np.float64)).permute(0, 3, 1, 2)
        want = -F.max_pool2d(-xt, size, stride[0] if stride else None)
        np.testing.assert_allclose(case.expected, want.permute(0, 2, 3, 1).numpy(), err_msg=case.id)
    for case in values("global_avg_pool"):
        want = keras.layers.GlobalAveragePooling2D(dtype="float64")(np.asarray(case.args[0], np.float64))
        np.testing.assert_allclose(case.expected, want.numpy(), rtol=1e-12, err_msg=case.id)


def test_cases_cover_what_the_issue_asks_for():
    pools = values("pool2d")
    assert {"max", "avg"} == {c.args[4] for c in pools} and {"valid", "same"} == {c.args[3] for c in pools}
    assert any(c.args[2] is not None and c.args[2] != c.args[1] for c in pools), "stride != size"
    assert any(np.ndim(c.args[1]) == 1 and c.args[1][0] != c.args[1][1] for c in pools), "(h, w) sizes"
    assert any(c.args[0].dtype == np.uint8 for c in pools), "uint8"
    torch_cases = values("pool2d_torch_semantics")
    assert {True, False} == {c.args[5] for c in torch_cases if c.args[4] == "avg"}
