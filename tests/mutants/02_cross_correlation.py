"""Mutant submissions for chapter 02 (cross-correlation and convolution).

Each string replaces one solution cell of
source/02_cross_correlation/02_cross_correlation.ipynb entirely. The code may use
what the setup cell imports (np, signal, torch, F, tf), the locked cells' names
(X, K, candidates) and the other exercises' functions (e.g. conv2d calls corr2d).

- DEPENDS: {exercise: [exercises it builds on]}. Only conv2d, whose text tells the student to
  reuse their corr2d; every other test grades its own function alone (tests/test_mutants.py).

- WRONG: {exercise: {name: code}}, mistakes students really make. Every one must
  lose at least one point on its own exercise's test cells.
- RIGHT: {exercise: {name: code}}, correct solutions written differently from the
  reference. Every one must lose no point anywhere.

Plausible mistakes the tests do NOT catch are not listed here; they are noted at the
end of this docstring so that the gap stays visible.

Known gap (a plausible shortcut that scores full marks, accepted): learn_kernel solved
in closed form (np.linalg.lstsq on the sliding windows, no gradient descent) passes,
because the exercise is graded on the learned kernel, not on how it was found. Four
former gaps (float32 framework results, the k == k.T rule for symmetric_kernels,
uint8 * uint8 overflow in corr2d, an integer edge kernel) are now caught: they are the
variants marked "(former gap)" below.
"""

DEPENDS = {"conv2d": ["corr2d"]}

WRONG = {
    "corr2d": {
        "kernel-flipped-upside-down": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)[::-1]
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "multiplies-in-input-dtype (former gap)": '''def corr2d(x, k):
    (H, W), (kh, kw) = np.shape(x), np.shape(k)
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "flipped-kernel": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)[::-1, ::-1]
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "output-off-by-one": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros((H - kh, W - kw))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "loop-misses-last-row-and-column": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh):
        for j in range(W - kw):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "window-kh-kw-swapped": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kw, j:j + kh] * k).sum()
    return out''',
        "output-in-input-dtype": '''def corr2d(x, k):
    kh, kw = k.shape
    if kh > x.shape[0] or kw > x.shape[1]:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros_like(x[: x.shape[0] - kh + 1, : x.shape[1] - kw + 1])
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "no-size-check": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "checks-height-only": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H:
        raise ValueError("kernel is taller than the input")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "assert-instead-of-ValueError": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    assert kh <= H and kw <= W, "kernel does not fit inside the input"
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "checks-size-not-shape": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if k.size > x.size:
        raise ValueError("kernel is larger than the input")
    (H, W), (kh, kw) = x.shape, k.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "transposed-kernel": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64).T
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "float32-accumulation": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float32)
    k = np.asarray(k, dtype=np.float32)
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros((H - kh + 1, W - kw + 1), dtype=np.float32)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out.astype(np.float64)''',
        "matrix-product-instead-of-elementwise": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] @ k)
    return out''',
        "scipy-without-size-check": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    return signal.correlate2d(x, k, mode="valid")''',
    },
    "conv2d": {
        "no-flip": '''def conv2d(x, k):
    return corr2d(x, k)''',
        "transposed-kernel": '''def conv2d(x, k):
    return corr2d(x, np.asarray(k).T)''',
        "flips-rows-only": '''def conv2d(x, k):
    return corr2d(x, np.asarray(k)[::-1])''',
        "flips-columns-only": '''def conv2d(x, k):
    return corr2d(x, np.asarray(k)[:, ::-1])''',
        "rot90-once": '''def conv2d(x, k):
    return corr2d(x, np.rot90(k))''',
        "rot90-clockwise": '''def conv2d(x, k):
    return corr2d(x, np.rot90(k, -1))''',
        "flips-image-not-result": '''def conv2d(x, k):
    x = np.asarray(x)
    return corr2d(x[::-1, ::-1], k)''',
        "negative-index-flip": '''def conv2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for a in range(kh):
                for b in range(kw):
                    out[i, j] += x[i + a, j + b] * k[-a, -b]
    return out''',
        "own-loop-in-input-dtype": '''def conv2d(x, k):
    k = np.asarray(k)[::-1, ::-1]
    kh, kw = k.shape
    if kh > x.shape[0] or kw > x.shape[1]:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros_like(x, shape=(x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "scipy-without-size-check": '''def conv2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    return signal.convolve2d(x, k, mode="valid")''',
    },
    "vertical_edge_kernel": {
        "integer-array (former gap)": '''def vertical_edge_kernel():
    return np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])''',
        "horizontal-sobel": '''def vertical_edge_kernel():
    return np.array([[-1.0, -2.0, -1.0],
                     [0.0, 0.0, 0.0],
                     [1.0, 2.0, 1.0]])''',
        "identity": '''def vertical_edge_kernel():
    return np.array([[0.0, 0.0, 0.0],
                     [0.0, 1.0, 0.0],
                     [0.0, 0.0, 0.0]])''',
        "box-blur": '''def vertical_edge_kernel():
    return np.ones((3, 3)) / 9.0''',
        "laplacian": '''def vertical_edge_kernel():
    return np.array([[0.0, -1.0, 0.0],
                     [-1.0, 4.0, -1.0],
                     [0.0, -1.0, 0.0]])''',
        "diagonal-difference": '''def vertical_edge_kernel():
    return np.array([[1.0, 0.0],
                     [0.0, -1.0]])''',
        "zero-bordered-1x3": '''def vertical_edge_kernel():
    return np.array([[0.0, -1.0, 1.0]])''',
        "sobel-inside-a-zero-border-5x5": '''def vertical_edge_kernel():
    k = np.zeros((5, 5))
    k[1:4, 1:4] = [[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]
    return k''',
        "all-zeros": '''def vertical_edge_kernel():
    return np.zeros((3, 3))''',
        "one-dimensional": '''def vertical_edge_kernel():
    return np.array([-1.0, 0.0, 1.0])''',
        "rows-do-not-sum-to-zero": '''def vertical_edge_kernel():
    return np.array([[-1.0, 0.0, 1.0],
                     [-2.0, 0.0, 2.0],
                     [-1.0, 0.0, 2.0]])''',
        "total-zero-rows-not": '''def vertical_edge_kernel():
    return np.array([[1.0, -2.0],
                     [-1.0, 2.0]])''',
        "nested-list": '''def vertical_edge_kernel():
    return [[-1.0, 0.0, 1.0],
            [-2.0, 0.0, 2.0],
            [-1.0, 0.0, 1.0]]''',
        "too-large-7x7": '''def vertical_edge_kernel():
    k = np.zeros((7, 7))
    k[:, 0], k[:, -1] = -1.0, 1.0
    return k''',
    },
    "corr2d_torch": {
        "float32 (former gap)": '''def corr2d_torch(x, k):
    xt = torch.tensor(np.asarray(x), dtype=torch.float32)[None, None]
    kt = torch.tensor(np.asarray(k), dtype=torch.float32)[None, None]
    return F.conv2d(xt, kt)[0, 0].numpy()''',
        "flipped-kernel": '''def corr2d_torch(x, k):
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    kt = torch.as_tensor(np.asarray(k, dtype=np.float64))[None, None]
    return F.conv2d(xt, torch.flip(kt, dims=(2, 3)))[0, 0].numpy()''',
        "returns-tensor": '''def corr2d_torch(x, k):
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    kt = torch.as_tensor(np.asarray(k, dtype=np.float64))[None, None]
    return F.conv2d(xt, kt)[0, 0]''',
        "squeeze-without-axes": '''def corr2d_torch(x, k):
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    kt = torch.as_tensor(np.asarray(k, dtype=np.float64))[None, None]
    return F.conv2d(xt, kt).squeeze().numpy()''',
        "padding-same": '''def corr2d_torch(x, k):
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    kt = torch.as_tensor(np.asarray(k, dtype=np.float64))[None, None]
    return F.conv2d(xt, kt, padding="same")[0, 0].numpy()''',
        "transposed-kernel": '''def corr2d_torch(x, k):
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    kt = torch.as_tensor(np.asarray(k, dtype=np.float64).T)[None, None]
    return F.conv2d(xt, kt)[0, 0].numpy()''',
        "kernel-reshaped-kw-kh": '''def corr2d_torch(x, k):
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    kt = torch.as_tensor(k).reshape(1, 1, kw, kh)
    return F.conv2d(xt, kt)[0, 0].numpy()''',
        "nhwc-layout": '''def corr2d_torch(x, k):
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, :, :, None]
    kt = torch.as_tensor(np.asarray(k, dtype=np.float64))[None, None]
    return F.conv2d(xt, kt)[0, :, :, 0].numpy()''',
        "no-float64-conversion": '''def corr2d_torch(x, k):
    xt = torch.from_numpy(np.asarray(x))[None, None]
    kt = torch.from_numpy(np.asarray(k))[None, None]
    return F.conv2d(xt, kt)[0, 0].numpy()''',
        "squeeze-batch-axis-only": '''def corr2d_torch(x, k):
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    kt = torch.as_tensor(np.asarray(k, dtype=np.float64))[None, None]
    return F.conv2d(xt, kt).squeeze(0).numpy()''',
    },
    "corr2d_tf": {
        "float32 (former gap)": '''def corr2d_tf(x, k):
    xt = tf.constant(np.asarray(x, dtype=np.float32)[None, :, :, None])
    kt = tf.constant(np.asarray(k, dtype=np.float32)[:, :, None, None])
    return tf.nn.conv2d(xt, kt, strides=1, padding="VALID")[0, :, :, 0].numpy()''',
        "nchw-layout": '''def corr2d_tf(x, k):
    xt = tf.constant(np.asarray(x, dtype=np.float64)[None, None])
    kt = tf.constant(np.asarray(k, dtype=np.float64)[:, :, None, None])
    return tf.nn.conv2d(xt, kt, strides=1, padding="VALID")[0, 0].numpy()''',
        "padding-same": '''def corr2d_tf(x, k):
    xt = tf.constant(np.asarray(x, dtype=np.float64)[None, :, :, None])
    kt = tf.constant(np.asarray(k, dtype=np.float64)[:, :, None, None])
    return tf.nn.conv2d(xt, kt, strides=1, padding="SAME")[0, :, :, 0].numpy()''',
        "returns-tf-tensor": '''def corr2d_tf(x, k):
    xt = tf.constant(np.asarray(x, dtype=np.float64)[None, :, :, None])
    kt = tf.constant(np.asarray(k, dtype=np.float64)[:, :, None, None])
    return tf.nn.conv2d(xt, kt, strides=1, padding="VALID")[0, :, :, 0]''',
        "squeeze-without-axes": '''def corr2d_tf(x, k):
    xt = tf.constant(np.asarray(x, dtype=np.float64)[None, :, :, None])
    kt = tf.constant(np.asarray(k, dtype=np.float64)[:, :, None, None])
    return tf.squeeze(tf.nn.conv2d(xt, kt, strides=1, padding="VALID")).numpy()''',
        "flipped-kernel": '''def corr2d_tf(x, k):
    xt = tf.constant(np.asarray(x, dtype=np.float64)[None, :, :, None])
    kt = tf.constant(np.asarray(k, dtype=np.float64)[::-1, ::-1, None, None])
    return tf.nn.conv2d(xt, kt, strides=1, padding="VALID")[0, :, :, 0].numpy()''',
        "transposed-kernel-reshaped": '''def corr2d_tf(x, k):
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    xt = tf.constant(np.asarray(x, dtype=np.float64)[None, :, :, None])
    kt = tf.constant(k.T.reshape(kh, kw, 1, 1))
    return tf.nn.conv2d(xt, kt, strides=1, padding="VALID")[0, :, :, 0].numpy()''',
        "torch-oihw-filter": '''def corr2d_tf(x, k):
    xt = tf.constant(np.asarray(x, dtype=np.float64)[None, :, :, None])
    kt = tf.constant(np.asarray(k, dtype=np.float64)[None, None])
    return tf.nn.conv2d(xt, kt, strides=1, padding="VALID")[0, :, :, 0].numpy()''',
        "input-reshaped-w-h": '''def corr2d_tf(x, k):
    x = np.asarray(x, dtype=np.float64)
    H, W = x.shape
    xt = tf.reshape(tf.constant(x), (1, W, H, 1))
    kt = tf.constant(np.asarray(k, dtype=np.float64)[:, :, None, None])
    return tf.nn.conv2d(xt, kt, strides=1, padding="VALID")[0, :, :, 0].numpy()''',
        "no-float64-conversion": '''def corr2d_tf(x, k):
    xt = tf.constant(np.asarray(x)[None, :, :, None])
    kt = tf.constant(np.asarray(k)[:, :, None, None])
    return tf.nn.conv2d(xt, kt, strides=1, padding="VALID")[0, :, :, 0].numpy()''',
    },
    "symmetric_kernels": {
        "equal-to-transpose-rule (former gap)": 'symmetric_kernels = {"A", "C", "F", "H"}',
        "mirror-left-right-only": 'symmetric_kernels = {"A", "F", "G"}',
        "mirror-up-down-only": 'symmetric_kernels = {"A", "B", "F"}',
        "mirror-both-axes-separately": 'symmetric_kernels = {"A", "F"}',
        "missing-E": 'symmetric_kernels = {"A", "C", "F"}',
        "includes-sobel": 'symmetric_kernels = {"A", "B", "C", "E", "F"}',
        "all-kernels": 'symmetric_kernels = {"A", "B", "C", "D", "E", "F", "G"}',
        "a-list": 'symmetric_kernels = ["A", "C", "E", "F"]',
        "a-string": 'symmetric_kernels = "ACEF"',
        "lowercase": 'symmetric_kernels = {"a", "c", "e", "f"}',
    },
    "learn_kernel": {
        "forgets-zero-grad": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([kernel], lr=lr)
    for _ in range(steps):
        loss = ((F.conv2d(xt, kernel) - yt) ** 2).mean()
        loss.backward()
        optimiser.step()
    return kernel.detach()[0, 0].numpy()''',
        "gradient-ascent": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    for _ in range(steps):
        loss = ((F.conv2d(xt, kernel) - yt) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            kernel += lr * kernel.grad
            kernel.grad.zero_()
    return kernel.detach()[0, 0].numpy()''',
        "never-steps": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([kernel], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = ((F.conv2d(xt, kernel) - yt) ** 2).mean()
        loss.backward()
    return kernel.detach()[0, 0].numpy()''',
        "convolution-forward-pass": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([kernel], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = ((F.conv2d(xt, torch.flip(kernel, dims=(2, 3))) - yt) ** 2).mean()
        loss.backward()
        optimiser.step()
    return kernel.detach()[0, 0].numpy()''',
        "too-few-steps": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([kernel], lr=lr)
    for _ in range(20):
        optimiser.zero_grad()
        loss = ((F.conv2d(xt, kernel) - yt) ** 2).mean()
        loss.backward()
        optimiser.step()
    return kernel.detach()[0, 0].numpy()''',
        "learning-rate-too-small": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([kernel], lr=0.001)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = ((F.conv2d(xt, kernel) - yt) ** 2).mean()
        loss.backward()
        optimiser.step()
    return kernel.detach()[0, 0].numpy()''',
        "returns-tensor": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([kernel], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = ((F.conv2d(xt, kernel) - yt) ** 2).mean()
        loss.backward()
        optimiser.step()
    return kernel.detach()[0, 0]''',
        "returns-4d-shape": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([kernel], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = ((F.conv2d(xt, kernel) - yt) ** 2).mean()
        loss.backward()
        optimiser.step()
    return kernel.detach().numpy()''',
        "returns-transposed": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([kernel], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = ((F.conv2d(xt, kernel) - yt) ** 2).mean()
        loss.backward()
        optimiser.step()
    return kernel.detach()[0, 0].numpy().T''',
        "sum-loss-with-lr-0.1": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([kernel], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = ((F.conv2d(xt, kernel) - yt) ** 2).sum()
        loss.backward()
        optimiser.step()
    return kernel.detach()[0, 0].numpy()''',
        "update-outside-no-grad": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    for _ in range(steps):
        loss = ((F.conv2d(xt, kernel) - yt) ** 2).mean()
        loss.backward()
        kernel = kernel - lr * kernel.grad
    return kernel.detach()[0, 0].numpy()''',
        "l1-loss": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.SGD([kernel], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = (F.conv2d(xt, kernel) - yt).abs().mean()
        loss.backward()
        optimiser.step()
    return kernel.detach()[0, 0].numpy()''',
    },
}

RIGHT = {
    "corr2d": {
        "sliding-window-view": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError(f"kernel {k.shape} is larger than the input {x.shape}")
    windows = np.lib.stride_tricks.sliding_window_view(x, k.shape)
    return np.einsum("ijab,ab->ij", windows, k)''',
        "scipy": '''def corr2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if any(a < b for a, b in zip(x.shape, k.shape)):
        raise ValueError("the kernel does not fit inside the image")
    return signal.correlate2d(x, k, mode="valid")''',
        "loop-over-kernel-offsets": '''def corr2d(x, k):
    x = x.astype(np.float64)
    k = np.asarray(k).astype(np.float64)
    H, W = x.shape
    kh, kw = k.shape
    oh, ow = H - kh + 1, W - kw + 1
    if oh < 1 or ow < 1:
        raise ValueError("kernel larger than the input")
    out = np.zeros((oh, ow))
    for a in range(kh):
        for b in range(kw):
            out += k[a, b] * x[a:a + oh, b:b + ow]
    return out''',
        "python-sums": '''def corr2d(x, k):
    H, W = np.shape(x)
    kh, kw = np.shape(k)
    if kh > H:
        raise ValueError("kernel taller than the image")
    if kw > W:
        raise ValueError("kernel wider than the image")
    out = np.empty((H - kh + 1, W - kw + 1), dtype=np.float64)
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    total += float(x[i + a][j + b]) * float(k[a][b])
            out[i, j] = total
    return out''',
    },
    "conv2d": {
        "rot90-twice": '''def conv2d(x, k):
    return corr2d(x, np.rot90(k, 2))''',
        "np-flip": '''def conv2d(x, k):
    return corr2d(x, np.flip(np.asarray(k)))''',
        "rotate-image-and-result": '''def conv2d(x, k):
    x = np.asarray(x)
    return corr2d(x[::-1, ::-1], k)[::-1, ::-1].copy()''',
        "own-loop": '''def conv2d(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit inside the input")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for a in range(kh):
                for b in range(kw):
                    out[i, j] += x[i + a, j + b] * k[kh - 1 - a, kw - 1 - b]
    return out''',
    },
    "vertical_edge_kernel": {
        "two-tap-difference": '''def vertical_edge_kernel():
    return np.array([[1.0, -1.0]])''',
        "prewitt": '''def vertical_edge_kernel():
    return np.array([[-1.0, 0.0, 1.0]] * 3)''',
        "wide-5x5": '''def vertical_edge_kernel():
    k = np.zeros((5, 5))
    k[:, :2] = -1.0
    k[:, 3:] = 1.0
    return k''',
        "scharr": '''def vertical_edge_kernel():
    return np.array([[3.0, 0.0, -3.0],
                     [10.0, 0.0, -10.0],
                     [3.0, 0.0, -3.0]])''',
    },
    "corr2d_torch": {
        "unsqueeze": '''def corr2d_torch(x, k):
    xt = torch.tensor(np.asarray(x), dtype=torch.float64).unsqueeze(0).unsqueeze(0)
    kt = torch.tensor(np.asarray(k), dtype=torch.float64).unsqueeze(0).unsqueeze(0)
    return F.conv2d(xt, kt).squeeze(1).squeeze(0).numpy()''',
        "reshape": '''def corr2d_torch(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    out = F.conv2d(torch.from_numpy(x).reshape(1, 1, *x.shape),
                   torch.from_numpy(k).reshape(1, 1, *k.shape))
    return out.reshape(out.shape[2], out.shape[3]).numpy()''',
        "nn-conv2d-module": '''def corr2d_torch(x, k):
    k = np.asarray(k, dtype=np.float64)
    layer = torch.nn.Conv2d(1, 1, k.shape, bias=False, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(k).view(1, 1, *k.shape))
        out = layer(torch.from_numpy(np.asarray(x, dtype=np.float64))[None, None])
    return out[0, 0].numpy()''',
    },
    "corr2d_tf": {
        "tf-reshape": '''def corr2d_tf(x, k):
    x = tf.cast(tf.convert_to_tensor(x), tf.float64)
    k = tf.cast(tf.convert_to_tensor(k), tf.float64)
    xt = tf.reshape(x, (1, x.shape[0], x.shape[1], 1))
    kt = tf.reshape(k, (k.shape[0], k.shape[1], 1, 1))
    out = tf.nn.conv2d(xt, kt, strides=[1, 1, 1, 1], padding="VALID")
    return tf.squeeze(out, axis=[0, 3]).numpy()''',
        "expand-dims": '''def corr2d_tf(x, k):
    xt = tf.expand_dims(tf.expand_dims(tf.constant(x, dtype=tf.float64), 0), -1)
    kt = tf.expand_dims(tf.expand_dims(tf.constant(k, dtype=tf.float64), -1), -1)
    out = tf.nn.conv2d(xt, kt, strides=1, padding="VALID").numpy()
    return out[0, ..., 0]''',
        "numpy-reshape": '''def corr2d_tf(x, k):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    out = tf.nn.conv2d(x.reshape(1, *x.shape, 1), k.reshape(*k.shape, 1, 1),
                       strides=(1, 1), padding="VALID")
    return out.numpy().reshape(out.shape[1], out.shape[2])''',
    },
    "symmetric_kernels": {
        "reordered-literal": 'symmetric_kernels = {"F", "E", "C", "A"}',
        "set-of-string": 'symmetric_kernels = set("ACEF")',
        "rot180-comprehension": '''symmetric_kernels = {name for name, k in candidates.items()
                     if np.array_equal(k, np.rot90(k, 2))}''',
        "checked-with-own-functions": '''_img = np.random.default_rng(3).normal(size=(9, 9))
symmetric_kernels = frozenset(name for name, k in candidates.items()
                              if np.allclose(corr2d(_img, k), conv2d(_img, k)))''',
    },
    "learn_kernel": {
        "adam": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    xt = torch.as_tensor(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.as_tensor(np.asarray(y, dtype=np.float64))[None, None]
    kernel = torch.zeros(1, 1, *kernel_shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.Adam([kernel], lr=0.05)
    for _ in range(1000):
        optimiser.zero_grad()
        loss = F.mse_loss(F.conv2d(xt, kernel), yt)
        loss.backward()
        optimiser.step()
    return kernel.detach().numpy().reshape(kernel_shape)''',
        "manual-update-no-grad": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    gen = torch.Generator().manual_seed(seed)
    xt = torch.tensor(x, dtype=torch.float64).view(1, 1, *np.shape(x))
    yt = torch.tensor(y, dtype=torch.float64).view(1, 1, *np.shape(y))
    w = torch.randn(1, 1, *kernel_shape, dtype=torch.float64, generator=gen)
    w.requires_grad_(True)
    for _ in range(steps):
        loss = (F.conv2d(xt, w) - yt).pow(2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad = None
    return w.detach().numpy()[0, 0].copy()''',
        "nn-conv2d-module": '''def learn_kernel(x, y, kernel_shape, steps=300, lr=0.1, seed=0):
    torch.manual_seed(seed)
    layer = torch.nn.Conv2d(1, 1, kernel_shape, bias=False, dtype=torch.float64)
    xt = torch.from_numpy(np.asarray(x, dtype=np.float64))[None, None]
    yt = torch.from_numpy(np.asarray(y, dtype=np.float64))[None, None]
    optimiser = torch.optim.SGD(layer.parameters(), lr=lr, momentum=0.5)
    loss_fn = torch.nn.MSELoss()
    for _ in range(steps):
        optimiser.zero_grad()
        loss_fn(layer(xt), yt).backward()
        optimiser.step()
    return layer.weight.detach()[0, 0].numpy()''',
    },
}
