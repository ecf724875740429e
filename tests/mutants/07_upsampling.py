"""Mutant submissions for chapter 07 (upsampling and transposed convolution).

Each string replaces one solution cell of source/07_upsampling/07_upsampling.ipynb entirely.
The code may use what the setup cell imports (np, signal, torch, F, tf, keras, checks) and the
locked cells' names. No exercise builds on another (no DEPENDS).

- WRONG: {exercise: {name: code}}, mistakes students really make; each must lose at least one
  point on its own exercise's tests and none on another's (tests/test_mutants.py).
- RIGHT: {exercise: {name: code}}, correct solutions written differently; full marks.
"""


def _bilinear(coordinate="np.clip((np.arange(n * f) + 0.5) / f - 0.5, 0, n - 1)", high="np.minimum(low + 1, n - 1)"):
    return f'''def upsample_bilinear(x, factor):
    x = np.asarray(x, dtype=np.float64)
    fh, fw = (factor, factor) if np.ndim(factor) == 0 else factor
    if fh < 1 or fw < 1:
        raise ValueError("factor below 1")
    for axis, f in ((1, fh), (2, fw)):
        n = x.shape[axis]
        u = {coordinate}
        low = np.floor(u).astype(int)
        high = {high}
        t = (u - low).reshape([-1 if a == axis else 1 for a in range(4)])
        x = (1 - t) * np.take(x, low, axis=axis, mode="clip") + t * np.take(x, high, axis=axis, mode="clip")
    return x'''


def _stamps(line="out[i * stride:i * stride + kh, j * stride:j * stride + kw] += x[i, j] * k",
            shape="((H - 1) * stride + kh, (W - 1) * stride + kw)", convert="np.float64"):
    return f'''def trans_conv2d(x, k, stride=1):
    x, k = np.asarray(x, dtype={convert}), np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    out = np.zeros({shape})
    for i in range(H):
        for j in range(W):
            {line}
    return out'''


_LAYER_HEAD = '''def conv_transpose_nhwc(x, w, b=None, stride=1, padding="valid"):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4 or padding not in ("valid", "same"):
        raise ValueError("bad input")
    (n, H, W, _), (kh, kw, c_out, _) = x.shape, w.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    full = np.zeros((n, (H - 1) * sh + kh, (W - 1) * sw + kw, c_out))
    for u in range(kh):
        for v in range(kw):
'''


def _layer(add="full[:, u:u + sh * (H - 1) + 1:sh, v:v + sw * (W - 1) + 1:sw] += x @ w[u, v].T",
           start="extra // 2 if extra > 0 else 0", target="size * s + (max(k - s, 0) if padding == 'valid' else 0)"):
    return _LAYER_HEAD + f'''            {add}
    for axis, (size, k, s) in ((1, (H, kh, sh)), (2, (W, kw, sw))):
        target = {target}
        extra = full.shape[axis] - target
        start = {start}
        pad = [(0, 0)] * 4
        pad[axis] = (0, max(-extra, 0))
        full = np.pad(np.take(full, range(start, start + min(target, full.shape[axis])), axis=axis), pad)
    return full if b is None else full + np.asarray(b, dtype=np.float64)'''


def _size(body):
    return "def conv_transpose_output_size(n, f, s=1, p=0, output_padding=0, d=1):\n" + body


_SIZE_CHECKS = '''    if min(n, f, s, d) < 1 or min(p, output_padding) < 0:
        raise ValueError("argument out of range")
    if output_padding >= s and output_padding >= d:
        raise ValueError("output_padding too large")
'''

WRONG = {
    "upsample_nearest": {
        "tiles-the-image": '''def upsample_nearest(x, factor):
    fh, fw = (factor, factor) if np.ndim(factor) == 0 else factor
    if fh < 1 or fw < 1:
        raise ValueError("factor below 1")
    return np.tile(np.asarray(x, dtype=np.float64), (1, fh, fw, 1))''',
        "factors-swapped": '''def upsample_nearest(x, factor):
    fw, fh = (factor, factor) if np.ndim(factor) == 0 else factor
    if fh < 1 or fw < 1:
        raise ValueError("factor below 1")
    return np.repeat(np.repeat(np.asarray(x, dtype=np.float64), fh, axis=1), fw, axis=2)''',
        "no-check": '''def upsample_nearest(x, factor):
    fh, fw = (factor, factor) if np.ndim(factor) == 0 else factor
    return np.repeat(np.repeat(np.asarray(x, dtype=np.float64), fh, axis=1), fw, axis=2)''',
        "one-factor-for-both-axes": '''def upsample_nearest(x, factor):
    f = factor if np.ndim(factor) == 0 else factor[0]
    if f < 1:
        raise ValueError("factor below 1")
    return np.repeat(np.repeat(np.asarray(x, dtype=np.float64), f, axis=1), f, axis=2)''',
    },
    "upsample_bilinear": {
        "align-corners-true": _bilinear(coordinate="np.arange(n * f) * (n - 1) / max(n * f - 1, 1)"),
        "no-half-pixel-offset": _bilinear(coordinate="np.clip(np.arange(n * f) / f, 0, n - 1)"),
        "edges-not-clamped": _bilinear(coordinate="(np.arange(n * f) + 0.5) / f - 0.5", high="low + 1")
            .replace('mode="clip"', 'mode="wrap"'),
        "nearest": '''def upsample_bilinear(x, factor):
    fh, fw = (factor, factor) if np.ndim(factor) == 0 else factor
    if fh < 1 or fw < 1:
        raise ValueError("factor below 1")
    return np.repeat(np.repeat(np.asarray(x, dtype=np.float64), fh, axis=1), fw, axis=2)''',
        "keras-float32": '''def upsample_bilinear(x, factor):
    return keras.layers.UpSampling2D(factor, interpolation="bilinear")(
        np.asarray(x, dtype=np.float32)).numpy().astype(np.float64)''',
        "weights-swapped": _bilinear().replace("x = (1 - t) * np.take", "x = t * np.take").replace(
            "+ t * np.take(x, high", "+ (1 - t) * np.take(x, high"),
    },
    "trans_conv2d": {
        "stamps-overwritten": _stamps(line="out[i * stride:i * stride + kh, j * stride:j * stride + kw] = x[i, j] * k"),
        "kernel-flipped": _stamps(line="out[i * stride:i * stride + kh, j * stride:j * stride + kw] += x[i, j] * k[::-1, ::-1]"),
        "stride-applied-to-the-kernel": '''def trans_conv2d(x, k, stride=1):
    x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
    big = np.zeros(((k.shape[0] - 1) * stride + 1, (k.shape[1] - 1) * stride + 1))
    big[::stride, ::stride] = k
    (H, W), (kh, kw) = x.shape, big.shape
    out = np.zeros((H - 1 + kh, W - 1 + kw))
    for i in range(H):
        for j in range(W):
            out[i:i + kh, j:j + kw] += x[i, j] * big
    return out''',
        "cropped-to-h-times-s": _stamps().replace("    return out", "    return out[:H * stride, :W * stride]"),
        "rows-and-columns-swapped": _stamps(line="out[j * stride:j * stride + kh, i * stride:i * stride + kw] += x[j, i] * k")
            .replace("(H, W), (kh, kw) = x.shape, k.shape", "(W, H), (kh, kw) = x.shape, k.shape"),
        "integer-output": _stamps(convert="np.int64").replace("out = np.zeros(", "out = np.zeros(dtype=np.int64, shape=")
            .replace("+= x[i, j] * k", "+= (x[i, j] * k).astype(np.int64)"),
    },
    "conv_transpose_nhwc": {
        "stamps-overwritten": _layer(add="full[:, u:u + sh * (H - 1) + 1:sh, v:v + sw * (W - 1) + 1:sw] = x @ w[u, v].T"),
        "kernel-flipped": _layer(add="full[:, u:u + sh * (H - 1) + 1:sh, v:v + sw * (W - 1) + 1:sw] += x @ w[kh - 1 - u, kw - 1 - v].T"),
        "same-cropped-from-the-top-first": _layer(start="extra - extra // 2 if extra > 0 else 0"),
        "same-cropped-at-the-end-only": _layer(start="0"),
        "channel-axes-swapped": _layer(add="full[:, u:u + sh * (H - 1) + 1:sh, v:v + sw * (W - 1) + 1:sw] += x @ w[u, v].reshape(w.shape[3], w.shape[2])"),
        "valid-without-keras-zero-rows": _layer(target="size * s + (max(k - s, 0) if padding == 'valid' else 0) if padding == 'same' or k >= s else (size - 1) * s + k"),
        "stride-axes-swapped": _layer().replace("sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride",
                                                "sw, sh = (stride, stride) if np.ndim(stride) == 0 else stride"),
    },
    "conv_transpose_output_size": {
        "padding-subtracted-once": _size(_SIZE_CHECKS + '''    size = (n - 1) * s - p + d * (f - 1) + output_padding + 1
    if size < 1:
        raise ValueError("too small")
    return size'''),
        "output-padding-on-both-sides": _size(_SIZE_CHECKS + '''    size = (n - 1) * s - 2 * p + d * (f - 1) + 2 * output_padding + 1
    if size < 1:
        raise ValueError("too small")
    return size'''),
        "no-output-padding-check": _size('''    if min(n, f, s, d) < 1 or min(p, output_padding) < 0:
        raise ValueError("argument out of range")
    size = (n - 1) * s - 2 * p + d * (f - 1) + output_padding + 1
    if size < 1:
        raise ValueError("too small")
    return size'''),
        "checks-the-stride-only": _size('''    if min(n, f, s, d) < 1 or min(p, output_padding) < 0 or output_padding >= s:
        raise ValueError("bad arguments")
    size = (n - 1) * s - 2 * p + d * (f - 1) + output_padding + 1
    if size < 1:
        raise ValueError("too small")
    return size'''),
        "dilation-ignored": _size(_SIZE_CHECKS + '''    size = (n - 1) * s - 2 * p + (f - 1) + output_padding + 1
    if size < 1:
        raise ValueError("too small")
    return size'''),
        "convolution-formula": _size(_SIZE_CHECKS + '''    size = (n + 2 * p - d * (f - 1) - 1) // s + 1
    if size < 1:
        raise ValueError("too small")
    return size'''),
        "float-result": _size(_SIZE_CHECKS + '''    size = (n - 1) * s - 2 * p + d * (f - 1) + output_padding + 1.0
    if size < 1:
        raise ValueError("too small")
    return size'''),
    },
    "conv_matrix": {
        "kernel-flipped": '''def conv_matrix(k, input_hw):
    k = np.asarray(k, dtype=np.float64)[::-1, ::-1]
    (H, W), (kh, kw) = input_hw, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    C = np.zeros(((H - kh + 1) * (W - kw + 1), H * W))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            window = np.zeros((H, W))
            window[i:i + kh, j:j + kw] = k
            C[i * (W - kw + 1) + j] = window.ravel()
    return C''',
        "transposed": '''def conv_matrix(k, input_hw):
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = input_hw, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    C = np.zeros((H * W, (H - kh + 1) * (W - kw + 1)))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            window = np.zeros((H, W))
            window[i:i + kh, j:j + kw] = k
            C[:, i * (W - kw + 1) + j] = window.ravel()
    return C''',
        "rows-in-column-major-order": '''def conv_matrix(k, input_hw):
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = input_hw, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    oh, ow = H - kh + 1, W - kw + 1
    C = np.zeros((oh * ow, H * W))
    for i in range(oh):
        for j in range(ow):
            window = np.zeros((H, W))
            window[i:i + kh, j:j + kw] = k
            C[j * oh + i] = window.ravel()
    return C''',
    },
    "overlap_counts": {
        "counts-stamp-starts": '''def overlap_counts(n, f, s):
    counts = np.zeros((n - 1) * s + f, dtype=int)
    counts[::s][:n] += 1
    return counts''',
        "length-n-times-s": '''def overlap_counts(n, f, s):
    counts = np.zeros(n * s, dtype=int)
    for i in range(n):
        counts[i * s:i * s + f] += 1
    return counts''',
        "float-counts": '''def overlap_counts(n, f, s):
    counts = np.zeros((n - 1) * s + f)
    for i in range(n):
        counts[i * s:i * s + f] += 1
    return counts''',
    },
    "torch_same_ports": {
        "the-usual-answer": '''torch_same_ports = {(3, 1): (1, 0), (3, 2): (1, 1), (4, 2): (1, 0), (5, 2): (2, 1),
                    (2, 2): (0, 0), (5, 3): (1, 0)}''',
        "padding-f-over-2": '''torch_same_ports = {(3, 1): (1, 0), (3, 2): None, (4, 2): (2, 0), (5, 2): None,
                    (2, 2): (1, 0), (5, 3): (2, 0)}''',
        "all-none": '''torch_same_ports = {(3, 1): None, (3, 2): None, (4, 2): None, (5, 2): None,
                    (2, 2): None, (5, 3): None}''',
    },
}

RIGHT = {
    "upsample_nearest": {
        "kron": '''def upsample_nearest(x, factor):
    fh, fw = np.broadcast_to(factor, 2)
    if fh < 1 or fw < 1:
        raise ValueError("factor must be at least 1")
    return np.kron(np.asarray(x, dtype=np.float64), np.ones((1, fh, fw, 1)))''',
        "index-arrays": '''def upsample_nearest(x, factor):
    fh, fw = (factor, factor) if isinstance(factor, int) else factor
    if min(fh, fw) < 1:
        raise ValueError("factor must be at least 1")
    x = np.asarray(x, dtype=np.float64)
    rows = np.arange(x.shape[1] * fh) // fh
    cols = np.arange(x.shape[2] * fw) // fw
    return x[:, rows][:, :, cols]''',
    },
    "upsample_bilinear": {
        "via-torch": '''def upsample_bilinear(x, factor):
    fh, fw = np.broadcast_to(factor, 2)
    if fh < 1 or fw < 1:
        raise ValueError("factor must be at least 1")
    xt = torch.tensor(np.asarray(x, dtype=np.float64)).permute(0, 3, 1, 2)
    out = F.interpolate(xt, scale_factor=(float(fh), float(fw)), mode="bilinear", align_corners=False)
    return out.permute(0, 2, 3, 1).numpy()''',
        "weight-matrices": '''def upsample_bilinear(x, factor):
    x = np.asarray(x, dtype=np.float64)
    fh, fw = (factor, factor) if np.ndim(factor) == 0 else factor
    if fh < 1 or fw < 1:
        raise ValueError("factor must be at least 1")
    def weights(n, f):
        u = np.clip((np.arange(n * f) + 0.5) / f - 0.5, 0, n - 1)
        M = np.zeros((n * f, n))
        low = np.floor(u).astype(int)
        high = np.minimum(low + 1, n - 1)
        np.add.at(M, (np.arange(n * f), low), 1 - (u - low))
        np.add.at(M, (np.arange(n * f), high), u - low)
        return M
    return np.einsum("ah,bw,nhwc->nabc", weights(x.shape[1], fh), weights(x.shape[2], fw), x)''',
    },
    "trans_conv2d": {
        "matrix-C-transposed": '''def trans_conv2d(x, k, stride=1):
    x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = x.shape, k.shape
    oh, ow = (H - 1) * stride + kh, (W - 1) * stride + kw
    out = np.zeros(oh * ow)
    for i in range(H):
        for j in range(W):
            stamp = np.zeros((oh, ow))
            stamp[i * stride:i * stride + kh, j * stride:j * stride + kw] = k
            out += x[i, j] * stamp.ravel()
    return out.reshape(oh, ow)''',
        "dilate-and-full-correlation": '''def trans_conv2d(x, k, stride=1):
    x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
    H, W = x.shape
    dilated = np.zeros(((H - 1) * stride + 1, (W - 1) * stride + 1))
    dilated[::stride, ::stride] = x
    return signal.correlate2d(np.pad(dilated, ((k.shape[0] - 1,) * 2, (k.shape[1] - 1,) * 2)),
                              k[::-1, ::-1], mode="valid")''',
    },
    "conv_transpose_nhwc": {
        "loop-over-input-pixels": '''def conv_transpose_nhwc(x, w, b=None, stride=1, padding="valid"):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4 or padding not in ("valid", "same"):
        raise ValueError("bad input")
    n, H, W, _ = x.shape
    kh, kw, c_out, _ = w.shape
    sh, sw = np.broadcast_to(stride, 2)
    full = np.zeros((n, (H - 1) * sh + kh, (W - 1) * sw + kw, c_out))
    for i in range(H):
        for j in range(W):
            full[:, i * sh:i * sh + kh, j * sw:j * sw + kw] += np.einsum("nc,uvoc->nuvo", x[:, i, j], w)
    def fit(a, axis, size, k, s):
        target = size * s if padding == "same" else size * s + max(k - s, 0)
        extra = a.shape[axis] - target
        if extra >= 0:
            return np.take(a, np.arange(extra // 2, extra // 2 + target), axis=axis)
        widths = [(0, 0)] * 4
        widths[axis] = (0, -extra)
        return np.pad(a, widths)
    out = fit(fit(full, 1, H, kh, sh), 2, W, kw, sw)
    return out if b is None else out + b''',
        "via-torch-and-crop": '''def conv_transpose_nhwc(x, w, b=None, stride=1, padding="valid"):
    if padding not in ("valid", "same"):
        raise ValueError("padding must be 'valid' or 'same'")
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    sh, sw = np.broadcast_to(stride, 2)
    full = F.conv_transpose2d(torch.tensor(x).permute(0, 3, 1, 2),
                              torch.tensor(w).permute(3, 2, 0, 1), stride=(int(sh), int(sw)))
    full = full.permute(0, 2, 3, 1).numpy()
    H, W = x.shape[1:3]
    kh, kw = w.shape[:2]
    th = H * sh if padding == "same" else H * sh + max(kh - sh, 0)
    tw = W * sw if padding == "same" else W * sw + max(kw - sw, 0)
    eh, ew = full.shape[1] - th, full.shape[2] - tw
    full = full[:, max(eh, 0) // 2:, max(ew, 0) // 2:][:, :th, :tw]
    full = np.pad(full, ((0, 0), (0, th - full.shape[1]), (0, tw - full.shape[2]), (0, 0)))
    return full if b is None else full + np.asarray(b, dtype=np.float64)''',
    },
    "conv_transpose_output_size": {
        "cropping-view": _size(_SIZE_CHECKS + '''    full = (n - 1) * s + d * (f - 1) + 1
    result = full - 2 * p + output_padding
    if result < 1:
        raise ValueError(f"no output: {result}")
    return result'''),
        "via-torch": _size('''    if min(n, f, s, d) < 1 or min(p, output_padding) < 0:
        raise ValueError("out of range")
    try:
        out = F.conv_transpose2d(torch.zeros(1, 1, n, 1), torch.zeros(1, 1, f, 1), stride=(s, 1),
                                 padding=(p, 0), output_padding=(output_padding, 0), dilation=(d, 1))
    except RuntimeError as err:
        raise ValueError(str(err)) from None
    return int(out.shape[2])'''),
    },
    "conv_matrix": {
        "via-unit-images": '''def conv_matrix(k, input_hw):
    k = np.asarray(k, dtype=np.float64)
    H, W = input_hw
    if k.shape[0] > H or k.shape[1] > W:
        raise ValueError("kernel larger than the input")
    columns = []
    for index in range(H * W):
        unit = np.zeros(H * W)
        unit[index] = 1.0
        columns.append(signal.correlate2d(unit.reshape(H, W), k, mode="valid").ravel())
    return np.stack(columns, axis=1)''',
        "index-arithmetic": '''def conv_matrix(k, input_hw):
    k = np.asarray(k, dtype=np.float64)
    (H, W), (kh, kw) = input_hw, k.shape
    if kh > H or kw > W:
        raise ValueError("kernel larger than the input")
    oh, ow = H - kh + 1, W - kw + 1
    C = np.zeros((oh * ow, H * W))
    for r in range(oh * ow):
        i, j = divmod(r, ow)
        for a in range(kh):
            for b in range(kw):
                C[r, (i + a) * W + (j + b)] = k[a, b]
    return C''',
    },
    "overlap_counts": {
        "convolve-ones": '''def overlap_counts(n, f, s):
    starts = np.zeros((n - 1) * s + 1, dtype=int)
    starts[::s] = 1
    return np.convolve(starts, np.ones(f, dtype=int))''',
        "via-trans-conv": '''def overlap_counts(n, f, s):
    out = F.conv_transpose1d(torch.ones(1, 1, n), torch.ones(1, 1, f), stride=s)
    return out[0, 0].numpy().round().astype(int)''',
    },
    "torch_same_ports": {
        "lists": '''torch_same_ports = {(3, 1): [1, 0], (3, 2): None, (4, 2): [1, 0], (5, 2): None,
                    (2, 2): [0, 0], (5, 3): [1, 0]}''',
        "computed": '''torch_same_ports = {}
for f, s in [(3, 1), (3, 2), (4, 2), (5, 2), (2, 2), (5, 3)]:
    crop = f - s
    torch_same_ports[(f, s)] = (crop // 2, 0) if crop % 2 == 0 else None''',
    },
}
