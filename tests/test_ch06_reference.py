"""Chapter 06's stored reference gradients agree with torch.autograd and tf.GradientTape.

The references are made by the source notebook's solutions (`course build`); here every stored
forward output and gradient is recomputed by the frameworks' autodiff, in float64, independently
of those solutions.
"""
import numpy as np
import tensorflow as tf
import torch
import torch.nn.functional as F

from course import reference

CASES = reference.load("06_backprop")


def values(name):
    return [c for c in CASES[name] if not c.raises]


def nchw(a):
    return torch.tensor(np.ascontiguousarray(a, dtype=np.float64)).permute(0, 3, 1, 2)


def nhwc(t):
    return t.permute(0, 2, 3, 1).detach().numpy()


def rel(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))


def torch_layer_grads(x, w, b, dout, stride, pad):
    xt = nchw(x).requires_grad_()
    wt = torch.tensor(np.asarray(w, np.float64)).permute(3, 2, 0, 1).requires_grad_()
    bt = torch.tensor(np.asarray(b, np.float64)).requires_grad_()
    out = F.conv2d(xt, wt, bt, stride=stride, padding=pad)
    (out * nchw(dout)).sum().backward()
    return nhwc(out), (nhwc(xt.grad), wt.grad.permute(2, 3, 1, 0).numpy(), bt.grad.numpy())


def test_conv_forward_and_backward_references_equal_torch_autograd():
    for forward, backward in zip(values("conv_forward"), values("conv_backward")):
        dout, (x, w, b, stride, pad) = backward.args
        out, grads = torch_layer_grads(x, w, b, dout, stride, pad)
        np.testing.assert_allclose(forward.expected[0], out, rtol=1e-12, atol=1e-12, err_msg=forward.id)
        for name, stored, want in zip("xwb", backward.expected, grads):
            assert rel(stored, want) < 1e-12, f"d{name}: {backward.id}"


def test_pool_references_equal_torch_autograd():
    for mode, pool in (("max", F.max_pool2d), ("avg", F.avg_pool2d)):
        for case in values(f"{mode}pool_backward"):
            dout, (x, size, stride) = case.args
            xt = nchw(x).requires_grad_()
            (pool(xt, size, stride) * nchw(dout)).sum().backward()
            assert rel(case.expected, nhwc(xt.grad)) < 1e-12, case.id
        for case in values(f"{mode}pool_forward"):
            x, size, stride = case.args
            np.testing.assert_allclose(case.expected[0], nhwc(pool(nchw(x), size, stride)), err_msg=case.id)


def test_pool_cases_have_no_ties():
    for case in values("maxpool_backward"):
        x = case.args[1][0]
        assert len(np.unique(x)) == x.size, case.id


def test_relu_reference_is_zero_at_zero():
    for case in values("relu_backward"):
        dout, x = case.args
        xt = torch.tensor(x).requires_grad_()
        (torch.relu(xt) * torch.tensor(dout)).sum().backward()
        np.testing.assert_array_equal(case.expected, xt.grad.numpy())
        assert (x == 0).any(), "no exact zero in the ReLU case"


def test_framework_references_equal_both_frameworks():
    for torch_case, tf_case in zip(values("conv_grads_torch"), values("conv_grads_tf")):
        x, w, b, dout = torch_case.args
        _, want = torch_layer_grads(x, w, b, dout, 1, 0)
        xv, wv, bv = (tf.Variable(np.asarray(a, np.float64)) for a in (x, w, b))
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((tf.nn.conv2d(xv, wv, 1, "VALID") + bv) * np.asarray(dout, np.float64))
        tf_grads = [g.numpy() for g in tape.gradient(loss, [xv, wv, bv])]
        for stored_t, stored_tf, w_, t_ in zip(torch_case.expected, tf_case.expected, want, tf_grads):
            assert rel(stored_t, w_) < 1e-12 and rel(stored_tf, t_) < 1e-10 and rel(w_, t_) < 1e-10


def test_relative_error_references_follow_the_definition():
    for case in values("relative_error"):
        a, b = case.args
        assert case.expected == rel(np.asarray(a, float), np.asarray(b, float)), case.id


def test_cases_cover_what_the_issue_asks_for():
    settings = [(c.args[1][3], c.args[1][4], c.args[1][1].shape) for c in values("conv_backward")]
    assert {1, 2} <= {s for s, _, _ in settings} and {0, 1} <= {p for _, p, _ in settings}
    assert any(k[0] != k[1] for _, _, k in settings), "non-square kernels"
    assert {1} < {k[2] for _, _, k in settings} | {k[3] for _, _, k in settings}, "1 and several channels"
    pools = [c.args[1] for c in values("maxpool_backward")]
    assert any(stride < size for _, size, stride in pools) and any(stride >= size for _, size, stride in pools)
