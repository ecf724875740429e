"""Mutant submissions for chapter 04 (channels, filters and layouts).

Each string replaces one solution cell of source/04_multichannel/04_multichannel.ipynb entirely.
The code may use what the setup cell imports (np, signal, torch, F, tf, keras, checks) and the
locked cells' names.

- WRONG: {exercise: {name: code}}, mistakes students really make; each must lose at least one
  point on its own exercise's tests and none on another's (tests/test_mutants.py).
- RIGHT: {exercise: {name: code}}, correct solutions written differently; full marks.
No exercise builds on another (no DEPENDS).

Known gap (accepted): the vectorisation check counts Python lines, so a loop over the batch
*inside NumPy* (np.vectorize, np.apply_along_axis) is not caught; those are slow but rare.
"""

_CHECKS = '''    x = np.asarray(x, dtype=np.float64)
    k = np.asarray(k, dtype=np.float64)
    if x.shape[2] != k.shape[2]:
        raise ValueError(f"{x.shape[2]} channels in x, {k.shape[2]} in k")
    if k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError("kernel does not fit")
'''


def _multi(body):
    return "def corr2d_multi_in(x, k):\n" + _CHECKS + body


def _layer(body, padding_rule="(t // 2, t - t // 2)", float_first=True, loops=None):
    """A conv2d_nhwc with the given accumulation ``body`` (names x, w, out, sh, sw, out_h, ...)."""
    convert = ("    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)"
               if float_first else "    x, w = np.asarray(x), np.asarray(w)")
    loops = loops or '''    for u in range(kh):
        for v in range(kw):
''' + body
    return f'''def conv2d_nhwc(x, w, b=None, stride=1, padding="valid"):
{convert}
    if x.ndim != 4 or w.ndim != 4 or w.shape[2] != x.shape[3]:
        raise ValueError(f"shapes {{x.shape}} and {{w.shape}} do not match")
    b = np.zeros(w.shape[3]) if b is None else np.asarray(b, dtype=np.float64)
    if b.shape != (w.shape[3],):
        raise ValueError("one bias per filter")
    (kh, kw), (sh, sw) = w.shape[:2], (stride, stride) if np.ndim(stride) == 0 else stride
    pads = [(0, 0), (padding, padding), (padding, padding), (0, 0)]
    if isinstance(padding, str):
        totals = [max((-(-n // s) - 1) * s + f - n, 0) if padding == "same" else 0
                  for n, f, s in [(x.shape[1], kh, sh), (x.shape[2], kw, sw)]]
        pads = [(0, 0), *[{padding_rule} for t in totals], (0, 0)]
    x = np.pad(x, pads)
    if kh > x.shape[1] or kw > x.shape[2]:
        raise ValueError("kernel does not fit")
    out_h, out_w = (x.shape[1] - kh) // sh + 1, (x.shape[2] - kw) // sw + 1
    out = np.zeros((x.shape[0], out_h, out_w, w.shape[3])) + b
{loops}    return out'''


_OFFSET = "            out += x[:, u:u + sh * (out_h - 1) + 1:sh, v:v + sw * (out_w - 1) + 1:sw] @ w[u, v]\n"


def _port(weight, bias_line="            conv.bias.copy_(torch.tensor(weights[1]))",
          stride="tuple(config['strides'])", padding="config['padding']"):
    return f'''def port_conv_keras_to_torch(keras_layer):
    config, weights = keras_layer.get_config(), keras_layer.get_weights()
    kernel = weights[0]
    if config["padding"] == "same" and tuple(config["strides"]) != (1, 1):
        raise ValueError("strided 'same' has no PyTorch padding")
    conv = torch.nn.Conv2d(kernel.shape[2], kernel.shape[3], kernel.shape[:2], stride={stride},
                           padding={padding}, dilation=tuple(config["dilation_rate"]),
                           bias=config["use_bias"])
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(np.ascontiguousarray({weight})))
        if config["use_bias"]:
{bias_line}
    return conv'''


WRONG = {
    "corr2d_multi_in": {
        "keeps-the-channels-apart": _multi('''    return np.stack([signal.correlate2d(x[:, :, c], k[:, :, c], mode="valid")
                     for c in range(x.shape[2])], axis=-1)'''),
        "first-channel-only": _multi('''    return signal.correlate2d(x[:, :, 0], k[:, :, 0], mode="valid")'''),
        "last-channel-only": _multi('''    c = x.shape[2] - 1
    return signal.correlate2d(x[:, :, c], k[:, :, c], mode="valid")'''),
        "kernels-paired-backwards": _multi('''    return sum(signal.correlate2d(x[:, :, c], k[:, :, -1 - c], mode="valid")
               for c in range(x.shape[2]))'''),
        "convolution-not-correlation": _multi('''    return sum(signal.convolve2d(x[:, :, c], k[:, :, c], mode="valid")
               for c in range(x.shape[2]))'''),
        "multiplies-in-uint8": '''def corr2d_multi_in(x, k):
    x, k = np.asarray(x), np.asarray(k)
    if x.shape[2] != k.shape[2]:
        raise ValueError("channels differ")
    if k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError("kernel does not fit")
    windows = np.lib.stride_tricks.sliding_window_view(x, k.shape[:2], axis=(0, 1))
    return (windows * np.moveaxis(k, 2, 0)).sum(axis=(2, 3, 4)).astype(np.float64)''',
        "mean-over-channels": _multi('''    return sum(signal.correlate2d(x[:, :, c], k[:, :, c], mode="valid")
               for c in range(x.shape[2])) / x.shape[2]'''),
        "no-channel-check": '''def corr2d_multi_in(x, k):
    x, k = np.asarray(x, dtype=np.float64), np.asarray(k, dtype=np.float64)
    if k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError("kernel does not fit")
    H, W = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1
    out = np.zeros((H, W))
    for i in range(H):
        for j in range(W):
            out[i, j] = (x[i:i + k.shape[0], j:j + k.shape[1]] * k).sum()
    return out''',
    },
    "conv2d_nhwc": {
        "loops-over-pixels": _layer("", loops='''    for n in range(x.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                window = x[n, i * sh:i * sh + kh, j * sw:j * sw + kw]
                out[n, i, j] += np.tensordot(window, w, axes=3)
'''),
        "odd-zero-at-top-left": _layer(_OFFSET, padding_rule="(t - t // 2, t // 2)"),
        "same-padding-symmetric": _layer(_OFFSET, padding_rule="((t + 1) // 2, (t + 1) // 2)"),
        "bias-added-at-every-offset": _layer(_OFFSET + "            out += b\n"),
        "no-bias": _layer(_OFFSET + "            out -= b / (kh * kw)\n"),
        "kernel-flipped": _layer(
            "            out += x[:, u:u + sh * (out_h - 1) + 1:sh, v:v + sw * (out_w - 1) + 1:sw]"
            " @ w[kh - 1 - u, kw - 1 - v]\n"),
        "stride-axes-swapped": _layer(
            "            out += x[:, u:u + sw * (out_h - 1) + 1:sw, v:v + sh * (out_w - 1) + 1:sh]"
            " @ w[u, v]\n"),
        "multiplies-in-input-dtype": _layer(_OFFSET, float_first=False),
        "stride-before-padding": '''def conv2d_nhwc(x, w, b=None, stride=1, padding="valid"):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4 or w.shape[2] != x.shape[3]:
        raise ValueError("shapes do not match")
    b = np.zeros(w.shape[3]) if b is None else np.asarray(b, dtype=np.float64)
    if b.shape != (w.shape[3],):
        raise ValueError("one bias per filter")
    (kh, kw), (sh, sw) = w.shape[:2], (stride, stride) if np.ndim(stride) == 0 else stride
    p = 0 if isinstance(padding, str) else padding
    if padding == "same":
        p = (kh - 1) // 2
    x = np.pad(x[:, ::sh, ::sw], [(0, 0), (p, p), (p, p), (0, 0)])
    if kh > x.shape[1] or kw > x.shape[2]:
        raise ValueError("kernel does not fit")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))
    return np.einsum("nijcuv,uvco->nijo", windows, w) + b''',
    },
    "conv1x1": {
        "loops-over-pixels": '''def conv1x1(x, w):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.shape[3] != w.shape[0]:
        raise ValueError("channels differ")
    out = np.zeros(x.shape[:3] + (w.shape[1],))
    for n in range(x.shape[0]):
        for i in range(x.shape[1]):
            for j in range(x.shape[2]):
                out[n, i, j] = x[n, i, j] @ w
    return out''',
        "weights-transposed": '''def conv1x1(x, w):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.shape[3] != w.shape[0]:
        raise ValueError("channels differ")
    return x @ w.reshape(w.shape[1], w.shape[0]).T''',
        "channels-summed-first": '''def conv1x1(x, w):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.shape[3] != w.shape[0]:
        raise ValueError("channels differ")
    return x.sum(axis=-1, keepdims=True) * w.sum(axis=0)''',
        "no-channel-check": '''def conv1x1(x, w):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    return np.einsum("nhwc,cd->nhwd", x[..., :w.shape[0]], w)''',
    },
    "to_torch_layout": {
        "dot-T-on-the-weights": '''def to_torch_layout(x, w):
    return np.transpose(x, (0, 3, 1, 2)), w.T''',
        "c-in-and-c-out-swapped": '''def to_torch_layout(x, w):
    return np.transpose(x, (0, 3, 1, 2)), np.transpose(w, (2, 3, 0, 1))''',
        "reshape-not-transpose": '''def to_torch_layout(x, w):
    N, H, W, C = x.shape
    kh, kw, c_in, c_out = w.shape
    return x.reshape(N, C, H, W), w.reshape(c_out, c_in, kh, kw)''',
        "images-height-and-width-swapped": '''def to_torch_layout(x, w):
    return np.transpose(x, (0, 3, 2, 1)), np.transpose(w, (3, 2, 0, 1))''',
        "float32-for-pytorch": '''def to_torch_layout(x, w):
    return (np.transpose(x, (0, 3, 1, 2)).astype(np.float32),
            np.transpose(w, (3, 2, 0, 1)).astype(np.float32))''',
    },
    "port_conv_keras_to_torch": {
        "kh-and-kw-swapped": _port("kernel.transpose(3, 2, 1, 0)"),
        "dot-T": _port("kernel.T"),
        "bias-forgotten": _port("kernel.transpose(3, 2, 0, 1)", bias_line="            pass"),
        "padding-ignored": _port("kernel.transpose(3, 2, 0, 1)", padding="0"),
        "stride-ignored": _port("kernel.transpose(3, 2, 0, 1)", stride="1"),
        "reshape-not-transpose": _port("kernel.reshape(kernel.shape[3], kernel.shape[2], "
                                       "kernel.shape[0], kernel.shape[1])"),
        "strided-same-padded-symmetrically": '''def port_conv_keras_to_torch(keras_layer):
    config, weights = keras_layer.get_config(), keras_layer.get_weights()
    kernel = weights[0]
    kh, kw = kernel.shape[:2]
    padding = (kh // 2, kw // 2) if config["padding"] == "same" else 0
    conv = torch.nn.Conv2d(kernel.shape[2], kernel.shape[3], (kh, kw),
                           stride=tuple(config["strides"]), padding=padding,
                           dilation=tuple(config["dilation_rate"]), bias=config["use_bias"])
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(kernel.transpose(3, 2, 0, 1)))
        if config["use_bias"]:
            conv.bias.copy_(torch.tensor(weights[1]))
    return conv''',
    },
    "conv_params": {
        "bias-forgotten": '''def conv_params(f, c_in, c_out, bias=True):
    return f * f * c_in * c_out''',
        "c-in-omitted": '''def conv_params(f, c_in, c_out, bias=True):
    return f * f * c_out + (c_out if bias else 0)''',
        "bias-flag-ignored": '''def conv_params(f, c_in, c_out, bias=True):
    return f * f * c_in * c_out + c_out''',
    },
    "dense_params": {
        "bias-forgotten": '''def dense_params(n_in, n_out, bias=True):
    return n_in * n_out''',
        "adds-instead-of-multiplying": '''def dense_params(n_in, n_out, bias=True):
    return n_in + n_out''',
        "bias-flag-ignored": '''def dense_params(n_in, n_out, bias=True):
    return n_in * n_out + n_out''',
    },
    "conv_nd_answers": {
        "conv1d-stride-ignored": '''conv_nd_answers = [((96, 16), 496), ((18, 26, 10), 460), ((8, 16, 16, 4), 220)]''',
        "c-in-left-out-of-the-counts": '''conv_nd_answers = [((48, 16), 96), ((18, 26, 10), 160), ((8, 16, 16, 4), 112)]''',
        "conv3d-same-read-as-valid": '''conv_nd_answers = [((48, 16), 496), ((18, 26, 10), 460), ((6, 14, 14, 4), 220)]''',
        "kernel-axes-swapped": '''conv_nd_answers = [((48, 16), 496), ((16, 28, 10), 460), ((8, 16, 16, 4), 220)]''',
        "channels-first": '''conv_nd_answers = [((16, 48), 496), ((10, 18, 26), 460), ((4, 8, 16, 16), 220)]''',
    },
}

RIGHT = {
    "corr2d_multi_in": {
        "scipy-per-channel": _multi('''    return sum(signal.correlate2d(x[:, :, c], k[:, :, c], mode="valid")
               for c in range(x.shape[2]))'''),
        "loop-over-offsets": _multi('''    kh, kw, _ = k.shape
    H, W = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((H, W))
    for a in range(kh):
        for b in range(kw):
            out += x[a:a + H, b:b + W, :] @ k[a, b, :]
    return out'''),
    },
    "conv2d_nhwc": {
        "einsum-windows": '''def conv2d_nhwc(x, w, b=None, stride=1, padding="valid"):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4 or w.shape[2] != x.shape[3]:
        raise ValueError(f"x {x.shape} and w {w.shape}: want (N, H, W, C) and (kh, kw, C, C_out)")
    if b is not None and np.shape(b) != (w.shape[3],):
        raise ValueError("one bias per filter")
    kh, kw = w.shape[:2]
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    if padding == "valid":
        pads = ((0, 0), (0, 0))
    elif padding == "same":
        def tf_pad(n, f, s):
            total = max((-(-n // s) - 1) * s + f - n, 0)
            return (total // 2, total - total // 2)
        pads = (tf_pad(x.shape[1], kh, sh), tf_pad(x.shape[2], kw, sw))
    else:
        pads = ((padding, padding), (padding, padding))
    x = np.pad(x, ((0, 0), *pads, (0, 0)))
    if kh > x.shape[1] or kw > x.shape[2]:
        raise ValueError("the kernel does not fit in the padded input")
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.einsum("nijcuv,uvco->nijo", windows, w)
    return out if b is None else out + np.asarray(b, dtype=np.float64)''',
        "im2col-matrix-product": '''def conv2d_nhwc(x, w, b=None, stride=1, padding="valid"):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4 or w.shape[2] != x.shape[3]:
        raise ValueError("mismatched shapes")
    kh, kw, c_in, c_out = w.shape
    b = np.zeros(c_out) if b is None else np.asarray(b, dtype=np.float64)
    if b.shape != (c_out,):
        raise ValueError("one bias per filter")
    sh, sw = np.broadcast_to(stride, 2)
    if isinstance(padding, str):
        tot = [0, 0] if padding == "valid" else [max((-(-n // s) - 1) * s + f - n, 0)
                                                 for n, f, s in zip(x.shape[1:3], (kh, kw), (sh, sw))]
        x = np.pad(x, [(0, 0), (tot[0] // 2, tot[0] - tot[0] // 2), (tot[1] // 2, tot[1] - tot[1] // 2), (0, 0)])
    else:
        x = np.pad(x, [(0, 0), (padding, padding), (padding, padding), (0, 0)])
    if kh > x.shape[1] or kw > x.shape[2]:
        raise ValueError("kernel too large")
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kh * kw * c_in)
    return (cols @ w.reshape(-1, c_out)).reshape(*win.shape[:3], c_out) + b''',
    },
    "conv1x1": {
        "einsum": '''def conv1x1(x, w):
    if np.shape(x)[-1] != np.shape(w)[0]:
        raise ValueError("w's rows must match x's channels")
    return np.einsum("nhwc,cd->nhwd", np.asarray(x, float), np.asarray(w, float))''',
        "tensordot": '''def conv1x1(x, w):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.shape[-1] != w.shape[0]:
        raise ValueError(f"{x.shape[-1]} channels, w has {w.shape[0]} rows")
    return np.tensordot(x, w, axes=([3], [0]))''',
    },
    "to_torch_layout": {
        "moveaxis": '''def to_torch_layout(x, w):
    return np.moveaxis(x, -1, 1), np.moveaxis(np.moveaxis(w, 3, 0), 3, 1)''',
        "via-torch-permute": '''def to_torch_layout(x, w):
    x_t, w_t = torch.from_numpy(np.asarray(x)), torch.from_numpy(np.asarray(w))
    return x_t.permute(0, 3, 1, 2).numpy(), w_t.permute(3, 2, 0, 1).numpy()''',
    },
    "port_conv_keras_to_torch": {
        "load-state-dict": '''def port_conv_keras_to_torch(keras_layer):
    cfg = keras_layer.get_config()
    if cfg["padding"] == "same" and cfg["strides"] not in ((1, 1), [1, 1]):
        raise ValueError("PyTorch's padding='same' works for stride 1 only")
    kernel, *rest = keras_layer.get_weights()
    conv = torch.nn.Conv2d(kernel.shape[2], kernel.shape[3], kernel.shape[:2],
                           stride=cfg["strides"], padding=cfg["padding"],
                           dilation=cfg["dilation_rate"], bias=bool(rest))
    state = {"weight": torch.from_numpy(np.ascontiguousarray(np.transpose(kernel, (3, 2, 0, 1))))}
    if rest:
        state["bias"] = torch.from_numpy(rest[0])
    conv.load_state_dict(state)
    return conv''',
        "permute-in-torch": '''def port_conv_keras_to_torch(keras_layer):
    cfg = keras_layer.get_config()
    if cfg["padding"] == "same" and max(cfg["strides"]) > 1:
        raise ValueError("no PyTorch padding matches a strided 'same'")
    kernel = torch.tensor(keras_layer.kernel.numpy()).permute(3, 2, 0, 1)
    conv = torch.nn.Conv2d(kernel.shape[1], kernel.shape[0], tuple(kernel.shape[2:]),
                           stride=tuple(cfg["strides"]), dilation=tuple(cfg["dilation_rate"]),
                           padding=cfg["padding"], bias=cfg["use_bias"])
    conv.weight = torch.nn.Parameter(kernel.contiguous())
    if cfg["use_bias"]:
        conv.bias = torch.nn.Parameter(torch.tensor(keras_layer.bias.numpy()))
    return conv''',
    },
    "conv_params": {
        "two-steps": '''def conv_params(f, c_in, c_out, bias=True):
    weights = f ** 2 * c_in * c_out
    return weights + c_out if bias else weights''',
        "numpy": '''def conv_params(f, c_in, c_out, bias=True):
    return int(np.prod([f, f, c_in, c_out])) + int(bias) * c_out''',
    },
    "dense_params": {
        "two-steps": '''def dense_params(n_in, n_out, bias=True):
    return n_in * n_out + (n_out if bias else 0)''',
        "bias-as-extra-input": '''def dense_params(n_in, n_out, bias=True):
    return (n_in + int(bias)) * n_out''',
    },
    "conv_nd_answers": {
        "lists": '''conv_nd_answers = [[[48, 16], 496], [[18, 26, 10], 460], [[8, 16, 16, 4], 220]]''',
        "computed": '''def _valid(n, f, s=1):
    return (n - f) // s + 1

conv_nd_answers = [((_valid(100, 5, 2), 16), 5 * 6 * 16 + 16),
                   ((_valid(20, 3), _valid(30, 5), 10), 3 * 5 * 3 * 10 + 10),
                   ((8, 16, 16, 4), 3 ** 3 * 2 * 4 + 4)]''',
    },
}
