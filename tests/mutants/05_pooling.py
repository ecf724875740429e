"""Mutant submissions for chapter 05 (pooling).

Each string replaces one solution cell of source/05_pooling/05_pooling.ipynb entirely. The code
may use what the setup cell imports (np, torch, F, tf, keras, checks), the locked cells' names
and the other exercises' functions.

- DEPENDS: min_pool2d, whose text tells the student to build it on their pool2d.
- WRONG: {exercise: {name: code}}, mistakes students really make; each must lose at least one
  point on its own exercise's tests and none on another's (tests/test_mutants.py).
- RIGHT: {exercise: {name: code}}, correct solutions written differently; full marks.
"""

DEPENDS = {"min_pool2d": ["pool2d"]}


def _pool(stride_line="(sh, sw) = (ph, pw) if stride is None else (stride, stride) if np.ndim(stride) == 0 else stride",
          pads_line="pads = [(t // 2, t - t // 2) for t in totals]",
          fill="-np.inf if mode == \"max\" else np.nan",
          reduce="windows.max(axis=(-2, -1)) if mode == \"max\" else np.nanmean(windows, axis=(-2, -1))",
          window="(ph, pw)"):
    return f'''def pool2d(x, size, stride=None, padding="valid", mode="max"):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4 or mode not in ("max", "avg") or padding not in ("valid", "same"):
        raise ValueError("bad input")
    (ph, pw) = (size, size) if np.ndim(size) == 0 else size
    {stride_line}
    pads = [(0, 0), (0, 0)]
    if padding == "same":
        totals = [max((-(-n // s) - 1) * s + f - n, 0)
                  for n, f, s in [(x.shape[1], ph, sh), (x.shape[2], pw, sw)]]
        {pads_line}
    elif ph > x.shape[1] or pw > x.shape[2]:
        raise ValueError("window does not fit")
    x = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values={fill})
    windows = np.lib.stride_tricks.sliding_window_view(x, {window}, axis=(1, 2))[:, ::sh, ::sw]
    return {reduce}'''


def _torch(fill="-np.inf if mode == \"max\" else 0.0 if count_include_pad else np.nan",
           check="2 * ph > kh or 2 * pw > kw",
           reduce="windows.max(axis=(-2, -1)) if mode == \"max\" else np.nanmean(windows, axis=(-2, -1))",
           pad="[(0, 0), (ph, ph), (pw, pw), (0, 0)]"):
    return f'''def pool2d_torch_semantics(x, size, stride=None, padding=0, mode="max", count_include_pad=True):
    x = np.asarray(x, dtype=np.float64)
    (kh, kw) = (size, size) if np.ndim(size) == 0 else size
    (sh, sw) = (kh, kw) if stride is None else (stride, stride) if np.ndim(stride) == 0 else stride
    (ph, pw) = (padding, padding) if np.ndim(padding) == 0 else padding
    if mode not in ("max", "avg") or {check}:
        raise ValueError("bad mode or padding")
    fill = {fill}
    x = np.pad(x, {pad}, constant_values=fill)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    return {reduce}'''


WRONG = {
    "pool2d": {
        "stride-defaults-to-1": _pool(stride_line="(sh, sw) = (1, 1) if stride is None else "
                                      "(stride, stride) if np.ndim(stride) == 0 else stride"),
        "same-padded-with-zeros": _pool(fill="0.0"),
        "average-counts-padded-cells": _pool(fill="-np.inf if mode == \"max\" else 0.0",
                                             reduce="windows.max(axis=(-2, -1)) if mode == \"max\" "
                                                    "else windows.mean(axis=(-2, -1))"),
        "odd-padding-at-top-left": _pool(pads_line="pads = [(t - t // 2, t // 2) for t in totals]"),
        "pools-over-channels-too": _pool(reduce="windows.max(axis=(-3, -2, -1)) if mode == \"max\" "
                                                "else np.nanmean(windows, axis=(-3, -2, -1))"),
        "window-rows-and-columns-swapped": _pool(window="(pw, ph)"),
        "symmetric-same-padding": _pool(pads_line="pads = [((t + 1) // 2, (t + 1) // 2) for t in totals]"),
        "loops-over-pixels": '''def pool2d(x, size, stride=None, padding="valid", mode="max"):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4 or mode not in ("max", "avg") or padding not in ("valid", "same"):
        raise ValueError("bad input")
    (ph, pw) = (size, size) if np.ndim(size) == 0 else size
    (sh, sw) = (ph, pw) if stride is None else (stride, stride) if np.ndim(stride) == 0 else stride
    pads = [(0, 0), (0, 0)]
    if padding == "same":
        totals = [max((-(-n // s) - 1) * s + f - n, 0)
                  for n, f, s in [(x.shape[1], ph, sh), (x.shape[2], pw, sw)]]
        pads = [(t // 2, t - t // 2) for t in totals]
    elif ph > x.shape[1] or pw > x.shape[2]:
        raise ValueError("window does not fit")
    x = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=np.nan)
    out_h, out_w = (x.shape[1] - ph) // sh + 1, (x.shape[2] - pw) // sw + 1
    out = np.zeros((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * sh:i * sh + ph, j * sw:j * sw + pw]
            out[:, i, j] = np.nanmax(window, axis=(1, 2)) if mode == "max" else np.nanmean(window, axis=(1, 2))
    return out''',
        "sums-in-the-input-dtype": '''def pool2d(x, size, stride=None, padding="valid", mode="max"):
    x = np.asarray(x)
    if x.ndim != 4 or mode not in ("max", "avg") or padding not in ("valid", "same"):
        raise ValueError("bad input")
    (ph, pw) = (size, size) if np.ndim(size) == 0 else size
    (sh, sw) = (ph, pw) if stride is None else (stride, stride) if np.ndim(stride) == 0 else stride
    if ph > x.shape[1] or pw > x.shape[2]:
        raise ValueError("window does not fit")
    windows = np.lib.stride_tricks.sliding_window_view(x, (ph, pw), axis=(1, 2))[:, ::sh, ::sw]
    if mode == "max":
        return windows.max(axis=(-2, -1)).astype(np.float64)
    return windows.sum(axis=(-2, -1), dtype=x.dtype) / (ph * pw)''',
        "no-check-of-the-mode": _pool(reduce="windows.max(axis=(-2, -1)) if mode == \"max\" else "
                                              "np.nanmean(windows, axis=(-2, -1))").replace(
            ' or mode not in ("max", "avg")', ""),
    },
    "min_pool2d": {
        "negates-in-uint8": '''def min_pool2d(x, size, stride=None):
    return -pool2d(-np.asarray(x), size, stride)''',
        "forgets-the-outer-minus": '''def min_pool2d(x, size, stride=None):
    return pool2d(-np.asarray(x, dtype=np.float64), size, stride)''',
        "returns-the-max": '''def min_pool2d(x, size, stride=None):
    return pool2d(x, size, stride)''',
        "own-loop": '''def min_pool2d(x, size, stride=None):
    x = np.asarray(x, dtype=np.float64)
    ph, pw = (size, size) if np.ndim(size) == 0 else size
    sh, sw = (ph, pw) if stride is None else (stride, stride) if np.ndim(stride) == 0 else stride
    out_h, out_w = (x.shape[1] - ph) // sh + 1, (x.shape[2] - pw) // sw + 1
    out = np.zeros((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            out[:, i, j] = x[:, i * sh:i * sh + ph, j * sw:j * sw + pw].min(axis=(1, 2))
    return out''',
    },
    "global_avg_pool": {
        "averages-the-channels": '''def global_avg_pool(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError("want (N, H, W, C)")
    return x.mean(axis=3)''',
        "averages-the-batch-too": '''def global_avg_pool(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError("want (N, H, W, C)")
    return x.mean(axis=(0, 1, 2))''',
        "global-max": '''def global_avg_pool(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError("want (N, H, W, C)")
    return x.max(axis=(1, 2))''',
        "no-check": '''def global_avg_pool(x):
    return np.asarray(x, dtype=np.float64).mean(axis=(-3, -2))''',
    },
    "pool2d_torch_semantics": {
        "zero-padding-for-max": _torch(fill="0.0 if mode == \"max\" or count_include_pad else np.nan"),
        "count-include-pad-ignored": _torch(fill="-np.inf if mode == \"max\" else 0.0"),
        "never-counts-padding": _torch(fill="-np.inf if mode == \"max\" else np.nan"),
        "tensorflow-same-padding": _torch(pad="[(0, 0), (0, 2 * ph), (0, 2 * pw), (0, 0)]"),
        "no-padding-limit": _torch(check="False"),
        "padding-one-side-only": _torch(pad="[(0, 0), (ph, 0), (pw, 0), (0, 0)]"),
        "stride-defaults-to-1": _torch().replace(
            "(sh, sw) = (kh, kw) if stride is None", "(sh, sw) = (1, 1) if stride is None"),
    },
    "pool_stack_shapes": {
        "stride-defaults-to-1": '''pool_stack_shapes = [(28, 20), (27, 19), (14, 10), (14, 10), (5, 3)]''',
        "same-rounds-down": '''pool_stack_shapes = [(28, 20), (14, 10), (7, 5), (3, 5), (1, 2)]''',
        "pool-size-axes-swapped": '''pool_stack_shapes = [(28, 20), (14, 10), (7, 5), (7, 3), (2, 1)]''',
        "valid-rounds-up": '''pool_stack_shapes = [(28, 20), (14, 10), (7, 5), (4, 5), (2, 2)]''',
        "with-channels": '''pool_stack_shapes = [(28, 20, 8), (14, 10, 8), (7, 5, 8), (4, 5, 8), (1, 2, 8)]''',
    },
}

RIGHT = {
    "pool2d": {
        "reshape-based-nan-reduce": '''def pool2d(x, size, stride=None, padding="valid", mode="max"):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(f"x must be (N, H, W, C), got {x.shape}")
    if mode not in ("max", "avg"):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    ph, pw = np.broadcast_to(size, 2)
    sh, sw = (ph, pw) if stride is None else np.broadcast_to(stride, 2)
    if padding == "valid":
        if ph > x.shape[1] or pw > x.shape[2]:
            raise ValueError("the window is larger than the input")
        top = bottom = left = right = 0
    else:
        th = max((-(-x.shape[1] // sh) - 1) * sh + ph - x.shape[1], 0)
        tw = max((-(-x.shape[2] // sw) - 1) * sw + pw - x.shape[2], 0)
        top, bottom, left, right = th // 2, th - th // 2, tw // 2, tw - tw // 2
    x = np.pad(x, [(0, 0), (top, bottom), (left, right), (0, 0)], constant_values=np.nan)
    win = np.lib.stride_tricks.sliding_window_view(x, (ph, pw), axis=(1, 2))[:, ::sh, ::sw]
    return np.nanmax(win, axis=(4, 5)) if mode == "max" else np.nanmean(win, axis=(4, 5))''',
        "loop-over-window-offsets": '''def pool2d(x, size, stride=None, padding="valid", mode="max"):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4 or mode not in ("max", "avg") or padding not in ("valid", "same"):
        raise ValueError("want (N, H, W, C), mode max/avg, padding valid/same")
    ph, pw = (size, size) if isinstance(size, int) else size
    sh, sw = (ph, pw) if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    n, h, w, c = x.shape
    if padding == "same":
        oh, ow = -(-h // sh), -(-w // sw)
        th, tw = max((oh - 1) * sh + ph - h, 0), max((ow - 1) * sw + pw - w, 0)
        pads = ((th // 2, th - th // 2), (tw // 2, tw - tw // 2))
    else:
        if ph > h or pw > w:
            raise ValueError("window larger than the input")
        oh, ow, pads = (h - ph) // sh + 1, (w - pw) // sw + 1, ((0, 0), (0, 0))
    real = np.pad(np.ones((h, w)), pads)
    x = np.pad(x, ((0, 0), *pads, (0, 0)), constant_values=-np.inf if mode == "max" else 0.0)
    total = np.full((n, oh, ow, c), -np.inf) if mode == "max" else np.zeros((n, oh, ow, c))
    count = np.zeros((oh, ow, 1))
    for u in range(ph):
        for v in range(pw):
            part = x[:, u:u + sh * (oh - 1) + 1:sh, v:v + sw * (ow - 1) + 1:sw]
            total = np.maximum(total, part) if mode == "max" else total + part
            count += real[u:u + sh * (oh - 1) + 1:sh, v:v + sw * (ow - 1) + 1:sw, None]
    return total if mode == "max" else total / count''',
    },
    "min_pool2d": {
        "float-first": '''def min_pool2d(x, size, stride=None):
    x = np.asarray(x).astype(np.float64)
    return -pool2d(-x, size, stride=stride, padding="valid", mode="max")''',
        "negative-one-times": '''def min_pool2d(x, size, stride=None):
    return -1.0 * pool2d(-1.0 * np.asarray(x), size, stride)''',
    },
    "global_avg_pool": {
        "sum-and-divide": '''def global_avg_pool(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError("global_avg_pool wants (N, H, W, C)")
    return x.sum(axis=(1, 2)) / (x.shape[1] * x.shape[2])''',
        "reshape": '''def global_avg_pool(x):
    x = np.asarray(x, dtype=np.float64)
    if len(x.shape) != 4:
        raise ValueError("need 4-D")
    return x.reshape(x.shape[0], -1, x.shape[3]).mean(axis=1)''',
    },
    "pool2d_torch_semantics": {
        "via-pytorch": '''def pool2d_torch_semantics(x, size, stride=None, padding=0, mode="max", count_include_pad=True):
    if mode not in ("max", "avg"):
        raise ValueError(f"unknown mode {mode!r}")
    k = torch.nn.modules.utils._pair(size)
    p = torch.nn.modules.utils._pair(padding)
    if 2 * p[0] > k[0] or 2 * p[1] > k[1]:
        raise ValueError("padding must be at most half the window")
    xt = torch.tensor(np.asarray(x, dtype=np.float64)).permute(0, 3, 1, 2)
    if mode == "max":
        out = F.max_pool2d(xt, k, stride, p)
    else:
        out = F.avg_pool2d(xt, k, stride, p, count_include_pad=count_include_pad)
    return out.permute(0, 2, 3, 1).numpy()''',
        "divide-by-counts": '''def pool2d_torch_semantics(x, size, stride=None, padding=0, mode="max", count_include_pad=True):
    x = np.asarray(x, dtype=np.float64)
    kh, kw = np.broadcast_to(size, 2)
    sh, sw = (kh, kw) if stride is None else np.broadcast_to(stride, 2)
    ph, pw = np.broadcast_to(padding, 2)
    if mode not in ("max", "avg") or ph > kh // 2 or pw > kw // 2:
        raise ValueError("bad mode, or padding above half the window")
    view = np.lib.stride_tricks.sliding_window_view
    if mode == "max":
        xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)), constant_values=-np.inf)
        return view(xp, (kh, kw), axis=(1, 2))[:, ::sh, ::sw].max(axis=(-2, -1))
    sums = view(np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0))), (kh, kw), axis=(1, 2))[:, ::sh, ::sw].sum(axis=(-2, -1))
    real = view(np.pad(np.ones(x.shape[1:3]), ((ph, ph), (pw, pw))), (kh, kw))[::sh, ::sw].sum(axis=(-2, -1))
    return sums / (kh * kw if count_include_pad else real[None, :, :, None])''',
    },
    "pool_stack_shapes": {
        "lists": '''pool_stack_shapes = [[28, 20], [14, 10], [7, 5], [4, 5], [1, 2]]''',
        "computed": '''def _same(n, s):
    return -(-n // s)

def _valid(n, f, s):
    return (n - f) // s + 1

h, w = 28, 20
pool_stack_shapes = [(h, w)]
h, w = _valid(h, 2, 2), _valid(w, 2, 2); pool_stack_shapes.append((h, w))
h, w = _same(h, 2), _same(w, 2); pool_stack_shapes.append((h, w))
h, w = _same(h, 2), _same(w, 1); pool_stack_shapes.append((h, w))
h, w = _valid(h, 2, 3), _valid(w, 2, 3); pool_stack_shapes.append((h, w))''',
    },
}
