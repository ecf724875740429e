"""Mutant submissions for chapter 06 (backpropagation).

Each string replaces one solution cell of source/06_backprop/06_backprop.ipynb entirely. The
code may use what the setup cell imports (np, torch, F, tf, checks) and the locked cells' names.
The tests build every cache in the format the chapter fixes, so no exercise builds on another
(no DEPENDS).

- WRONG: {exercise: {name: code}}, mistakes students really make; each must lose at least one
  point on its own exercise's tests and none on another's (tests/test_mutants.py).
- RIGHT: {exercise: {name: code}}, correct solutions written differently; full marks.
"""

_BACKWARD_HEAD = '''def conv_backward(dout, cache):
    x, w, b, stride, pad = cache
    x, w, dout = (np.asarray(a, dtype=np.float64) for a in (x, w, dout))
    (kh, kw), (out_h, out_w) = w.shape[:2], dout.shape[1:3]
    xp = np.pad(x, [(0, 0), (pad, pad), (pad, pad), (0, 0)])
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for u in range(kh):
        for v in range(kw):
            rows = slice(u, u + stride * (out_h - 1) + 1, stride)
            cols = slice(v, v + stride * (out_w - 1) + 1, stride)
'''


def _backward(dw_line="dw[u, v] = np.tensordot(xp[:, rows, cols], dout, axes=([0, 1, 2], [0, 1, 2]))",
              dx_line="dxp[:, rows, cols] += dout @ w[u, v].T",
              tail="dx = dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2]]\n    return dx, dw, dout.sum(axis=(0, 1, 2))"):
    return _BACKWARD_HEAD + f"            {dw_line}\n            {dx_line}\n    {tail}"


def _pool_backward(name, line, recompute=True):
    head = f'''def {name}(dout, cache):
    x, size, stride = cache
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    out_h, out_w = dout.shape[1:3]
'''
    if recompute:
        head += '''    out = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))[
        :, ::stride, ::stride].max(axis=(-2, -1))
'''
    return head + f'''    dx = np.zeros_like(x)
    for u in range(size):
        for v in range(size):
            rows = slice(u, u + stride * (out_h - 1) + 1, stride)
            cols = slice(v, v + stride * (out_w - 1) + 1, stride)
            {line}
    return dx'''


def _numerical(body):
    return "def numerical_gradient(f, x, h=1e-5):\n" + body


WRONG = {
    "dw_by_hand": {
        "gradient-for-g-all-ones": '''dw_by_hand = [[5.0, 3.0], [3.0, 6.0]]''',
        "flipped": '''dw_by_hand = [[-3.0, 2.0], [-2.0, 8.0]]''',
        "dx-corner-instead": '''dw_by_hand = [[2.0, -1.0], [5.0, 1.0]]''',
    },
    "conv_forward": {
        "cache-in-another-order": '''def conv_forward(x, w, b, stride=1, pad=0):
    x, w, b = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    xp = np.pad(x, [(0, 0), (pad, pad), (pad, pad), (0, 0)])
    win = np.lib.stride_tricks.sliding_window_view(xp, w.shape[:2], axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("nijcuv,uvco->nijo", win, w) + b, (x, w, b, pad, stride)''',
        "padding-ignored": '''def conv_forward(x, w, b, stride=1, pad=0):
    xf, wf, bf = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    win = np.lib.stride_tricks.sliding_window_view(xf, wf.shape[:2], axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("nijcuv,uvco->nijo", win, wf) + bf, (x, w, b, stride, pad)''',
        "kernel-flipped": '''def conv_forward(x, w, b, stride=1, pad=0):
    xf, wf, bf = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    xp = np.pad(xf, [(0, 0), (pad, pad), (pad, pad), (0, 0)])
    win = np.lib.stride_tricks.sliding_window_view(xp, wf.shape[:2], axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("nijcuv,uvco->nijo", win, wf[::-1, ::-1]) + bf, (x, w, b, stride, pad)''',
        "stride-before-padding": '''def conv_forward(x, w, b, stride=1, pad=0):
    xf, wf, bf = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    xp = np.pad(xf[:, ::stride, ::stride], [(0, 0), (pad, pad), (pad, pad), (0, 0)])
    win = np.lib.stride_tricks.sliding_window_view(xp, wf.shape[:2], axis=(1, 2))
    return np.einsum("nijcuv,uvco->nijo", win, wf) + bf, (x, w, b, stride, pad)''',
    },
    "conv_backward": {
        "dx-with-the-kernel-rotated": _backward(dx_line="dxp[:, rows, cols] += dout @ w[kh - 1 - u, kw - 1 - v].T"),
        "db-not-summed-over-the-batch": _backward(
            tail="dx = dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2]]\n    return dx, dw, dout.sum(axis=(1, 2))"),
        "stride-ignored": _BACKWARD_HEAD.replace(
            "rows = slice(u, u + stride * (out_h - 1) + 1, stride)", "rows = slice(u, u + out_h)").replace(
            "cols = slice(v, v + stride * (out_w - 1) + 1, stride)", "cols = slice(v, v + out_w)")
            + "            dw[u, v] = np.tensordot(xp[:, rows, cols], dout, axes=([0, 1, 2], [0, 1, 2]))\n"
              "            dxp[:, rows, cols] += dout @ w[u, v].T\n"
              "    dx = dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2]]\n"
              "    return dx, dw, dout.sum(axis=(0, 1, 2))",
        "padding-not-cropped": _backward(tail="return dxp, dw, dout.sum(axis=(0, 1, 2))"),
        "dw-channels-transposed": _backward(
            dw_line="dw[u, v] = np.tensordot(xp[:, rows, cols], dout, axes=([0, 1, 2], [0, 1, 2])).T.reshape(dw.shape[2:])"),
        "dx-assigned-not-added": _backward(dx_line="dxp[:, rows, cols] = dout @ w[u, v].T"),
        "dw-from-the-unpadded-input": _backward(
            dw_line="dw[u, v] = np.tensordot(x[:, rows, cols], dout, axes=([0, 1, 2], [0, 1, 2]))"),
        "loops-over-pixels": '''def conv_backward(dout, cache):
    x, w, b, stride, pad = cache
    x, w, dout = (np.asarray(a, dtype=np.float64) for a in (x, w, dout))
    kh, kw = w.shape[:2]
    xp = np.pad(x, [(0, 0), (pad, pad), (pad, pad), (0, 0)])
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(dout.shape[0]):
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                window = xp[n, i * stride:i * stride + kh, j * stride:j * stride + kw]
                dw += window[..., None] * dout[n, i, j]
                dxp[n, i * stride:i * stride + kh, j * stride:j * stride + kw] += w @ dout[n, i, j]
    return dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2]], dw, dout.sum(axis=(0, 1, 2))''',
    },
    "relu_forward": {
        "leaky": '''def relu_forward(x):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, x, 0.01 * x), x''',
        "caches-the-output": '''def relu_forward(x):
    out = np.maximum(np.asarray(x, dtype=np.float64), 0)
    return out, out''',
        "abs": '''def relu_forward(x):
    return np.abs(np.asarray(x, dtype=np.float64)), x''',
    },
    "relu_backward": {
        "gradient-one-at-zero": '''def relu_backward(dout, cache):
    return np.asarray(dout, dtype=np.float64) * (np.asarray(cache) >= 0)''',
        "relu-of-dout": '''def relu_backward(dout, cache):
    return np.maximum(np.asarray(dout, dtype=np.float64), 0)''',
        "passes-everything": '''def relu_backward(dout, cache):
    return np.asarray(dout, dtype=np.float64)''',
    },
    "maxpool_forward": {
        "stride-1": '''def maxpool_forward(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, dtype=np.float64), (size, size), axis=(1, 2))
    return windows.max(axis=(-2, -1)), (x, size, stride)''',
        "average": '''def maxpool_forward(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, dtype=np.float64), (size, size), axis=(1, 2))
    return windows[:, ::stride, ::stride].mean(axis=(-2, -1)), (x, size, stride)''',
        "cache-without-stride": '''def maxpool_forward(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, dtype=np.float64), (size, size), axis=(1, 2))
    return windows[:, ::stride, ::stride].max(axis=(-2, -1)), (x, size)''',
    },
    "maxpool_backward": {
        "to-every-cell": _pool_backward("maxpool_backward", "dx[:, rows, cols] += dout"),
        "overlaps-overwritten": _pool_backward(
            "maxpool_backward", "dx[:, rows, cols] = np.where(x[:, rows, cols] == out, dout, dx[:, rows, cols])"),
        "max-over-the-wrong-axes": '''def maxpool_backward(dout, cache):
    x, size, stride = cache
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    out_h, out_w = dout.shape[1:3]
    windows = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))[:, ::stride, ::stride]
    out = windows.max(axis=(-1, 3), keepdims=True).max(axis=-2)
    dx = np.zeros_like(x)
    for u in range(size):
        for v in range(size):
            rows = slice(u, u + stride * (out_h - 1) + 1, stride)
            cols = slice(v, v + stride * (out_w - 1) + 1, stride)
            dx[:, rows, cols] += (x[:, rows, cols] == out[..., 0]) * dout
    return dx''',
        "to-the-minimum": _pool_backward("maxpool_backward", "dx[:, rows, cols] += (x[:, rows, cols] == out) * dout")
            .replace(".max(axis=(-2, -1))", ".min(axis=(-2, -1))"),
        "stride-taken-as-size": _pool_backward("maxpool_backward", "dx[:, rows, cols] += (x[:, rows, cols] == out) * dout")
            .replace("x, size, stride = cache", "x, size, stride = cache\n    stride = size"),
        "dout-divided-by-window": _pool_backward(
            "maxpool_backward", "dx[:, rows, cols] += (x[:, rows, cols] == out) * dout / size ** 2"),
    },
    "avgpool_forward": {
        "max": '''def avgpool_forward(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, dtype=np.float64), (size, size), axis=(1, 2))
    return windows[:, ::stride, ::stride].max(axis=(-2, -1)), (x, size, stride)''',
        "sum": '''def avgpool_forward(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, dtype=np.float64), (size, size), axis=(1, 2))
    return windows[:, ::stride, ::stride].sum(axis=(-2, -1)), (x, size, stride)''',
        "stride-1": '''def avgpool_forward(x, size=2, stride=2):
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, dtype=np.float64), (size, size), axis=(1, 2))
    return windows.mean(axis=(-2, -1)), (x, size, stride)''',
    },
    "avgpool_backward": {
        "not-divided": _pool_backward("avgpool_backward", "dx[:, rows, cols] += dout", recompute=False),
        "overlaps-overwritten": _pool_backward("avgpool_backward", "dx[:, rows, cols] = dout / size ** 2",
                                               recompute=False),
        "divided-by-size-not-size-squared": _pool_backward("avgpool_backward", "dx[:, rows, cols] += dout / size",
                                                           recompute=False),
    },
    "numerical_gradient": {
        "one-sided": _numerical('''    x = np.array(x, dtype=np.float64)
    grad, fx = np.zeros_like(x), f(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        grad[index] = (f(x) - fx) / h
        x[index] = old
    return grad'''),
        "h-not-halved": _numerical('''    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        plus = f(x)
        x[index] = old - h
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / h
    return grad'''),
        "x-left-modified": _numerical('''    x = np.asarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        x[index] += h
        plus = f(x)
        x[index] -= 2 * h
        minus = f(x)
        grad[index] = (plus - minus) / (2 * h)
    return grad'''),
        "perturbs-every-entry-at-once": _numerical('''    x = np.array(x, dtype=np.float64)
    return np.full_like(x, (f(x + h) - f(x - h)) / (2 * h))'''),
        "flat-index-only-for-1-d": _numerical('''    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad'''),
        "h-too-large": _numerical('''    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    h = 1e-1
    for index in np.ndindex(*x.shape):
        old = x[index]
        x[index] = old + h
        plus = f(x)
        x[index] = old - h
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad'''),
    },
    "relative_error": {
        "no-floor": '''def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))''',
        "mean-not-max": '''def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    return float(np.mean(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))''',
        "broadcasts-mismatched-shapes": '''def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))''',
        "norm-based": '''def relative_error(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("shapes differ")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-8))''',
    },
    "conv_grads_torch": {
        "float32": '''def conv_grads_torch(x, w, b, dout):
    xt = torch.tensor(np.asarray(x, np.float32).transpose(0, 3, 1, 2), requires_grad=True)
    wt = torch.tensor(np.asarray(w, np.float32).transpose(3, 2, 0, 1).copy(), requires_grad=True)
    bt = torch.tensor(np.asarray(b, np.float32), requires_grad=True)
    g = torch.tensor(np.asarray(dout, np.float32).transpose(0, 3, 1, 2).copy())
    (F.conv2d(xt, wt, bt) * g).sum().backward()
    return (xt.grad.numpy().transpose(0, 2, 3, 1), wt.grad.numpy().transpose(2, 3, 1, 0), bt.grad.numpy())''',
        "dw-left-in-oihw": '''def conv_grads_torch(x, w, b, dout):
    xt = torch.tensor(np.asarray(x, np.float64).transpose(0, 3, 1, 2), requires_grad=True)
    wt = torch.tensor(np.asarray(w, np.float64).transpose(3, 2, 0, 1).copy(), requires_grad=True)
    bt = torch.tensor(np.asarray(b, np.float64), requires_grad=True)
    g = torch.tensor(np.asarray(dout, np.float64).transpose(0, 3, 1, 2).copy())
    (F.conv2d(xt, wt, bt) * g).sum().backward()
    return xt.grad.numpy().transpose(0, 2, 3, 1), wt.grad.numpy(), bt.grad.numpy()''',
        "loss-without-dout": '''def conv_grads_torch(x, w, b, dout):
    xt = torch.tensor(np.asarray(x, np.float64).transpose(0, 3, 1, 2), requires_grad=True)
    wt = torch.tensor(np.asarray(w, np.float64).transpose(3, 2, 0, 1).copy(), requires_grad=True)
    bt = torch.tensor(np.asarray(b, np.float64), requires_grad=True)
    F.conv2d(xt, wt, bt).sum().backward()
    return (xt.grad.numpy().transpose(0, 2, 3, 1), wt.grad.numpy().transpose(2, 3, 1, 0), bt.grad.numpy())''',
        "dw-back-with-the-wrong-permutation": '''def conv_grads_torch(x, w, b, dout):
    xt = torch.tensor(np.asarray(x, np.float64).transpose(0, 3, 1, 2), requires_grad=True)
    wt = torch.tensor(np.asarray(w, np.float64).transpose(3, 2, 0, 1).copy(), requires_grad=True)
    bt = torch.tensor(np.asarray(b, np.float64), requires_grad=True)
    g = torch.tensor(np.asarray(dout, np.float64).transpose(0, 3, 1, 2).copy())
    (F.conv2d(xt, wt, bt) * g).sum().backward()
    return (xt.grad.numpy().transpose(0, 2, 3, 1), wt.grad.numpy().transpose(3, 2, 1, 0), bt.grad.numpy())''',
    },
    "conv_grads_tf": {
        "float32": '''def conv_grads_tf(x, w, b, dout):
    xv, wv, bv = (tf.Variable(np.asarray(a, np.float32)) for a in (x, w, b))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((tf.nn.conv2d(xv, wv, 1, "VALID") + bv) * np.asarray(dout, np.float32))
    return tuple(g.numpy() for g in tape.gradient(loss, [xv, wv, bv]))''',
        "loss-without-dout": '''def conv_grads_tf(x, w, b, dout):
    xv, wv, bv = (tf.Variable(np.asarray(a, np.float64)) for a in (x, w, b))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.conv2d(xv, wv, 1, "VALID") + bv)
    return tuple(g.numpy() for g in tape.gradient(loss, [xv, wv, bv]))''',
        "kernel-flipped": '''def conv_grads_tf(x, w, b, dout):
    xv, wv, bv = (tf.Variable(np.asarray(a, np.float64)) for a in (x, w, b))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((tf.nn.conv2d(xv, wv[::-1, ::-1], 1, "VALID") + bv) * np.asarray(dout, np.float64))
    return tuple(g.numpy() for g in tape.gradient(loss, [xv, wv, bv]))''',
    },
}

RIGHT = {
    "dw_by_hand": {
        "ints": '''dw_by_hand = [[8, -2], [2, -3]]''',
        "numpy": '''dw_by_hand = np.array([[1 * 1 + 0 * 2 + 2 * 3 - 1 * -1, 1 * 2 + 0 * 0 + 2 * -1 - 1 * 2],
                       [1 * 3 + 0 * -1 + 2 * 0 - 1 * 1, 1 * -1 + 0 * 2 + 2 * 1 - 1 * 4]])''',
    },
    "conv_forward": {
        "einsum": '''def conv_forward(x, w, b, stride=1, pad=0):
    xf, wf, bf = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if xf.ndim != 4 or wf.ndim != 4 or xf.shape[3] != wf.shape[2] or bf.shape != (wf.shape[3],):
        raise ValueError("shapes do not match")
    xp = np.pad(xf, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    if wf.shape[0] > xp.shape[1] or wf.shape[1] > xp.shape[2]:
        raise ValueError("kernel does not fit")
    win = np.lib.stride_tricks.sliding_window_view(xp, wf.shape[:2], axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("nijcuv,uvco->nijo", win, wf) + bf, (x, w, b, stride, pad)''',
        "im2col": '''def conv_forward(x, w, b, stride=1, pad=0):
    xf, wf, bf = (np.asarray(a, dtype=np.float64) for a in (x, w, b))
    if xf.ndim != 4 or wf.ndim != 4 or xf.shape[3] != wf.shape[2] or bf.shape != (wf.shape[3],):
        raise ValueError("shapes do not match")
    kh, kw, c_in, c_out = wf.shape
    xp = np.pad(xf, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    if kh > xp.shape[1] or kw > xp.shape[2]:
        raise ValueError("kernel does not fit")
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kh * kw * c_in)
    out = (cols @ wf.reshape(-1, c_out)).reshape(*win.shape[:3], c_out) + bf
    return out, (x, w, b, stride, pad)''',
    },
    "conv_backward": {
        "einsum-on-windows": '''def conv_backward(dout, cache):
    x, w, b, stride, pad = cache
    x, w, dout = (np.asarray(a, dtype=np.float64) for a in (x, w, dout))
    kh, kw = w.shape[:2]
    n, out_h, out_w, _ = dout.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]
    dw = np.einsum("nijcuv,nijo->uvco", win[:, :out_h, :out_w], dout)
    dxp = np.zeros_like(xp)
    contrib = np.einsum("nijo,uvco->nijuvc", dout, w)
    for u in range(kh):
        for v in range(kw):
            dxp[:, u:u + stride * (out_h - 1) + 1:stride, v:v + stride * (out_w - 1) + 1:stride] += contrib[:, :, :, u, v]
    return dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2]], dw, dout.sum(axis=(0, 1, 2))''',
        "dilate-and-full-convolution": '''def conv_backward(dout, cache):
    x, w, b, stride, pad = cache
    x, w, dout = (np.asarray(a, dtype=np.float64) for a in (x, w, dout))
    kh, kw = w.shape[:2]
    n, out_h, out_w, c_out = dout.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    # dilate dout by the stride, then pad it to the padded input's size (full correlation)
    dil = np.zeros((n, stride * (out_h - 1) + 1, stride * (out_w - 1) + 1, c_out))
    dil[:, ::stride, ::stride] = dout
    dw = np.stack([np.stack([np.tensordot(xp[:, u:u + dil.shape[1], v:v + dil.shape[2]], dil,
                                          axes=([0, 1, 2], [0, 1, 2])) for v in range(kw)])
                   for u in range(kh)])
    full = np.pad(dil, ((0, 0), (kh - 1, xp.shape[1] - dil.shape[1]), (kw - 1, xp.shape[2] - dil.shape[2]), (0, 0)))
    rot = w[::-1, ::-1].transpose(0, 1, 3, 2)                     # (kh, kw, C_out, C_in)
    win = np.lib.stride_tricks.sliding_window_view(full, (kh, kw), axis=(1, 2))[:, :xp.shape[1], :xp.shape[2]]
    dxp = np.einsum("nijouv,uvoc->nijc", win, rot)
    return dxp[:, pad:pad + x.shape[1], pad:pad + x.shape[2]], dw, dout.sum(axis=(0, 1, 2))''',
    },
    "relu_forward": {
        "where": '''def relu_forward(x):
    x_ = np.asarray(x, dtype=np.float64)
    return np.where(x_ > 0, x_, 0.0), x''',
        "clip": '''def relu_forward(x):
    return np.clip(np.asarray(x, dtype=np.float64), 0, None), x''',
    },
    "relu_backward": {
        "where": '''def relu_backward(dout, cache):
    return np.where(np.asarray(cache) > 0, np.asarray(dout, dtype=np.float64), 0.0)''',
        "heaviside": '''def relu_backward(dout, cache):
    return np.asarray(dout, dtype=np.float64) * np.heaviside(np.asarray(cache, dtype=np.float64), 0.0)''',
    },
    "maxpool_forward": {
        "loop-over-offsets": '''def maxpool_forward(x, size=2, stride=2):
    xf = np.asarray(x, dtype=np.float64)
    oh, ow = (xf.shape[1] - size) // stride + 1, (xf.shape[2] - size) // stride + 1
    out = np.full((xf.shape[0], oh, ow, xf.shape[3]), -np.inf)
    for u in range(size):
        for v in range(size):
            out = np.maximum(out, xf[:, u:u + stride * (oh - 1) + 1:stride, v:v + stride * (ow - 1) + 1:stride])
    return out, (x, size, stride)''',
        "via-torch": '''def maxpool_forward(x, size=2, stride=2):
    xt = torch.tensor(np.asarray(x, dtype=np.float64)).permute(0, 3, 1, 2)
    return F.max_pool2d(xt, size, stride).permute(0, 2, 3, 1).numpy(), (x, size, stride)''',
    },
    "maxpool_backward": {
        "per-window-argmax": '''def maxpool_backward(dout, cache):
    x, size, stride = cache
    x, dout = np.asarray(x, dtype=np.float64), np.asarray(dout, dtype=np.float64)
    n, oh, ow, c = dout.shape
    win = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))[:, ::stride, ::stride][:, :oh, :ow]
    flat = win.reshape(n, oh, ow, c, -1).argmax(axis=-1)
    du, dv = np.divmod(flat, size)
    ni, ii, jj, ci = np.indices((n, oh, ow, c))
    dx = np.zeros_like(x)
    np.add.at(dx, (ni, ii * stride + du, jj * stride + dv, ci), dout)
    return dx''',
        "via-torch-autograd": '''def maxpool_backward(dout, cache):
    x, size, stride = cache
    xt = torch.tensor(np.asarray(x, dtype=np.float64)).permute(0, 3, 1, 2).requires_grad_()
    g = torch.tensor(np.asarray(dout, dtype=np.float64)).permute(0, 3, 1, 2)
    (F.max_pool2d(xt, size, stride) * g).sum().backward()
    return xt.grad.permute(0, 2, 3, 1).numpy()''',
    },
    "avgpool_forward": {
        "loop-over-offsets": '''def avgpool_forward(x, size=2, stride=2):
    xf = np.asarray(x, dtype=np.float64)
    oh, ow = (xf.shape[1] - size) // stride + 1, (xf.shape[2] - size) // stride + 1
    out = np.zeros((xf.shape[0], oh, ow, xf.shape[3]))
    for u in range(size):
        for v in range(size):
            out += xf[:, u:u + stride * (oh - 1) + 1:stride, v:v + stride * (ow - 1) + 1:stride]
    return out / size ** 2, (x, size, stride)''',
        "via-torch": '''def avgpool_forward(x, size=2, stride=2):
    xt = torch.tensor(np.asarray(x, dtype=np.float64)).permute(0, 3, 1, 2)
    return F.avg_pool2d(xt, size, stride).permute(0, 2, 3, 1).numpy(), (x, size, stride)''',
    },
    "avgpool_backward": {
        "add-at": '''def avgpool_backward(dout, cache):
    x, size, stride = cache
    dout = np.asarray(dout, dtype=np.float64)
    n, oh, ow, c = dout.shape
    dx = np.zeros(np.shape(x))
    for i in range(size):
        rows = np.arange(oh) * stride + i
        for j in range(size):
            cols = np.arange(ow) * stride + j
            np.add.at(dx, (slice(None), rows[:, None], cols[None, :]), dout / (size * size))
    return dx''',
        "via-torch-autograd": '''def avgpool_backward(dout, cache):
    x, size, stride = cache
    xt = torch.tensor(np.asarray(x, dtype=np.float64)).permute(0, 3, 1, 2).requires_grad_()
    g = torch.tensor(np.asarray(dout, dtype=np.float64)).permute(0, 3, 1, 2)
    (F.avg_pool2d(xt, size, stride) * g).sum().backward()
    return xt.grad.permute(0, 2, 3, 1).numpy()''',
    },
    "numerical_gradient": {
        "flat-view": '''def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=np.float64)
    flat, grad = x.reshape(-1), np.zeros(x.size)
    for i in range(x.size):
        keep = flat[i]
        flat[i] = keep + h
        up = f(x)
        flat[i] = keep - h
        down = f(x)
        flat[i] = keep
        grad[i] = (up - down) / (2 * h)
    return grad.reshape(x.shape)''',
        "fresh-copies": '''def numerical_gradient(f, x, h=1e-5):
    x = np.asarray(x, dtype=np.float64)
    grad = np.empty(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad''',
    },
    "relative_error": {
        "maximum-of-ratios": '''def relative_error(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"{a.shape} != {b.shape}")
    denominator = np.abs(a) + np.abs(b)
    denominator[denominator < 1e-8] = 1e-8
    return float((np.abs(a - b) / denominator).max())''',
        "one-line": '''def relative_error(a, b):
    if np.shape(a) != np.shape(b):
        raise ValueError("shape mismatch")
    return float(np.max(np.abs(np.subtract(a, b, dtype=float)) / np.fmax(np.abs(a) + np.abs(b), 1e-8)))''',
    },
    "conv_grads_torch": {
        "autograd-grad": '''def conv_grads_torch(x, w, b, dout):
    x64, w64, b64, g64 = (np.ascontiguousarray(a, dtype=np.float64) for a in (x, w, b, dout))
    xt = torch.from_numpy(x64).permute(0, 3, 1, 2).requires_grad_()
    wt = torch.from_numpy(w64).permute(3, 2, 0, 1).requires_grad_()
    bt = torch.from_numpy(b64).requires_grad_()
    out = F.conv2d(xt, wt, bt).permute(0, 2, 3, 1)
    gx, gw, gb = torch.autograd.grad((out * torch.from_numpy(g64)).sum(), [xt, wt, bt])
    return gx.permute(0, 2, 3, 1).numpy(), gw.permute(2, 3, 1, 0).numpy(), gb.numpy()''',
        "backward-with-gradient": '''def conv_grads_torch(x, w, b, dout):
    xt = torch.tensor(np.moveaxis(np.asarray(x, float), 3, 1).copy(), requires_grad=True)
    wt = torch.tensor(np.asarray(w, float).transpose(3, 2, 0, 1).copy(), requires_grad=True)
    bt = torch.tensor(np.asarray(b, float), requires_grad=True)
    F.conv2d(xt, wt, bt).backward(torch.tensor(np.moveaxis(np.asarray(dout, float), 3, 1).copy()))
    return (np.moveaxis(xt.grad.numpy(), 1, 3), wt.grad.numpy().transpose(2, 3, 1, 0), bt.grad.numpy())''',
    },
    "conv_grads_tf": {
        "watch-constants": '''def conv_grads_tf(x, w, b, dout):
    xs = [tf.constant(np.asarray(a, dtype=np.float64)) for a in (x, w, b)]
    with tf.GradientTape() as tape:
        for t in xs:
            tape.watch(t)
        out = tf.nn.bias_add(tf.nn.conv2d(xs[0], xs[1], strides=[1, 1, 1, 1], padding="VALID"), xs[2])
        loss = tf.reduce_sum(out * tf.constant(np.asarray(dout, dtype=np.float64)))
    dx, dw, db = tape.gradient(loss, xs)
    return dx.numpy(), dw.numpy(), db.numpy()''',
        "output-gradients": '''def conv_grads_tf(x, w, b, dout):
    xv, wv, bv = (tf.Variable(tf.cast(a, tf.float64)) for a in (x, w, b))
    with tf.GradientTape() as tape:
        out = tf.nn.conv2d(xv, wv, 1, "VALID") + bv
    grads = tape.gradient(out, [xv, wv, bv], output_gradients=tf.cast(dout, tf.float64))
    return tuple(np.asarray(g) for g in grads)''',
    },
}
