"""Plausible wrong and differently written right answers for chapter 03.

Each string replaces one exercise's whole solution cell (it may use np, torch, F, tf,
signal from the setup cell and the chapter's other functions). Every WRONG entry must
lose at least one point on that exercise's own test cells; every RIGHT entry must get
full marks on every test cell.
"""

# Exercises whose text tells the student to build on earlier ones (tests/test_mutants.py).
DEPENDS = {"strided_corr2d": ["pad2d", "same_padding"], "corr2d_same_torch": ["same_padding"]}

WRONG = {
    "pad2d": {
        "float-output": '''def pad2d(x, padding):
    x = np.asarray(x)
    if isinstance(padding, int):
        padding = ((padding, padding), (padding, padding))
    (top, bottom), (left, right) = padding
    H, W = x.shape
    out = np.zeros((H + top + bottom, W + left + right))
    out[top:top + H, left:left + W] = x
    return out''',
        "edge-mode": '''def pad2d(x, padding):
    return np.pad(x, padding, mode="edge")''',
        "reflect-mode": '''def pad2d(x, padding):
    return np.pad(x, padding, mode="reflect")''',
        "tuple-axes-swapped": '''def pad2d(x, padding):
    x = np.asarray(x)
    if isinstance(padding, int):
        padding = ((padding, padding), (padding, padding))
    (left, right), (top, bottom) = padding
    H, W = x.shape
    out = np.zeros((H + top + bottom, W + left + right), dtype=x.dtype)
    out[top:top + H, left:left + W] = x
    return out''',
        "int-padding-one-side": '''def pad2d(x, padding):
    x = np.asarray(x)
    if isinstance(padding, int):
        padding = ((padding, 0), (padding, 0))
    return np.pad(x, padding)''',
        "offset-from-bottom-right": '''def pad2d(x, padding):
    x = np.asarray(x)
    if isinstance(padding, int):
        padding = ((padding, padding), (padding, padding))
    (top, bottom), (left, right) = padding
    H, W = x.shape
    out = np.zeros((H + top + bottom, W + left + right), dtype=x.dtype)
    out[bottom:bottom + H, right:right + W] = x
    return out''',
    },
    "conv_output_size": {
        "ceil-instead-of-floor": '''import math

def conv_output_size(n, f, p=0, s=1, d=1):
    out = math.ceil((n + 2 * p - d * (f - 1) - 1) / s) + 1
    if out <= 0:
        raise ValueError("no valid output position")
    return out''',
        "forgets-dilation": '''def conv_output_size(n, f, p=0, s=1, d=1):
    if n + 2 * p < f:
        raise ValueError("kernel does not fit")
    return (n + 2 * p - f) // s + 1''',
        "padding-one-side": '''def conv_output_size(n, f, p=0, s=1, d=1):
    span = d * (f - 1) + 1
    if n + p < span:
        raise ValueError("kernel does not fit")
    return (n + p - span) // s + 1''',
        "returns-float": '''def conv_output_size(n, f, p=0, s=1, d=1):
    span = d * (f - 1) + 1
    if n + 2 * p < span:
        raise ValueError("kernel does not fit")
    return (n + 2 * p - span) / s + 1''',
        "round-to-nearest": '''def conv_output_size(n, f, p=0, s=1, d=1):
    span = d * (f - 1) + 1
    if n + 2 * p < span:
        raise ValueError("kernel does not fit")
    return round((n + 2 * p - span) / s) + 1''',
        "never-raises": '''def conv_output_size(n, f, p=0, s=1, d=1):
    return (n + 2 * p - d * (f - 1) - 1) // s + 1''',
        "int-truncation-then-check": '''def conv_output_size(n, f, p=0, s=1, d=1):
    out = int((n + 2 * p - d * (f - 1) - 1) / s) + 1
    if out <= 0:
        raise ValueError("no valid output position")
    return out''',
        "raises-when-kernel-larger-than-input": '''def conv_output_size(n, f, p=0, s=1, d=1):
    if d * (f - 1) + 1 > n:
        raise ValueError("kernel larger than the input")
    return (n + 2 * p - d * (f - 1) - 1) // s + 1''',
        "dilated-span-d-times-f": '''def conv_output_size(n, f, p=0, s=1, d=1):
    span = d * f if d > 1 else f
    if n + 2 * p < span:
        raise ValueError("kernel does not fit")
    return (n + 2 * p - span) // s + 1''',
    },
    "same_padding": {
        "extra-pixel-top-left": '''def same_padding(n, f, s=1):
    out = -(-n // s)
    total = max((out - 1) * s + f - n, 0)
    return total - total // 2, total // 2''',
        "no-clip-at-zero": '''def same_padding(n, f, s=1):
    out = -(-n // s)
    total = (out - 1) * s + f - n
    return total // 2, total - total // 2''',
        "ignores-stride": '''def same_padding(n, f, s=1):
    total = f - 1
    return total // 2, total - total // 2''',
        "floor-output-size": '''def same_padding(n, f, s=1):
    out = n // s
    total = max((out - 1) * s + f - n, 0)
    return total // 2, total - total // 2''',
        "drops-the-odd-pixel": '''def same_padding(n, f, s=1):
    out = -(-n // s)
    total = max((out - 1) * s + f - n, 0)
    return total // 2, total // 2''',
        "returns-floats": '''def same_padding(n, f, s=1):
    out = np.ceil(n / s)
    total = max((out - 1) * s + f - n, 0)
    return np.floor(total / 2), total - np.floor(total / 2)''',
        "output-equals-input-size": '''def same_padding(n, f, s=1):
    total = max((n - 1) * s + f - n, 0)
    return total // 2, total - total // 2''',
    },
    "strided_corr2d": {
        "pads-the-opposite-sides": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if isinstance(padding, str):
        padding = 0 if padding == "valid" else (same_padding(x.shape[0], kh, sh),
                                                same_padding(x.shape[1], kw, sw))
    if np.ndim(padding) == 0:
        padding = ((padding, padding), (padding, padding))
    (top, bottom), (left, right) = padding
    xp = np.pad(x, ((bottom, top), (right, left)))      # each pair read the wrong way round
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // sh + 1, (W - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "no-padding-applied": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    H, W = x.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // sh + 1, (W - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (x[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "stride-axes-swapped": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    sw, sh = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = (same_padding(x.shape[0], kh, sh), same_padding(x.shape[1], kw, sw))
    xp = pad2d(x, padding)
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // sh + 1, (W - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "same-extra-pixel-top-left": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "valid":
        padding = 0
    elif padding == "same":
        pads = []
        for n, f, s in ((x.shape[0], kh, sh), (x.shape[1], kw, sw)):
            total = max((-(-n // s) - 1) * s + f - n, 0)
            pads.append((total - total // 2, total // 2))
        padding = tuple(pads)
    xp = pad2d(x, padding)
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // sh + 1, (W - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "same-padding-ignores-stride": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "valid":
        padding = 0
    elif padding == "same":   # the stride-1 rule: F - 1 zeros in total
        padding = (((kh - 1) // 2, kh - 1 - (kh - 1) // 2), ((kw - 1) // 2, kw - 1 - (kw - 1) // 2))
    xp = pad2d(x, padding)
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // sh + 1, (W - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "window-not-moved-by-stride": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = (same_padding(x.shape[0], kh, sh), same_padding(x.shape[1], kw, sw))
    xp = pad2d(x, padding)
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // sh + 1, (W - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i:i + kh, j:j + kw] * k).sum()
    return out''',
        "padding-tuple-axes-swapped": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = (same_padding(x.shape[0], kh, sh), same_padding(x.shape[1], kw, sw))
    if isinstance(padding, int):
        padding = ((padding, padding), (padding, padding))
    rows, cols = padding
    xp = np.pad(x, (cols, rows))
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // sh + 1, (W - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "keeps-input-dtype": '''def strided_corr2d(x, k, stride=1, padding=0):
    x, k = np.asarray(x), np.asarray(k)
    kh, kw = k.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = (same_padding(x.shape[0], kh, sh), same_padding(x.shape[1], kw, sw))
    xp = pad2d(x, padding)
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // sh + 1, (W - kw) // sw + 1), dtype=x.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "no-error-when-kernel-too-big": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = (same_padding(x.shape[0], kh, sh), same_padding(x.shape[1], kw, sw))
    xp = pad2d(x, padding)
    H, W = xp.shape
    out = np.zeros((max((H - kh) // sh + 1, 0), max((W - kw) // sw + 1, 0)))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "keeps-the-partial-last-window": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = (same_padding(x.shape[0], kh, sh), same_padding(x.shape[1], kw, sw))
    xp = pad2d(x, padding)
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    oh, ow = -(-(H - kh) // sh) + 1, -(-(W - kw) // sw) + 1        # ceil: keep every start
    xp = np.pad(xp, ((0, (oh - 1) * sh + kh - H), (0, (ow - 1) * sw + kw - W)))
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = (xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "kernel-flipped": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)[::-1, ::-1]
    kh, kw = k.shape
    sh, sw = (stride, stride) if np.ndim(stride) == 0 else stride
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = (same_padding(x.shape[0], kh, sh), same_padding(x.shape[1], kw, sw))
    xp = pad2d(x, padding)
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // sh + 1, (W - kw) // sw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i * sh:i * sh + kh, j * sw:j * sw + kw] * k).sum()
    return out''',
        "first-stride-for-both-axes": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    s = stride if isinstance(stride, int) else stride[0]
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = (same_padding(x.shape[0], kh, s), same_padding(x.shape[1], kw, s))
    xp = pad2d(x, padding)
    H, W = xp.shape
    if kh > H or kw > W:
        raise ValueError("kernel does not fit")
    out = np.zeros(((H - kh) // s + 1, (W - kw) // s + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (xp[i * s:i * s + kh, j * s:j * s + kw] * k).sum()
    return out''',
    },
    "corr2d_same_torch": {
        "f-pad-order-top-bottom-first": '''def corr2d_same_torch(x, k, stride=1):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    top, bottom = same_padding(x.shape[0], k.shape[0], stride)
    left, right = same_padding(x.shape[1], k.shape[1], stride)
    xt = F.pad(torch.as_tensor(x)[None, None], (top, bottom, left, right))
    return F.conv2d(xt, torch.as_tensor(k)[None, None], stride=stride)[0, 0].numpy()''',
        "symmetric-half-kernel-padding": '''def corr2d_same_torch(x, k, stride=1):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    kh, kw = k.shape
    out = F.conv2d(torch.as_tensor(x)[None, None], torch.as_tensor(k)[None, None],
                   stride=stride, padding=(kh // 2, kw // 2))[0, 0]
    return out[:-(-x.shape[0] // stride), :-(-x.shape[1] // stride)].numpy()''',
        "extra-pixel-top-left": '''def corr2d_same_torch(x, k, stride=1):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    bottom, top = same_padding(x.shape[0], k.shape[0], stride)
    right, left = same_padding(x.shape[1], k.shape[1], stride)
    xt = F.pad(torch.as_tensor(x)[None, None], (left, right, top, bottom))
    return F.conv2d(xt, torch.as_tensor(k)[None, None], stride=stride)[0, 0].numpy()''',
        "height-padding-for-both-axes": '''def corr2d_same_torch(x, k, stride=1):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    top, bottom = same_padding(x.shape[0], k.shape[0], stride)
    xt = F.pad(torch.as_tensor(x)[None, None], (top, bottom, top, bottom))
    return F.conv2d(xt, torch.as_tensor(k)[None, None], stride=stride)[0, 0].numpy()''',
        "returns-a-tensor": '''def corr2d_same_torch(x, k, stride=1):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    top, bottom = same_padding(x.shape[0], k.shape[0], stride)
    left, right = same_padding(x.shape[1], k.shape[1], stride)
    xt = F.pad(torch.as_tensor(x)[None, None], (left, right, top, bottom))
    return F.conv2d(xt, torch.as_tensor(k)[None, None], stride=stride)[0, 0]''',
    },
    "dilate_kernel": {
        "d-zeros-between-taps": '''def dilate_kernel(k, d):
    k = np.asarray(k)
    kh, kw = k.shape
    out = np.zeros(((d + 1) * (kh - 1) + 1, (d + 1) * (kw - 1) + 1), dtype=k.dtype)
    out[::d + 1, ::d + 1] = k
    return out''',
        "trailing-zeros-after-last-tap": '''def dilate_kernel(k, d):
    k = np.asarray(k)
    pattern = np.zeros((d, d), dtype=k.dtype)
    pattern[0, 0] = 1
    return np.kron(k, pattern)''',
        "rows-only": '''def dilate_kernel(k, d):
    k = np.asarray(k)
    kh, kw = k.shape
    out = np.zeros((d * (kh - 1) + 1, kw), dtype=k.dtype)
    out[::d] = k
    return out''',
        "square-kernel-assumed": '''def dilate_kernel(k, d):
    k = np.asarray(k)
    size = d * (k.shape[0] - 1) + 1
    out = np.zeros((size, size), dtype=k.dtype)
    out[::d, ::d] = k
    return out''',
    },
    "layer_shapes": {
        "same-ignores-stride": '''layer_shapes = [(27, 34), (23, 30), (23, 30), (26, 32), (12, 10), (6, 5)]''',
        "same-rounds-down": '''layer_shapes = [(27, 34), (23, 30), (11, 15), (14, 17), (6, 5), (3, 2)]''',
        "ceil-for-valid": '''layer_shapes = [(27, 34), (23, 30), (12, 15), (15, 17), (7, 6), (4, 3)]''',
        "forgets-dilation": '''layer_shapes = [(27, 34), (25, 32), (13, 16), (16, 18), (7, 6), (3, 3)]''',
        "zero-padding-read-as-top-left-bottom-right": '''layer_shapes = [(27, 34), (23, 30), (12, 15), (14, 18), (6, 6), (3, 3)]''',
        "with-channels": '''layer_shapes = [(27, 34, 4), (23, 30, 4), (12, 15, 4), (15, 17, 4), (7, 5, 4), (3, 2, 4)]''',
        "stride-axes-swapped": '''layer_shapes = [(27, 34), (23, 30), (12, 15), (15, 17), (5, 8), (2, 4)]''',
        "worked-example-copied": '''layer_shapes = [(32, 24), (16, 12), (19, 12), (9, 10), (5, 6), (2, 3)]''',
    },
}

RIGHT = {
    "pad2d": {
        "np-pad": '''def pad2d(x, padding):
    """Zero-padded copy of x; np.pad keeps the dtype and pads with zeros by default."""
    return np.pad(np.asarray(x), padding)''',
        "concatenate-blocks": '''def pad2d(x, padding):
    x = np.asarray(x)
    if np.ndim(padding) == 0:
        padding = [[padding] * 2] * 2
    (top, bottom), (left, right) = padding
    H, W = x.shape
    rows = np.concatenate([np.zeros((H, left), x.dtype), x, np.zeros((H, right), x.dtype)], axis=1)
    width = rows.shape[1]
    return np.concatenate([np.zeros((top, width), x.dtype), rows,
                           np.zeros((bottom, width), x.dtype)], axis=0)''',
    },
    "conv_output_size": {
        "walk-the-windows": '''def conv_output_size(n, f, p=0, s=1, d=1):
    length, span = n + 2 * p, d * (f - 1) + 1
    count = len(range(0, length - span + 1, s)) if length >= span else 0
    if count == 0:
        raise ValueError(f"a window of {span} pixels does not fit in {length}")
    return count''',
        "math-floor": '''import math

def conv_output_size(n, f, p=0, s=1, d=1):
    effective = d * (f - 1) + 1
    if effective > n + 2 * p:
        raise ValueError("no valid output position")
    return int(math.floor((n + 2 * p - effective) / s)) + 1''',
    },
    "same_padding": {
        "tf-source-remainder": '''def same_padding(n, f, s=1):
    if n % s == 0:
        total = max(f - s, 0)
    else:
        total = max(f - n % s, 0)
    return (total // 2, total - total // 2)''',
        "math-ceil": '''import math

def same_padding(n, f, s=1):
    out = math.ceil(n / s)
    needed = (out - 1) * s + f
    total = needed - n if needed > n else 0
    after = (total + 1) // 2
    return (total - after, after)''',
    },
    "strided_corr2d": {
        "sliding-window-view": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x).astype(np.float64)
    k = np.asarray(k).astype(np.float64)
    sh, sw = (stride, stride) if isinstance(stride, int) else tuple(stride)
    if padding == "same":
        padding = (same_padding(x.shape[0], k.shape[0], sh), same_padding(x.shape[1], k.shape[1], sw))
    elif padding == "valid":
        padding = ((0, 0), (0, 0))
    xp = np.pad(x, padding)
    if k.shape[0] > xp.shape[0] or k.shape[1] > xp.shape[1]:
        raise ValueError("the kernel is larger than the padded input")
    windows = np.lib.stride_tricks.sliding_window_view(xp, k.shape)[::sh, ::sw]
    return np.einsum("ijab,ab->ij", windows, k)''',
        "scipy-then-subsample": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    k = np.asarray(k, dtype=float)
    strides = (stride, stride) if np.isscalar(stride) else stride
    if isinstance(padding, str):
        padding = ((0, 0), (0, 0)) if padding == "valid" else tuple(
            same_padding(n, f, s) for n, f, s in zip(x.shape, k.shape, strides))
    xp = pad2d(x, padding)
    if any(f > n for f, n in zip(k.shape, xp.shape)):
        raise ValueError(f"kernel {k.shape} does not fit in {xp.shape}")
    full = signal.correlate2d(xp, k, mode="valid")
    return full[::strides[0], ::strides[1]]''',
        "tf-explicit-padding": '''def strided_corr2d(x, k, stride=1, padding=0):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if isinstance(padding, str):
        mode = padding.upper()
    else:
        pairs = ((padding, padding),) * 2 if np.ndim(padding) == 0 else padding
        if x.shape[0] + sum(pairs[0]) < k.shape[0] or x.shape[1] + sum(pairs[1]) < k.shape[1]:
            raise ValueError("kernel does not fit in the padded input")
        mode = [[0, 0], list(pairs[0]), list(pairs[1]), [0, 0]]
    if mode == "VALID" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        raise ValueError("kernel does not fit in the input")
    out = tf.nn.conv2d(x[None, :, :, None], k[:, :, None, None], strides=stride, padding=mode)
    return out[0, :, :, 0].numpy()''',
    },
    "dilate_kernel": {
        "double-loop": '''def dilate_kernel(k, d):
    k = np.asarray(k)
    kh, kw = k.shape
    out = np.zeros((d * (kh - 1) + 1, d * (kw - 1) + 1), dtype=k.dtype)
    for a in range(kh):
        for b in range(kw):
            out[d * a, d * b] = k[a, b]
    return out''',
        "kron-then-trim": '''def dilate_kernel(k, d):
    k = np.asarray(k, dtype=float)
    pattern = np.zeros((d, d))
    pattern[0, 0] = 1.0
    big = np.kron(k, pattern)
    return big[:d * (k.shape[0] - 1) + 1, :d * (k.shape[1] - 1) + 1]''',
    },
    "corr2d_same_torch": {
        "zeropad2d-module": '''def corr2d_same_torch(x, k, stride=1):
    xt = torch.tensor(np.asarray(x, dtype=np.float64)).reshape(1, 1, *np.shape(x))
    kt = torch.tensor(np.asarray(k, dtype=np.float64)).reshape(1, 1, *np.shape(k))
    (top, bottom), (left, right) = [same_padding(n, f, stride) for n, f in zip(np.shape(x), np.shape(k))]
    pad = torch.nn.ZeroPad2d((left, right, top, bottom))
    return F.conv2d(pad(xt), kt, stride=stride).squeeze(0).squeeze(0).numpy()''',
        "pad2d-then-conv2d": '''def corr2d_same_torch(x, k, stride=1):
    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    padding = (same_padding(x.shape[0], k.shape[0], stride),
               same_padding(x.shape[1], k.shape[1], stride))
    xt = torch.from_numpy(pad2d(x, padding)).unsqueeze(0).unsqueeze(0)
    kt = torch.from_numpy(k.copy()).unsqueeze(0).unsqueeze(0)
    return F.conv2d(xt, kt, stride=(stride, stride))[0, 0].detach().numpy()''',
    },
    "layer_shapes": {
        "literal-lists": '''layer_shapes = [[27, 34], [23, 30], [12, 15], [15, 17], [7, 5], [3, 2]]''',
        "computed-with-own-functions": '''layer_shapes = []
h, w = 27, 34
h, w = conv_output_size(h, 5, 2), conv_output_size(w, 5, 2)                  # 'same', stride 1
layer_shapes.append((h, w))
h, w = conv_output_size(h, 3, d=2), conv_output_size(w, 3, d=2)              # dilation 2
layer_shapes.append((h, w))
(t, b), (l, r) = same_padding(h, 3, 2), same_padding(w, 3, 2)
h, w = conv_output_size(h + t + b, 3, 0, 2), conv_output_size(w + l + r, 3, 0, 2)  # 'same', stride 2
layer_shapes.append((h, w))
h, w = h + 2 + 1, w + 0 + 2
layer_shapes.append((h, w))
h, w = conv_output_size(h, 3, 0, 2), conv_output_size(w, 3, 0, 3)
layer_shapes.append((h, w))
h, w = conv_output_size(h, 2, 0, 2), conv_output_size(w, 2, 0, 2)
layer_shapes.append((h, w))''',
    },
}
