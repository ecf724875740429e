"""Mutant submissions for chapter 01 (receptive fields).

Each string replaces one solution cell of source/01_receptive_fields/01_receptive_fields.ipynb
entirely. The code may use what the setup cell imports (np, torch, tf, keras), the locked
cells' names (seed_layers, torch_model, keras_model) and the other exercises' functions.

- DEPENDS: input_window, whose text tells the student to build on their receptive_field.
- WRONG: {exercise: {name: code}}, mistakes students really make; each must lose at least one
  point on its own exercise's tests and none on another's (tests/test_mutants.py).
- RIGHT: {exercise: {name: code}}, correct solutions written differently; full marks.

Known gap (accepted): receptive_field and input_window are not required to reject unknown
keys (a typo such as {"k": 3, "stride": 2}); the reference does, the tests do not ask for it.
"""

DEPENDS = {"input_window": ["receptive_field"]}

_CHECKED = '''def _layer_values(layers):
    if not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError("layers must be a non-empty list")
    out = []
    for layer in layers:
        if not isinstance(layer, dict) or "k" not in layer:
            raise ValueError(f"bad layer {layer!r}")
        v = (layer["k"], layer.get("s", 1), layer.get("p", 0), layer.get("d", 1))
        if any(isinstance(x, bool) or not isinstance(x, (int, np.integer)) for x in v):
            raise ValueError("integers only")
        if v[0] < 1 or v[1] < 1 or v[3] < 1 or v[2] < 0:
            raise ValueError("out of range")
        out.append(v)
    return out

'''


def _rf(update):
    """A receptive_field whose loop body is ``update`` (names r, j, start, k, s, p, d)."""
    body = "\n".join("        " + line for line in update.strip().splitlines())
    return _CHECKED + f'''def receptive_field(layers):
    r, j, start, out = 1, 1, 0, []
    for k, s, p, d in _layer_values(layers):
{body}
        out.append((r, j, start))
    return out'''


def _window(line):
    return f'''def input_window(layers, i):
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or i < 0:
        raise ValueError("i must be an integer >= 0")
    fields = receptive_field(layers)
    r, j, start = fields[-1]
{line}'''


def _torch_box(make_input, box="(int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max()))"):
    return f'''def gradient_window_torch(model, input_hw, out_rc):
    x = {make_input}
    model(x)[0, 0, out_rc[0], out_rc[1]].backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    return {box}'''


def _tf_box(body, box="(int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max()))"):
    return f'''def gradient_window_tf(model, input_hw, out_rc):
{body}
    rows, cols = np.nonzero(grad)
    return {box}'''


_TF_RIGHT = '''    x = tf.ones((1, *input_hw, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        unit = model(x)[0, out_rc[0], out_rc[1], 0]
    grad = tape.gradient(unit, x).numpy()[0, :, :, 0]'''
_TORCH_INPUT = "torch.ones(1, 1, *input_hw, requires_grad=True)"

WRONG = {
    "fc_param_count": {
        "forgets-biases": '''def fc_param_count(h, w, c, units):
    return h * w * c * units''',
        "adds-instead-of-multiplying": '''def fc_param_count(h, w, c, units):
    return h * w * c + units''',
        "forgets-channels": '''def fc_param_count(h, w, c, units):
    return (h * w + 1) * units''',
        "returns-a-float": '''def fc_param_count(h, w, c, units):
    return float((h * w * c + 1) * units)''',
    },
    "conv_param_count": {
        "forgets-biases": '''def conv_param_count(f, c, filters):
    return f * f * c * filters''',
        "forgets-channels": '''def conv_param_count(f, c, filters):
    return (f * f + 1) * filters''',
        "bias-per-weight": '''def conv_param_count(f, c, filters):
    return 2 * f * f * c * filters''',
        "kernel-as-f-not-f-squared": '''def conv_param_count(f, c, filters):
    return (f * c + 1) * filters''',
    },
    "receptive_field": {
        "jump-updated-before-size": _rf('''
j = j * s
r = r + d * (k - 1) * j
start = start - p * j'''),
        "stride-multiplied-into-size": _rf('''
r = r + d * (k - 1) * j * s
start = start - p * j
j = j * s'''),
        "padding-sign-wrong": _rf('''
r = r + d * (k - 1) * j
start = start + p * j
j = j * s'''),
        "dilation-ignored": _rf('''
r = r + (k - 1) * j
start = start - p * j
j = j * s'''),
        "dilation-times-k": _rf('''
r = r + d * k * j
start = start - p * j
j = j * s'''),
        "reports-before-the-layer": _CHECKED + '''def receptive_field(layers):
    r, j, start, out = 1, 1, 0, []
    for k, s, p, d in _layer_values(layers):
        out.append((r, j, start))
        r, start, j = r + d * (k - 1) * j, start - p * j, j * s
    return out''',
        "no-validation": '''def receptive_field(layers):
    r, j, start, out = 1, 1, 0, []
    for layer in layers:
        k, s, p, d = layer["k"], layer.get("s", 1), layer.get("p", 0), layer.get("d", 1)
        r, start, j = r + d * (k - 1) * j, start - p * j, j * s
        out.append((r, j, start))
    return out''',
        "range-checks-only": '''def receptive_field(layers):
    if not layers:
        raise ValueError("no layers")
    r, j, start, out = 1, 1, 0, []
    for layer in layers:
        k, s, p, d = layer["k"], layer.get("s", 1), layer.get("p", 0), layer.get("d", 1)
        if k < 1 or s < 1 or d < 1 or p < 0:
            raise ValueError(f"bad layer {layer}")
        r, start, j = r + d * (k - 1) * j, start - p * j, j * s
        out.append((r, j, start))
    return out''',
        "padding-scaled-by-new-jump": _rf('''
r = r + d * (k - 1) * j
j = j * s
start = start - p * j'''),
    },
    "input_window": {
        "last-index-exclusive": _window("    return (start + i * j, start + i * j + r)"),
        "forgets-start": _window("    return (i * j, i * j + r - 1)"),
        "steps-by-r-not-j": _window("    return (start + i * r, start + i * r + r - 1)"),
        "jump-of-the-layer-below": _window(
            "    j = fields[-2][1] if len(fields) > 1 else 1\n"
            "    return (start + i * j, start + i * j + r - 1)"),
        "first-layer-only": '''def input_window(layers, i):
    if i < 0:
        raise ValueError("negative unit")
    r, j, start = receptive_field(layers[:1])[-1]
    return (start + i * j, start + i * j + r - 1)''',
        "no-check-of-i": '''def input_window(layers, i):
    r, j, start = receptive_field(layers)[-1]
    return (start + i * j, start + i * j + r - 1)''',
        "centred-window": _window(
            "    centre = start + i * j + (r - 1) // 2\n"
            "    return (centre - r // 2, centre + r // 2)"),
    },
    "gradient_window_torch": {
        "float64-input": _torch_box("torch.ones(1, 1, *input_hw, dtype=torch.float64, requires_grad=True)"),
        "rows-and-columns-swapped": _torch_box(
            _TORCH_INPUT, "(int(cols.min()), int(cols.max()), int(rows.min()), int(rows.max()))"),
        "exclusive-end": _torch_box(
            _TORCH_INPUT, "(int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1)"),
        "corner-order": _torch_box(
            _TORCH_INPUT, "(int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max()))"),
        "gradient-of-the-whole-output": '''def gradient_window_torch(model, input_hw, out_rc):
    x = torch.ones(1, 1, *input_hw, requires_grad=True)
    model(x).sum().backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    return (int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max()))''',
    },
    "gradient_window_tf": {
        "pytorch-layout-input": _tf_box('''    x = tf.ones((1, 1, *input_hw))
    with tf.GradientTape() as tape:
        tape.watch(x)
        unit = model(x)[0, 0, out_rc[0], out_rc[1]]
    grad = tape.gradient(unit, x).numpy()[0, 0]'''),
        "constant-not-watched": _tf_box('''    x = tf.ones((1, *input_hw, 1))
    with tf.GradientTape() as tape:
        unit = model(x)[0, out_rc[0], out_rc[1], 0]
    grad = tape.gradient(unit, x).numpy()[0, :, :, 0]'''),
        "rows-and-columns-swapped": _tf_box(
            _TF_RIGHT, "(int(cols.min()), int(cols.max()), int(rows.min()), int(rows.max()))"),
        "exclusive-end": _tf_box(
            _TF_RIGHT, "(int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1)"),
        "corner-order": _tf_box(
            _TF_RIGHT, "(int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max()))"),
    },
    "convs_to_cover": {
        "r-must-reach-27": '''convs_to_cover = (13, 6)''',
        "pooling-ignored": '''convs_to_cover = (14, 14)''',
        "one-pixel-per-layer": '''convs_to_cover = (27, 6)''',
        "jump-not-doubled-again": '''convs_to_cover = (14, 7)''',
        "counts-the-pools-too": '''convs_to_cover = (14, 8)''',
    },
}

RIGHT = {
    "fc_param_count": {
        "weights-plus-biases": '''def fc_param_count(h, w, c, units):
    inputs = h * w * c
    return inputs * units + units''',
        "numpy-prod": '''def fc_param_count(h, w, c, units):
    return int(np.prod([h, w, c]) * units + units)''',
    },
    "conv_param_count": {
        "weights-plus-biases": '''def conv_param_count(f, c, filters):
    return f ** 2 * c * filters + filters''',
        "numpy-int": '''def conv_param_count(f, c, filters):
    return np.int64((f * f * c + 1) * filters)''',
    },
    "receptive_field": {
        "accumulate-lists": _CHECKED + '''def receptive_field(layers):
    values = _layer_values(layers)
    rs, js, starts = [1], [1], [0]
    for k, s, p, d in values:
        rs.append(rs[-1] + d * (k - 1) * js[-1])
        starts.append(starts[-1] - p * js[-1])
        js.append(js[-1] * s)
    return list(zip(rs[1:], js[1:], starts[1:]))''',
        "span-first": _CHECKED + '''def receptive_field(layers):
    r, j, start, out = 1, 1, 0, []
    for k, s, p, d in _layer_values(layers):
        span = d * (k - 1) + 1
        r += (span - 1) * j
        start -= p * j
        j *= s
        out.append([r, j, start])
    return out''',
    },
    "input_window": {
        "tuple-unpacking": '''def input_window(layers, i):
    if type(i) is bool or not isinstance(i, (int, np.integer)) or i < 0:
        raise ValueError(f"unit index must be a non-negative integer, got {i!r}")
    *_, (r, j, start) = receptive_field(layers)
    return start + i * j, start + i * j + r - 1''',
        "as-list": '''def input_window(layers, i):
    if not isinstance(i, (int, np.integer)) or isinstance(i, bool) or i < 0:
        raise ValueError("i must be >= 0")
    r, j, start = receptive_field(layers)[-1]
    first = start + j * i
    return [int(first), int(first + r - 1)]''',
    },
    "gradient_window_torch": {
        "torch-nonzero": '''def gradient_window_torch(model, input_hw, out_rc):
    x = torch.randn(1, 1, input_hw[0], input_hw[1]).requires_grad_()
    out = model(x)
    grad, = torch.autograd.grad(out[0, 0, out_rc[0], out_rc[1]], x)
    where = torch.nonzero(grad[0, 0])
    return (int(where[:, 0].min()), int(where[:, 0].max()),
            int(where[:, 1].min()), int(where[:, 1].max()))''',
        "any-along-axes": '''def gradient_window_torch(model, input_hw, out_rc):
    x = torch.zeros(1, 1, *input_hw, requires_grad=True)
    model(x)[0, 0][out_rc].backward()
    g = x.grad[0, 0].numpy() != 0
    rows, cols = np.flatnonzero(g.any(axis=1)), np.flatnonzero(g.any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]''',
    },
    "gradient_window_tf": {
        "variable": '''def gradient_window_tf(model, input_hw, out_rc):
    x = tf.Variable(tf.random.normal((1, input_hw[0], input_hw[1], 1)))
    with tf.GradientTape() as tape:
        unit = model(x)[0, out_rc[0], out_rc[1], 0]
    g = tape.gradient(unit, x).numpy()[0, :, :, 0] != 0
    rows, cols = np.where(g)
    return (rows.min(), rows.max(), cols.min(), cols.max())''',
        "numpy-input-watched": '''def gradient_window_tf(model, input_hw, out_rc):
    x = tf.constant(np.ones((1, *input_hw, 1), dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        unit = model(x)[0, out_rc[0], out_rc[1], 0]
    g = np.abs(tape.gradient(unit, x).numpy()[0, ..., 0]) > 0
    rows = np.flatnonzero(g.any(axis=1))
    cols = np.flatnonzero(g.any(axis=0))
    return (int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1]))''',
    },
    "convs_to_cover": {
        "list": '''convs_to_cover = [14, 6]''',
        "computed": '''def _needed(pool_every):
    r, j, convs = 1, 1, 0
    while r < 28:
        convs += 1
        r += 2 * j
        if pool_every and convs % pool_every == 0 and r < 28:
            r, j = r + j, 2 * j
    return convs

convs_to_cover = (_needed(0), _needed(2))''',
    },
}
