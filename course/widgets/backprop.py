"""Follow the gradient back through a convolution and a max pooling (chapter 06).

Backpropagation through a convolution is the chain rule on a set of
connections that share their weights.  The layer is a cross-correlation (as
every framework computes it: valid, stride 1, no kernel flip) plus a bias::

    z[i, j] = Σ_a Σ_b x[i+a, j+b]·w[a, b] + b

and, given the upstream gradient g = ∂L/∂z (the shape of z)::

    ∂L/∂w[a, b] = Σ_i Σ_j g[i, j]·x[i+a, j+b]      cross-correlation of x with g
    ∂L/∂x[p, q] = Σ g[i, j]·w[p-i, q-j]            full convolution of g with w
                  (over the (i, j) with 0 ≤ p-i < kh and 0 ≤ q-j < kw)
    ∂L/∂b       = Σ_i Σ_j g[i, j]

``explore_backprop(x, w, g)`` shows this in three views (toggle buttons):

``"output cell"``
    pick an output cell (i, j): its window of x, the kernel and z[i, j] with
    the sum of products written out; then what g[i, j] sends back along the
    same connections: g[i, j]·w onto the window (its part of dx) and
    g[i, j]·window (its part of dw).
``"input cell"``
    pick an input cell (p, q): every output cell whose window contains it,
    the weight w[p-i, q-j] each one multiplies it with (one colour per output
    cell), and ∂L/∂x[p, q] = Σ g[i, j]·w[p-i, q-j] with the numbers.
``"max pool"``
    a 4×4 input with 2×2 max pooling, stride 2 or 1: pick an output cell;
    its window, the cell holding the maximum (the only one that reaches the
    output, so the only one that gets g[i, j] back) and the whole dx (zeros
    elsewhere; with stride 1 the windows overlap and a cell that is the
    maximum of several windows receives the sum of their gradients).  The
    upstream gradient of the pooling is 1, 2, 3, … in reading order, so
    every number in dx tells which windows it came from.

The full dx, dw and db are written under the picture with a one-line
formula each.  Everything is computed here, in float64, with small loops
(the arrays are tiny); whole numbers are written as integers.

``static_backprop_figure(x, w, g, cell, view)`` draws the same picture, with
the text written underneath, as a plain matplotlib Figure; it is the static
fallback when no widget front-end runs.
"""

import textwrap
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Rectangle

from ._display import ExplorerBox, blit_png, html_pre, new_figure
from ._inputs import is_int as _is_int, real_matrix

VIEWS = ("output cell", "input cell", "max pool")
WHERE = {"output cell": "the output z", "input cell": "the input x",
         "max pool": "the pooled output y"}  # where each view's cell lies

# small integers whose products are easy to follow (a 3×3 input, a 2×2 kernel)
DEFAULT_X = ((1, 2, 0), (0, 1, 3), (2, 1, 1))
DEFAULT_W = ((1, -1), (2, 0))
DEFAULT_G = ((1, 2), (-1, 1))
# 0 ... 15, each once: 15 is the maximum of four stride-1 windows, 12 of two
DEFAULT_POOL_X = ((3, 1, 7, 2), (5, 15, 0, 10), (6, 4, 12, 9), (14, 8, 11, 13))

MAX_TERMS = 25  # write out at most this many terms of a sum
MAX_NAMED = 9  # name the factors (x[0, 1]·w[0, 0] + ...) of at most this many terms
MAX_MATRIX = 36  # write arrays of at most this many numbers in the text

SIGNED_CMAP = "PuOr_r"  # purple < 0 < orange, white at 0 (as in chapter 04's explorer)
PALE = 0.55  # the largest |value| of a panel reaches this far towards the colour's end
BLANK_COLOR = "0.88"  # cells that take no part (NaN)
QUIET_COLOR = "0.6"  # the text of cells that get nothing (zeros outside the window)
RED = "#d62728"  # the selected cell and what it touches
WINNER = "#1f77b4"  # the maximum of a pooling window (blue: the cells are orange)
# one colour per output cell in the "input cell" view (no red, no orange)
PALETTE = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
           "#bcbd22")

# figure layout, in inches
MAX_CELL = 0.5  # the largest cell
PANEL = 2.0  # the tallest array
PANEL_WIDTH = 2.2  # the widest array (fits a column: SLOT - SLOT_PAD)
SLOT = 2.55  # the narrowest column (room for a two-line title)
SLOT_PAD = 0.35  # a column is at least this much wider than its widest array
TITLE = 0.5  # a panel's two-line title
ROW_GAP = 0.2
HEADER = 0.5  # the suptitle
MARGIN = 0.2
MIN_WIDTH = 10.5
LINE = 0.16  # one line of text under the static figure
CHAR = 0.075  # width of one monospace character at 9 pt
ANNOTATE_CELL = 0.22  # write the values in cells at least this large
GRID_MAX = 16  # draw lines between cells up to 16 cells per axis
MAX_WINDOWS = 9  # outline each window over an input cell up to this many, else their union


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------


def _as_matrix(a, name):
    """Return ``a`` as a non-empty 2-D float64 array of finite numbers, or raise ValueError."""
    return real_matrix(a, name, finite=True)


def _default_g(shape):
    """The default upstream gradient: DEFAULT_G for a 2×2 output, else small integers
    -1 ... 3 in a fixed pattern."""
    if shape == (2, 2):
        return np.array(DEFAULT_G, dtype=np.float64)
    return ((np.arange(shape[0] * shape[1]) * 3) % 5 - 1).reshape(shape).astype(np.float64)


def _check_conv(x, w, g, b):
    """Validate the convolution's input, kernel, upstream gradient and bias."""
    x = _as_matrix(DEFAULT_X if x is None else x, "x (the input)")
    w = _as_matrix(DEFAULT_W if w is None else w, "w (the kernel)")
    (height, width), (kh, kw) = x.shape, w.shape
    if kh > height or kw > width:
        raise ValueError(f"the kernel w must fit inside x (valid mode, no padding): w is "
                         f"{kh}×{kw} but x is only {height}×{width}")
    out = (height - kh + 1, width - kw + 1)
    g = _default_g(out) if g is None else _as_matrix(g, "g (the upstream gradient ∂L/∂z)")
    if g.shape != out:
        raise ValueError(f"g (the upstream gradient ∂L/∂z) must have the shape of the output "
                         f"z, (H - kh + 1, W - kw + 1) = ({height} - {kh} + 1, {width} - "
                         f"{kw} + 1) = {out}, got shape {g.shape}")
    b_array = np.asarray(b)
    if (b_array.ndim != 0 or b_array.dtype == bool
            or not np.issubdtype(b_array.dtype, np.number)
            or np.issubdtype(b_array.dtype, np.complexfloating)
            or not np.isfinite(b_array)):
        raise ValueError(f"b (the bias) must be one finite real number, got {b!r}")
    return x, w, g, float(b_array)


def _check_view(view):
    """Return ``view`` if it is one of VIEWS, else raise ValueError."""
    if not isinstance(view, str) or view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(repr(v) for v in VIEWS)}, "
                         f"got {view!r}")
    return view


def _stride_options(size, stride):
    """The strides the widget offers: 1 ... size (overlapping to tiling), and ``stride``."""
    return tuple(sorted(set(range(1, size + 1)) | {stride}))


def _check_pool(pool_x, pool_size, pool_stride, every_stride=False):
    """Validate the pooling input, window size and stride; return them.

    The maximum of every window must be unique: for ``pool_stride`` only, or
    with ``every_stride`` for every stride the widget offers.
    """
    x = _as_matrix(DEFAULT_POOL_X if pool_x is None else pool_x, "pool_x (the pooling input)")
    for value, name in ((pool_size, "pool_size"), (pool_stride, "pool_stride")):
        if not _is_int(value) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    size, stride = int(pool_size), int(pool_stride)
    if size > min(x.shape):
        raise ValueError(f"the {size}×{size} pooling window must fit inside pool_x, but "
                         f"pool_x is only {x.shape[0]}×{x.shape[1]}")
    for s in _stride_options(size, stride) if every_stride else (stride,):
        _check_ties(x, size, s)
    return x, size, stride


def _check_ties(x, size, stride):
    """Raise ValueError if some pooling window's maximum appears more than once."""
    height, width = (_pool_size(n, size, stride) for n in x.shape)
    for i, j in np.ndindex(height, width):
        top, left = i * stride, j * stride
        window = x[top:top + size, left:left + size]
        rows, cols = np.nonzero(window == window.max())
        if len(rows) > 1:
            places = ", ".join(f"({top + r}, {left + c})" for r, c in zip(rows, cols))
            raise ValueError(
                f"pool_x has a tie in the window at rows {top}–{top + size - 1}, cols "
                f"{left}–{left + size - 1} (stride {stride}): its maximum {_fmt(window.max())} "
                f"is at {places}, so the gradient would be ambiguous (which cell gets "
                f"g[{i}, {j}]?). Use distinct values.")


def _check_cell(cell, shape, where):
    """Return ``cell`` as a (row, col) pair of ints inside ``shape``, or raise ValueError."""
    if (not isinstance(cell, (tuple, list)) or len(cell) != 2
            or not all(_is_int(v) for v in cell)):
        raise ValueError(f"cell must be a (row, col) pair of integers, got {cell!r}")
    height, width = shape
    if not (0 <= cell[0] < height and 0 <= cell[1] < width):
        raise ValueError(f"cell must lie in {where} ({height}×{width}): row 0…{height - 1}, "
                         f"col 0…{width - 1}, got {tuple(cell)!r}")
    return int(cell[0]), int(cell[1])


# --------------------------------------------------------------------------
# arithmetic (private: the graded exercises live elsewhere)
# --------------------------------------------------------------------------


class _Conv:
    """The layer z = corr(x, w) + b and its gradients for the upstream gradient g.

    dx and dw are gathered here, one entry at a time, with the formulas of the
    module docstring; the per-output-cell contributions (``contributions``)
    scatter instead, so that the two ways can check each other.
    """

    def __init__(self, x, w, g, b):
        self.x, self.w, self.g, self.b = x, w, g, b
        kh, kw = w.shape
        self.z = np.zeros(g.shape)
        for i, j in np.ndindex(*g.shape):
            self.z[i, j] = np.sum(x[i:i + kh, j:j + kw] * w) + b
        self.dw = np.zeros(w.shape)
        for a, c in np.ndindex(kh, kw):  # cross-correlation of x with g
            self.dw[a, c] = np.sum(g * x[a:a + g.shape[0], c:c + g.shape[1]])
        self.dx = np.zeros(x.shape)
        for p, q in np.ndindex(*x.shape):  # full convolution of g with w
            self.dx[p, q] = sum(g[i, j] * w[p - i, q - j] for i, j in self.users((p, q)))
        self.db = float(np.sum(g))

    def window(self, cell):
        """The patch of x that output ``cell`` reads."""
        (i, j), (kh, kw) = cell, self.w.shape
        return self.x[i:i + kh, j:j + kw]

    def users(self, cell):
        """The output cells (i, j) whose window contains input ``cell`` (p, q), row-major."""
        (p, q), (kh, kw), (oh, ow) = cell, self.w.shape, self.g.shape
        return [(i, j) for i in range(max(0, p - kh + 1), min(p, oh - 1) + 1)
                for j in range(max(0, q - kw + 1), min(q, ow - 1) + 1)]

    def contributions(self, cell):
        """(part of dx, part of dw) that output ``cell``'s gradient sends back."""
        (i, j), (kh, kw) = cell, self.w.shape
        part_dx = np.zeros(self.x.shape)
        part_dx[i:i + kh, j:j + kw] = self.g[i, j] * self.w
        return part_dx, self.g[i, j] * self.window(cell)


def _pool_size(n, size, stride):
    """Cells of the pooled output along one axis: floor((n - size) / stride) + 1."""
    return (n - size) // stride + 1


class _Pool:
    """Max pooling of ``x`` (size × size windows, ``stride``) and its gradient.

    The upstream gradient g is 1, 2, 3, … in reading order.  dx is built by
    adding each g[i, j] at its window's maximum.
    """

    def __init__(self, x, size, stride):
        self.x, self.size, self.stride = x, size, stride
        shape = tuple(_pool_size(n, size, stride) for n in x.shape)
        self.g = np.arange(1, shape[0] * shape[1] + 1, dtype=np.float64).reshape(shape)
        self.y = np.zeros(shape)
        self.argmax = {}  # output cell -> input cell of its window's maximum
        self.dx = np.zeros(x.shape)
        for i, j in np.ndindex(*shape):
            top, left = i * stride, j * stride
            window = x[top:top + size, left:left + size]
            r, c = divmod(int(np.argmax(window)), size)
            self.y[i, j] = window[r, c]
            self.argmax[i, j] = (top + r, left + c)
            self.dx[top + r, left + c] += self.g[i, j]

    def wins(self):
        """Input cell -> the output cells whose window's maximum it is (row-major)."""
        wins = {}
        for cell, winner in self.argmax.items():
            wins.setdefault(winner, []).append(cell)
        return wins

    def contribution(self, cell):
        """dx from output ``cell`` alone: g[i, j] at its window's maximum, 0 elsewhere."""
        part = np.zeros(self.x.shape)
        part[self.argmax[cell]] = self.g[cell]
        return part


# --------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------


def _fmt(value):
    """Short, exact-looking text for a number: 7 not 7.0, 0.3333, -1.5."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    if 1e-3 <= abs(value) < 1e6:
        return np.format_float_positional(value, precision=4, trim="-")
    return f"{value:.4g}"


def _cell_text(value):
    """Shorter text for a number written inside a cell: 2 decimals at most."""
    value = float(value)
    if value.is_integer() or abs(value) >= 1e6:
        return _fmt(value)
    digits = 1 if abs(value) >= 100 else 2
    text = np.format_float_positional(round(value, digits), precision=digits, trim="-")
    return "0" if text == "-0" else text


def _factor(value):
    """A factor in a product, negative ones in parentheses: 2·(-1)."""
    text = _fmt(value)
    return f"({text})" if text.startswith("-") else text


def _matrix(a):
    """'[[1, -1], [2, 0]]', or a short note for an array too large to write out."""
    if a.size > MAX_MATRIX:
        return f"(a {a.shape[0]}×{a.shape[1]} array, see the picture)"
    return "[" + ", ".join("[" + ", ".join(_fmt(v) for v in row) + "]" for row in a) + "]"


def _join(terms, joiner=" + "):
    """The terms of a sum joined, the middle left out when there are too many."""
    if len(terms) > MAX_TERMS:
        terms = terms[:8] + [f"… ({len(terms) - 10} more terms) …"] + terms[-2:]
    return joiner.join(terms)


def _slice_text(start, length):
    """'0:2' for the rows or columns start ... start + length - 1."""
    return f"{start}:{start + length}"


def _plural(count, word):
    """'1 window', '2 windows'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _cells_text(cells):
    """'(0, 0), (0, 1)'."""
    return _join([f"({i}, {j})" for i, j in cells], ", ")


def _summary_lines(conv):
    """The full dx, dw and db, one formula each."""
    (kh, kw), n = conv.w.shape, conv.g.size
    g_terms = [_factor(v) if k else _fmt(v) for k, v in enumerate(conv.g.ravel())]
    return [f"adding up what all {_plural(n, 'output cell')} send back:",
            f"  dx[p, q] = Σ g[i, j]·w[p-i, q-j] over 0 ≤ p-i < {kh}, 0 ≤ q-j < {kw}   "
            f"(full convolution of g with w) = {_matrix(conv.dx)}",
            f"  dw[a, b] = Σ_i Σ_j g[i, j]·x[i+a, j+b]   (cross-correlation of x with g) = "
            f"{_matrix(conv.dw)}",
            f"  db = Σ_i Σ_j g[i, j] = {_join(g_terms)} = {_fmt(conv.db)}"]


def _output_lines(conv, cell):
    """The text of the "output cell" view."""
    (i, j), (kh, kw) = cell, conv.w.shape
    window = conv.window(cell)
    gij = conv.g[i, j]
    rows, cols = _slice_text(i, kh), _slice_text(j, kw)
    lines = [f"forward, output cell ({i}, {j}): z[{i}, {j}] = Σ_a Σ_b x[{i}+a, {j}+b]·w[a, b] + b"]
    if kh * kw <= MAX_NAMED:
        lines.append("  = " + " + ".join(f"x[{i + a}, {j + c}]·w[{a}, {c}]"
                                         for a, c in np.ndindex(kh, kw)) + " + b")
    products = [f"{_factor(a)}·{_factor(c)}" for a, c in zip(window.ravel(), conv.w.ravel())]
    lines.append(f"  = {_join(products)} + {_factor(conv.b)} = {_fmt(conv.z[i, j])}")
    part_dx, part_dw = conv.contributions(cell)
    lines += [
        f"backward: g[{i}, {j}] = ∂L/∂z[{i}, {j}] = {_fmt(gij)} goes back along the same "
        f"{kh * kw} connections (∂z[{i}, {j}]/∂x[{i}+a, {j}+b] = w[a, b], "
        f"∂z[{i}, {j}]/∂w[a, b] = x[{i}+a, {j}+b], ∂z[{i}, {j}]/∂b = 1):",
        f"  to the window x[{rows}, {cols}]: g[{i}, {j}]·w = {_factor(gij)}·"
        f"{_matrix(conv.w)} = {_matrix(part_dx[i:i + kh, j:j + kw])}",
        f"  to the kernel w: g[{i}, {j}]·x[{rows}, {cols}] = {_factor(gij)}·"
        f"{_matrix(window)} = {_matrix(part_dw)}",
        f"  to the bias b: g[{i}, {j}]·1 = {_fmt(gij)}",
    ]
    return lines + _summary_lines(conv)


def _input_lines(conv, cell):
    """The text of the "input cell" view."""
    p, q = cell
    users = conv.users(cell)
    n = len(users)
    lines = [f"input cell ({p}, {q}) lies in the {_plural(n, 'window')} of "
             f"{_plural(n, 'output cell')}: {_cells_text(users)}",
             "  and meets a different weight in each: " + _join(
                 [f"z[{i}, {j}] via w[{p - i}, {q - j}]" for i, j in users], ", ")]
    named = [f"g[{i}, {j}]·w[{p - i}, {q - j}]" for i, j in users]
    numbers = [f"{_factor(conv.g[i, j])}·{_factor(conv.w[p - i, q - j])}" for i, j in users]
    lines.append(f"∂L/∂x[{p}, {q}] = Σ g[i, j]·w[{p}-i, {q}-j] = {_join(named)}")
    lines.append(f"  = {_join(numbers)} = {_fmt(conv.dx[p, q])}")
    return lines + _summary_lines(conv)


def _pool_lines(pool, cell):
    """The text of the "max pool" view."""
    (i, j), size, stride = cell, pool.size, pool.stride
    top, left = i * stride, j * stride
    window = pool.x[top:top + size, left:left + size]
    r, c = pool.argmax[cell]
    gij = pool.g[i, j]
    values = ", ".join(_fmt(v) for v in window.ravel())
    lines = [f"max pooling {size}×{size}, stride {stride}: y[{i}, {j}] = "
             f"max(x[{_slice_text(top, size)}, {_slice_text(left, size)}]) = max({values}) = "
             f"{_fmt(pool.y[i, j])}, at x[{r}, {c}]",
             f"backward: only the maximum reaches y (∂y[{i}, {j}]/∂x = 1 there, 0 elsewhere), "
             f"so g[{i}, {j}] = {_fmt(gij)} goes to x[{r}, {c}] and the other "
             f"{size * size - 1} cells of the window get 0",
             "upstream gradient g = ∂L/∂y = 1, 2, 3, … in reading order (all different, "
             "so each number in dx tells where it came from)"]
    if stride < size:
        lines.append(f"stride {stride} < window {size}: the windows overlap, and a cell that "
                     "is the maximum of several windows receives the sum of their gradients")
        for (p, q), cells in sorted(pool.wins().items()):
            if len(cells) > 1:
                lines.append(f"  x[{p}, {q}] = {_fmt(pool.x[p, q])} is the maximum of "
                             f"{len(cells)} windows: dx[{p}, {q}] = "
                             + " + ".join(f"g[{a}, {b}]" for a, b in cells) + " = "
                             + " + ".join(_fmt(pool.g[a, b]) for a, b in cells)
                             + f" = {_fmt(pool.dx[p, q])}")
    elif stride == size:
        lines.append(f"stride {stride} = window {size}: the windows tile x, each cell is in at "
                     "most one window and each g[i, j] lands at one maximum")
    else:
        lines.append(f"stride {stride} > window {size}: the cells between windows are in no "
                     "window and get 0")
    lines.append(f"dx[p, q] = Σ g[i, j] over the windows whose maximum is at (p, q) (0 if "
                 f"none) = {_matrix(pool.dx)}")
    return lines


def _wrap(lines, width_inches):
    """Wrap long lines to the figure's width (continuations indented)."""
    chars = int((width_inches - 2 * MARGIN) / CHAR)
    wrapped = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()) + 4)
        wrapped += textwrap.wrap(line, width=chars, subsequent_indent=indent) or [""]
    return wrapped


# --------------------------------------------------------------------------
# drawing
# --------------------------------------------------------------------------


class _Panel:
    """One array: its axes, coloured cells, cell borders, (small arrays) values and marks.

    ``live``: the marks are animated (drawn over the saved background, see
    ``_Picture.png``).
    """

    def __init__(self, ax, shape, cell, font_size, live):
        self.ax, self.shape, self.live = ax, shape, live
        self.thin = min(1.0, max(0.6, cell / 0.3))  # thinner outlines in small cells
        height, width = shape
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(BLANK_COLOR)  # NaN cells show the background
        self.image = ax.imshow(np.zeros(shape), cmap=SIGNED_CMAP, vmin=-1, vmax=1,
                               interpolation="nearest")
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(height - 0.5, -0.5)
        self.borders = []
        if max(shape) <= GRID_MAX:
            self.borders = [
                ax.vlines(np.arange(0.5, width - 1), -0.5, height - 0.5, color="0.7",
                          linewidth=0.8),
                ax.hlines(np.arange(0.5, height - 1), -0.5, width - 0.5, color="0.7",
                          linewidth=0.8)]
        self.texts = []
        if cell >= ANNOTATE_CELL:
            self.texts = [ax.text(col, row, "", ha="center", va="center", fontsize=font_size)
                          for row, col in np.ndindex(*shape)]
        self.marks = []

    def artists(self):
        """What new values change, in drawing order (image under borders and texts)."""
        return [self.image, *self.borders, *self.ax.spines.values(), *self.texts]

    def show(self, values, quiet=None):
        """Colour the cells by ``values`` (NaN: blank) and write them; ``quiet`` cells
        (a boolean mask) are written in grey."""
        finite = np.abs(values[np.isfinite(values)])
        limit = (finite.max() if finite.size and finite.max() > 0 else 1.0) / PALE
        self.image.set_data(np.ma.masked_invalid(values))
        self.image.set_clim(-limit, limit)
        quiet = np.zeros(self.shape, dtype=bool) if quiet is None else quiet
        for text, value, grey in zip(self.texts, values.ravel(), quiet.ravel()):
            text.set_text(_cell_text(value) if np.isfinite(value) else "")
            text.set_color(QUIET_COLOR if grey else "black")

    def clear_marks(self):
        """Remove every outline."""
        for mark in self.marks:
            mark.remove()
        self.marks = []

    def mark(self, row, col, height=1, width=1, colour=RED, linewidth=2.5, inset=0.0,
             dashed=False):
        """Outline ``height`` × ``width`` cells from (row, col), shrunk by ``inset``."""
        rectangle = Rectangle((col - 0.5 + inset, row - 0.5 + inset), width - 2 * inset,
                              height - 2 * inset, fill=False, edgecolor=colour,
                              linewidth=linewidth * self.thin,
                              linestyle=(0, (3, 2)) if dashed else "-", clip_on=False,
                              zorder=4, animated=self.live)
        self.marks.append(self.ax.add_patch(rectangle))

    def title(self, text):
        """Set the two-line title at a fixed place."""
        self.ax.set_title(text, fontsize=9.5, y=1.0, pad=4)


def _layout(rows, n_lines):
    """Figure size and one axes box (figure fractions) per array of ``rows``.

    ``rows``: a list of rows, each a list of array shapes.  Every array is
    drawn with the same cell size, so a 2×2 kernel looks smaller than a 3×3
    input; the rows share their columns, and panels are top-aligned under
    their titles.
    Returns width, height, cell (inches), boxes (a list of rows of boxes).
    """
    shapes = [shape for row in rows for shape in row]
    cell = min(MAX_CELL, PANEL / max(shape[0] for shape in shapes),
               PANEL_WIDTH / max(shape[1] for shape in shapes))
    n_cols = max(len(row) for row in rows)
    slots = [max([SLOT] + [row[k][1] * cell + SLOT_PAD for row in rows if k < len(row)])
             for k in range(n_cols)]
    content = sum(slots)
    width = max(MIN_WIDTH, content + 2 * MARGIN)
    row_heights = [TITLE + max(shape[0] for shape in row) * cell for row in rows]
    text = LINE * n_lines + 0.15 if n_lines else 0.0
    height = 2 * MARGIN + HEADER + sum(row_heights) + ROW_GAP * (len(rows) - 1) + text
    boxes, top = [], height - MARGIN - HEADER
    for row, row_height in zip(rows, row_heights):
        left = (width - content) / 2  # the same columns in every row
        row_boxes = []
        for shape, slot in zip(row, slots):
            w, h = shape[1] * cell, shape[0] * cell
            x0, y0 = left + (slot - w) / 2, top - TITLE - h
            row_boxes.append((x0 / width, y0 / height, w / width, h / height))
            left += slot
        boxes.append(row_boxes)
        top -= row_height + ROW_GAP
    return width, height, cell, boxes


def _font_size(cell):
    """Numbers in cells: 11 pt in 0.5-inch cells, smaller in smaller ones, never below 6."""
    return float(min(11.0, max(6.0, cell * 72 / 3.2)))


class _Picture:
    """The panels of one view, drawn once; ``show(...)`` updates them for one cell.

    Subclasses list their arrays' shapes (``rows``), fill the panels in
    ``show`` and name what ``show`` changes with ``_animate``.  live=False
    (the static figure): ``lines`` of text go under the panels.  live=True:
    no text (the widget writes it under the image) and ``png()`` redraws only
    what a new cell changes (the marks, the changing panels and titles) over
    a saved background (matplotlib's "blitting"): most of the time goes into
    drawing the numbers, and most of them never change.
    """

    def __init__(self, rows, lines, live):
        self.lines, self.live = lines, live
        width, _height, _cell, _boxes = _layout(rows, 0)
        wrapped = _wrap(lines, width) if lines else []
        width, height, cell, boxes = _layout(rows, len(wrapped))
        self.fig = new_figure(width, height)
        size = _font_size(cell)
        self.panels = [[_Panel(self.fig.add_axes(box), shape, cell, size, live)
                        for shape, box in zip(row, row_boxes)]
                       for row, row_boxes in zip(rows, boxes)]
        self.suptitle = self.fig.suptitle("", fontsize=12, y=1 - MARGIN / height, va="top")
        if wrapped:
            self.fig.text(MARGIN / width, MARGIN / height, "\n".join(wrapped), ha="left",
                          va="bottom", family="monospace", fontsize=9)
        self.canvas = FigureCanvasAgg(self.fig) if live else None
        self.background = None  # the saved pixels under the changing artists
        self.changing = []  # those artists, in drawing order (the marks come on top)

    def _animate(self, panels, titled):
        """Declare what ``show`` changes: the ``panels``' values and the titles of the
        ``titled`` panels (and the suptitle)."""
        self.changing = [artist for panel in panels for artist in panel.artists()]
        self.changing += [panel.ax.title for panel in titled] + [self.suptitle]
        for artist in self.changing if self.live else []:
            artist.set_animated(True)

    def png(self):
        """The live picture as PNG bytes: saved background + what a cell changes."""
        marks = [mark for row in self.panels for panel in row for mark in panel.marks]
        png, self.background = blit_png(self.canvas, self.background, [*self.changing, *marks])
        return png

    def _clear(self):
        for row in self.panels:
            for panel in row:
                panel.clear_marks()


class _OutputPicture(_Picture):
    """Row 1: x, w, z, g.  Row 2: g[i, j]·w on the window, g[i, j]·window, dx, dw."""

    def __init__(self, conv, lines=(), live=True):
        x, w, g = conv.x.shape, conv.w.shape, conv.g.shape
        super().__init__([[x, w, g, g], [x, w, x, w]], list(lines), live)
        (self.x, self.w, self.z, self.g), (self.part_dx, self.part_dw, self.dx, self.dw) = \
            self.panels
        self.conv = conv
        self.x.show(conv.x)
        self.w.show(conv.w)
        self.z.show(conv.z)
        self.g.show(conv.g)
        self.dx.show(conv.dx)
        self.dw.show(conv.dw)
        (height, width), (kh, kw) = x, w
        self.w.title(f"kernel w {kh}×{kw}\n(the same weights for every cell)")
        self.dx.title("dx = ∂L/∂x\nfull convolution of g with w")
        self.dw.title(f"dw = ∂L/∂w (db = Σ g = {_fmt(conv.db)})\ncross-correlation of x with g")
        self.x_shape = (height, width)
        self._animate([self.part_dx, self.part_dw],
                      [self.x, self.z, self.g, self.part_dx, self.part_dw])

    def show(self, cell):
        """Highlight output ``cell`` and what it touches."""
        conv, (i, j), (kh, kw) = self.conv, cell, self.conv.w.shape
        self._clear()
        part_dx, part_dw = conv.contributions(cell)
        outside = np.ones(self.x_shape, dtype=bool)
        outside[i:i + kh, j:j + kw] = False
        self.part_dx.show(part_dx, quiet=outside)
        self.part_dw.show(part_dw)
        self.x.mark(i, j, kh, kw)
        self.w.mark(0, 0, kh, kw)
        self.z.mark(i, j)
        self.g.mark(i, j)
        self.part_dx.mark(i, j, kh, kw)
        self.part_dw.mark(0, 0, kh, kw)
        self.dx.mark(i, j, kh, kw, linewidth=1.8, dashed=True)
        rows, cols = _slice_text(i, kh), _slice_text(j, kw)
        gij = _fmt(conv.g[i, j])
        self.x.title(f"input x {self.x_shape[0]}×{self.x_shape[1]}\n"
                     f"window x[{rows}, {cols}]")
        self.z.title(f"z = corr(x, w) + b\nz[{i}, {j}] = {_fmt(conv.z[i, j])}")
        self.g.title(f"upstream g = ∂L/∂z\ng[{i}, {j}] = {gij}")
        self.part_dx.title(f"g[{i}, {j}]·w on the window\n(its part of dx)")
        self.part_dw.title(f"g[{i}, {j}]·x[{rows}, {cols}]\n(its part of dw)")
        self.suptitle.set_text(f"output cell ({i}, {j}): z[{i}, {j}] = {_fmt(conv.z[i, j])}; "
                               f"its gradient g[{i}, {j}] = {gij} flows back along the same "
                               "connections")


class _InputPicture(_Picture):
    """Row 1: x, w, g.  Row 2 (each under the array of its shape): dx, dw, the terms
    g[i, j]·w[p-i, q-j]."""

    def __init__(self, conv, lines=(), live=True):
        x, w, g = conv.x.shape, conv.w.shape, conv.g.shape
        super().__init__([[x, w, g], [x, w, g]], list(lines), live)
        (self.x, self.w, self.g), (self.dx, self.dw, self.terms) = self.panels
        self.conv = conv
        self.x.show(conv.x)
        self.w.show(conv.w)
        self.g.show(conv.g)
        self.dx.show(conv.dx)
        self.dw.show(conv.dw)
        self.dw.title(f"dw = ∂L/∂w (db = Σ g = {_fmt(conv.db)})\ncross-correlation of x with g")
        self._animate([self.terms], [self.x, self.w, self.g, self.terms, self.dx])

    def show(self, cell):
        """Highlight input ``cell``, the output cells it feeds and the weights they use."""
        conv, (p, q), (kh, kw) = self.conv, cell, self.conv.w.shape
        self._clear()
        users = conv.users(cell)
        terms = np.full(conv.g.shape, np.nan)
        for k, (i, j) in enumerate(users):
            colour = PALETTE[k % len(PALETTE)]
            terms[i, j] = conv.g[i, j] * conv.w[p - i, q - j]
            if len(users) <= MAX_WINDOWS:
                self.x.mark(i, j, kh, kw, colour=colour, linewidth=1.8, dashed=True,
                            inset=0.06 + 0.05 * (k % 4))
            self.w.mark(p - i, q - j, colour=colour, inset=0.06)
            self.g.mark(i, j, colour=colour, inset=0.06)
            self.terms.mark(i, j, colour=colour, inset=0.06)
        self.terms.show(terms)
        if len(users) > MAX_WINDOWS:  # too many to tell apart: their union
            (i0, j0), (i1, j1) = users[0], users[-1]
            self.x.mark(i0, j0, i1 - i0 + kh, j1 - j0 + kw, colour="black", linewidth=2,
                        dashed=True)
        self.x.mark(p, q, linewidth=3)
        self.dx.mark(p, q, linewidth=3)
        n = len(users)
        self.x.title(f"input x {conv.x.shape[0]}×{conv.x.shape[1]}: cell ({p}, {q})\n"
                     f"and the {_plural(n, 'window')} over it")
        self.w.title(f"kernel w\nweight w[{p}-i, {q}-j] per window")
        self.g.title(f"upstream g = ∂L/∂z\nthe {_plural(n, 'output cell')} it feeds")
        self.terms.title(f"terms g[i, j]·w[{p}-i, {q}-j]\nsum = {_fmt(conv.dx[p, q])}")
        self.dx.title(f"dx = ∂L/∂x\ndx[{p}, {q}] = {_fmt(conv.dx[p, q])}")
        self.suptitle.set_text(f"input cell ({p}, {q}) feeds {_plural(n, 'output cell')}: "
                               f"∂L/∂x[{p}, {q}] = Σ g[i, j]·w[{p}-i, {q}-j] = "
                               f"{_fmt(conv.dx[p, q])}")


class _PoolPicture(_Picture):
    """Row 1: x, y = maxpool(x), g.  Row 2: what g[i, j] sends back, dx."""

    def __init__(self, pool, lines=(), live=True):
        x, y = pool.x.shape, pool.y.shape
        super().__init__([[x, y, y], [x, x]], list(lines), live)
        (self.x, self.y, self.g), (self.part, self.dx) = self.panels
        self.pool = pool
        self.x.show(pool.x)
        self.y.show(pool.y)
        self.g.show(pool.g)
        self.dx.show(pool.dx, quiet=pool.dx == 0)
        self.dx.title("dx = ∂L/∂x\nevery window's g at its maximum, added")
        self._animate([self.part], [self.x, self.y, self.g, self.part])

    def show(self, cell):
        """Highlight output ``cell``, its window and the window's maximum."""
        pool, (i, j), size = self.pool, cell, self.pool.size
        self._clear()
        top, left = i * pool.stride, j * pool.stride
        r, c = pool.argmax[cell]
        part = pool.contribution(cell)
        self.part.show(part, quiet=part == 0)
        self.x.mark(top, left, size, size)
        self.x.mark(r, c, colour=WINNER, linewidth=2.5, inset=0.1)
        self.y.mark(i, j)
        self.g.mark(i, j)
        self.part.mark(top, left, size, size, linewidth=1.8, dashed=True)
        self.part.mark(r, c, colour=WINNER, linewidth=2.5, inset=0.1)
        self.dx.mark(r, c, colour=WINNER, linewidth=2.5, inset=0.1)
        gij = _fmt(pool.g[i, j])
        self.x.title(f"input x {pool.x.shape[0]}×{pool.x.shape[1]}: window "
                     f"x[{_slice_text(top, size)}, {_slice_text(left, size)}]\n"
                     f"maximum {_fmt(pool.y[i, j])} at ({r}, {c})")
        self.y.title(f"y = maxpool(x), stride {pool.stride}\ny[{i}, {j}] = {_fmt(pool.y[i, j])}")
        self.g.title(f"upstream g = ∂L/∂y\ng[{i}, {j}] = {gij}")
        self.part.title(f"what g[{i}, {j}] sends back\n{gij} to x[{r}, {c}], 0 elsewhere")
        self.suptitle.set_text(f"{size}×{size} max pooling, stride {pool.stride}: "
                               f"y[{i}, {j}] = {_fmt(pool.y[i, j])} comes from x[{r}, {c}], "
                               f"so g[{i}, {j}] = {gij} goes back to x[{r}, {c}] only")


def _static_figure(view, conv, pool, cell):
    """The static picture of one view and cell, with its text under the panels."""
    if view == "output cell":
        picture = _OutputPicture(conv, _output_lines(conv, cell), live=False)
    elif view == "input cell":
        picture = _InputPicture(conv, _input_lines(conv, cell), live=False)
    else:
        picture = _PoolPicture(pool, _pool_lines(pool, cell), live=False)
    picture.show(cell)
    return picture.fig


def _grid_shape(view, conv, pool):
    """The shape the cell is picked in: z, x or the pooled y."""
    return {"output cell": conv.g.shape, "input cell": conv.x.shape,
            "max pool": pool.y.shape}[view]


def _default_cell(view, conv):
    """(0, 0), except the input's centre cell for the "input cell" view."""
    if view == "input cell":
        return tuple((n - 1) // 2 for n in conv.x.shape)
    return (0, 0)



def static_backprop_figure(x=None, w=None, g=None, cell=None, view="output cell", *, b=0,
                           pool_x=None, pool_size=2, pool_stride=2):
    """Return a matplotlib Figure of one view of backpropagation.

    x, w, g : the input, the kernel and the upstream gradient ∂L/∂z, 2-D
        arrays of real numbers; w must fit in x and g must have the output's
        shape (H - kh + 1, W - kw + 1).  Defaults: a 3×3 input, a 2×2 kernel
        and a 2×2 gradient of small integers (DEFAULT_X, DEFAULT_W,
        DEFAULT_G); for other shapes g defaults to small integers.
    cell : the output cell (i, j) ("output cell", "max pool") or the input
        cell (p, q) ("input cell"); default (0, 0), or the input's centre.
    view : "output cell", "input cell" or "max pool".
    b : the bias (it changes z, not the gradients).
    pool_x, pool_size, pool_stride : the max-pooling input (default a 4×4
        array of distinct integers), window size and stride; the maximum of
        every window must be unique.

    Returns the Figure, with the sums written out underneath.  Raises
    ValueError for invalid arrays, a cell out of range, an unknown view or
    a pooling window whose maximum appears twice.
    """
    view = _check_view(view)
    conv = _Conv(*_check_conv(x, w, g, b))
    pool = _Pool(*_check_pool(pool_x, pool_size, pool_stride))
    shape = _grid_shape(view, conv, pool)
    cell = _default_cell(view, conv) if cell is None else _check_cell(cell, shape, WHERE[view])
    return _static_figure(view, conv, pool, cell)


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------


@dataclass
class _Selection:
    """The cell picked in each view (each view remembers its own)."""

    output: tuple
    input: tuple
    pool: tuple

    def get(self, view):
        """The cell picked in ``view``."""
        return {"output cell": self.output, "input cell": self.input, "max pool": self.pool}[view]

    def set(self, view, cell):
        """Remember ``cell`` for ``view``."""
        setattr(self, {"output cell": "output", "input cell": "input", "max pool": "pool"}[view],
                cell)


class BackpropExplorer(ExplorerBox):
    """Backpropagation widget; build it with ``explore_backprop(x, w, g)``.

    Controls: ``view_buttons`` ("output cell", "input cell", "max pool"),
    ``row_slider`` and ``col_slider`` (the cell, in z, x or the pooled y:
    each view remembers its own), ``stride_buttons`` (the pooling stride,
    shown in the "max pool" view).

    State for inspection (updated at every change): ``view``, ``cell`` (in
    the current view), ``z``, ``dx``, ``dw``, ``db`` (the whole layer's
    forward output and gradients), ``contrib_dx`` and ``contrib_dw`` (what
    the output cell picked in the "output cell" view sends back: g[i, j]·w
    on its window, zeros elsewhere, and g[i, j]·window), ``output_cells``
    (the output cells whose window contains the cell picked in the "input
    cell" view, row-major), ``pool_y``, ``pool_g``, ``pool_dx`` (pooled
    output, its upstream gradient 1, 2, 3, … and the gradient of the
    pooling input for the current stride), ``pool_argmax`` and
    ``pool_contrib`` (the maximum of the window picked in the "max pool"
    view and what it receives), ``lines`` (the text under the picture).
    ``image`` is the Image widget, ``text`` the HTML widget, ``figure`` the
    live matplotlib Figure of the current view.
    """

    summary = "explore_backprop"

    def __init__(self, x=None, w=None, g=None, *, b=0, view="output cell", pool_x=None,
                 pool_size=2, pool_stride=2):
        view = _check_view(view)
        self.conv = _Conv(*_check_conv(x, w, g, b))
        pool_x, size, stride = _check_pool(pool_x, pool_size, pool_stride, every_stride=True)
        strides = _stride_options(size, stride)
        self.pools = {s: _Pool(pool_x, size, s) for s in strides}
        self.x, self.w, self.g, self.b = self.conv.x, self.conv.w, self.conv.g, self.conv.b
        self.pool_x, self.pool_size = pool_x, size
        self._selection = _Selection(_default_cell("output cell", self.conv),
                                     _default_cell("input cell", self.conv), (0, 0))
        self._pictures = {}  # (view, stride) -> the live picture, built when first shown

        self.view_buttons = widgets.ToggleButtons(options=list(VIEWS), value=view,
                                                  style={"button_width": "110px"})
        self.row_slider = widgets.IntSlider(value=0, min=0, max=0, description="row",
                                            layout=widgets.Layout(width="260px"))
        self.col_slider = widgets.IntSlider(value=0, min=0, max=0, description="col",
                                            layout=widgets.Layout(width="260px"))
        self.stride_buttons = widgets.ToggleButtons(options=list(strides), value=stride,
                                                    description="pool stride",
                                                    style={"button_width": "40px"})
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.text = widgets.HTML()
        row = widgets.Layout(align_items="center", flex_flow="row wrap")
        cells = widgets.HBox([widgets.Label("cell"), self.row_slider, self.col_slider,
                              self.stride_buttons], layout=row)
        super().__init__(children=[self.view_buttons, cells, self.image, self.text])
        self._updating = False  # True while the sliders are refitted
        self._fit_sliders()
        self.view_buttons.observe(self._on_view, names="value")
        self.stride_buttons.observe(self._on_stride, names="value")
        for slider in (self.row_slider, self.col_slider):
            slider.observe(self._on_slider, names="value")
        self._refresh()

    # -- settings ----------------------------------------------------------

    @property
    def view(self):
        """The view: "output cell", "input cell" or "max pool"."""
        return self.view_buttons.value

    @view.setter
    def view(self, value):
        self.view_buttons.value = _check_view(value)

    @property
    def pool(self):
        """The max pooling for the current stride."""
        return self.pools[self.stride_buttons.value]

    @property
    def pool_stride(self):
        """The pooling stride."""
        return self.stride_buttons.value

    @pool_stride.setter
    def pool_stride(self, value):
        if value not in self.pools:
            raise ValueError(f"pool_stride must be one of {sorted(self.pools)}, got {value!r}")
        self.stride_buttons.value = value

    @property
    def grid_shape(self):
        """The shape the cell is picked in: z, x or the pooled y."""
        return _grid_shape(self.view, self.conv, self.pool)

    @property
    def cell(self):
        """The picked cell (row, col) of the current view."""
        return self._selection.get(self.view)

    @cell.setter
    def cell(self, value):
        cell = _check_cell(value, self.grid_shape, WHERE[self.view])
        self._selection.set(self.view, cell)
        self._fit_sliders()
        self._refresh()

    # -- events ------------------------------------------------------------

    def _fit_sliders(self):
        """Set the sliders' ranges and values to the current view's grid and cell."""
        self._updating = True
        for slider, n, value in zip((self.row_slider, self.col_slider), self.grid_shape,
                                    self.cell):
            slider.max = max(slider.max, n - 1)  # never clamp the new value on the way
            slider.value = value
            slider.max = n - 1
        self.stride_buttons.layout.display = None if self.view == "max pool" else "none"
        self._updating = False

    def _on_view(self, _change):
        self._fit_sliders()
        self._refresh()

    def _on_stride(self, _change):
        height, width = self.pool.y.shape
        row, col = self._selection.pool
        self._selection.pool = (min(row, height - 1), min(col, width - 1))
        self._fit_sliders()
        self._refresh()

    def _on_slider(self, _change):
        if not self._updating:
            self._selection.set(self.view, (self.row_slider.value, self.col_slider.value))
            self._refresh()

    def _picture(self):
        """The live picture of the current view (and stride), built the first time."""
        key = (self.view, self.pool_stride if self.view == "max pool" else None)
        if key not in self._pictures:
            if self.view == "output cell":
                self._pictures[key] = _OutputPicture(self.conv)
            elif self.view == "input cell":
                self._pictures[key] = _InputPicture(self.conv)
            else:
                self._pictures[key] = _PoolPicture(self.pool)
        return self._pictures[key]

    def _refresh(self):
        """Recompute the state for the current view and cell and redraw."""
        conv, pool, selection = self.conv, self.pool, self._selection
        self.z, self.dx, self.dw, self.db = conv.z, conv.dx, conv.dw, conv.db
        self.contrib_dx, self.contrib_dw = conv.contributions(selection.output)
        self.output_cells = conv.users(selection.input)
        self.pool_y, self.pool_g, self.pool_dx = pool.y, pool.g, pool.dx
        self.pool_argmax = pool.argmax[selection.pool]
        self.pool_contrib = pool.contribution(selection.pool)
        if self.view == "output cell":
            self.lines = _output_lines(conv, selection.output)
        elif self.view == "input cell":
            self.lines = _input_lines(conv, selection.input)
        else:
            self.lines = _pool_lines(pool, selection.pool)
        picture = self._picture()
        picture.show(self.cell)
        self.figure = picture.fig
        self.image.value = picture.png()
        self.text.value = html_pre(self.lines)

    def static_figure(self):
        """Fallback snapshot: the current view and cell, with the text under the panels."""
        return _static_figure(self.view, self.conv, self.pool, self.cell)


def explore_backprop(x=None, w=None, g=None, *, b=0, view="output cell", pool_x=None,
                     pool_size=2, pool_stride=2):
    """Return a widget that follows the gradient back through a convolution and a max pool.

    x, w, g : the input, the kernel and the upstream gradient ∂L/∂z, 2-D
        arrays of real numbers (computed in float64); w must fit in x and g
        must have the output's shape (H - kh + 1, W - kw + 1).  Defaults: a
        3×3 input, a 2×2 kernel and a 2×2 gradient of small integers; for
        other shapes g defaults to small integers.
    b : the bias (it changes z, not the gradients).
    view : the view to start with: "output cell", "input cell" or "max pool".
    pool_x, pool_size, pool_stride : the max-pooling input (default a 4×4
        array of distinct integers), window size and starting stride; the
        buttons offer strides 1 … pool_size, and for each of them the maximum
        of every window must be unique.

    The buttons switch the view, the sliders pick the cell, the text under
    the picture writes the sums out.  Put the call last in a cell; without
    a widget front-end the cell shows a static figure of the starting view
    instead.

    Returns a BackpropExplorer (an ipywidgets VBox).  Raises ValueError for
    invalid arrays, an unknown view or a pooling window whose maximum
    appears twice.
    """
    return BackpropExplorer(x, w, g, b=b, view=view, pool_x=pool_x, pool_size=pool_size,
                            pool_stride=pool_stride)
