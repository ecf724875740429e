"""Step through 2-D max, average and min pooling (chapter 05).

``explore_pooling(x, size, stride, mode)`` slides a ``size`` window over the
one-channel image ``x`` ('valid' pooling: only windows that fit, moved by
``stride``) one window at a time.  For the current window it shows the window
on the input (and, for max and min, the winning cell), the window's values,
the output filled in up to the current step, and one line of text with the
values and the result, e.g. ::

    window rows 2–3, cols 4–5: max(3, 7, 1, 0) = 7 → output (1, 2)

Per axis the output has ``floor((n - size) / stride) + 1`` cells.  Buttons
switch between max, average and min pooling (min pooling is
``-maxpool(-x)``); sliders set the stride per axis, so overlapping windows
(stride < size) and skipped pixels (stride > size) can be seen: pixels that
no window reads are shaded.

Inputs are converted to float64 first, so uint8 images (MNIST) are averaged
without wrapping around; whole numbers are still written as integers.  Every
window is pooled at once (``sliding_window_view``); the picture is drawn
once per setting and a step only moves the boxes and rewrites the values,
which keeps Play usable on a 28 x 28 digit.

``static_pooling_figure(x, size, stride, mode, step)`` draws the same
picture, with the text written underneath, as a plain matplotlib Figure; it
is the static fallback when no widget front-end runs.
"""

import textwrap
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox
from numpy.lib.stride_tricks import sliding_window_view

from ._display import ExplorerBox, blit_png, html_pre, new_figure
from ._inputs import is_int as _is_int, real_matrix
from ._stepper import StepperMixin, play_interval as _play_interval

MODES = ("max", "avg", "min")
MODE_NAMES = {"max": "max pooling", "avg": "average pooling", "min": "min pooling"}
ANNOTATE_MAX = 12  # write values in cells only for arrays up to 12 x 12
FONT_MIN, FONT_MAX = 6, 12  # points, for the values written in cells
MAX_VALUES = 25  # write out at most this many window values in the text
WRAP = 130  # characters per line of the text written under the static figure
NOT_YET = "0.82"  # grey: output cells not computed yet
CMAP = "Blues"  # one colour scale (the input's range) for input, window and output

# figure layout, in inches
WIDTH = 10.5
HEADER = 0.75  # the suptitle and the panel titles
PANELS = 3.1  # the three panels
MARGIN = 0.12  # below the panels
LINE = 0.17  # one line of text under the static figure
MIN_RATIO, MAX_RATIO = 0.85, 2.0  # bounds of a column's width / panel height (see _layout)
WINDOW_SCALE = 0.6  # the window panel, a zoom, is drawn smaller than at full height
WINDOW_HEIGHT = 0.8  # ... and at most this fraction of the panel height
OUTPUT_MIN = 0.5  # the output's long side, at least, in panel heights


# --------------------------------------------------------------------------
# input checks and arithmetic (private: the graded exercises live elsewhere)
# --------------------------------------------------------------------------


def _as_image(x):
    """Return ``x`` as a non-empty 2-D float64 array of finite numbers, or raise ValueError.

    float64 holds every sum of uint8 values exactly, so nothing wraps around
    (in uint8, 200 + 255 would be 199).
    """
    return real_matrix(x, "x", layout="height x width, one channel", finite=True,
                       why=": the widget shows not-yet-computed output cells as NaN")


def _pair(value, name):
    """Return ``value`` (a positive int, or a (height, width) pair of them) as a pair."""
    pair = tuple(value) if isinstance(value, (tuple, list, np.ndarray)) else (value, value)
    if len(pair) != 2 or not all(_is_int(v) and v >= 1 for v in pair):
        raise ValueError(f"{name} must be a positive integer or a (height, width) pair of "
                         f"positive integers, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_mode(mode):
    """Return ``mode`` if it is 'max', 'avg' or 'min', else raise ValueError."""
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"mode must be 'max', 'avg' or 'min', got {mode!r}")
    return mode


def _check_settings(x, size, stride, mode):
    """Validate everything; return x (float64), size, stride (pairs) and mode."""
    x = _as_image(x)
    size = _pair(size, "size")
    stride = size if stride is None else _pair(stride, "stride")
    mode = _check_mode(mode)
    if size[0] > x.shape[0] or size[1] > x.shape[1]:
        raise ValueError(f"the {size[0]}×{size[1]} window must fit inside x ('valid' "
                         f"pooling), but x is only {x.shape[0]}×{x.shape[1]}")
    return x, size, stride, mode


def _check_step(step, last):
    """Return ``step`` as an int if 0 <= step <= last, else raise ValueError."""
    if not _is_int(step) or not 0 <= step <= last:
        raise ValueError(f"step must be an integer between 0 and {last} (one per output "
                         f"cell, row-major), got {step!r}")
    return int(step)


def _output_size(n, k, s):
    """Cells of the output along one axis: floor((n - k) / s) + 1."""
    return (n - k) // s + 1


class _Pooling:
    """Every window of ``x`` for one (size, stride), pooled in all three modes at once."""

    def __init__(self, x, size, stride):
        self.x, self.size, self.stride = x, size, stride
        self.out_shape = tuple(_output_size(n, k, s) for n, k, s in zip(x.shape, size, stride))
        # (out_h, out_w, kh, kw): a view of x, nothing copied
        self.windows = sliding_window_view(x, size)[::stride[0], ::stride[1]]
        flat = self.windows.reshape(*self.out_shape, -1)
        self.full = {"max": flat.max(axis=-1),
                     "avg": flat.mean(axis=-1),
                     "min": -(-flat).max(axis=-1)}  # min pooling is -maxpool(-x)
        # the first winning cell of every window (row-major, like np.argmax)
        self.winner = {"max": flat.argmax(axis=-1), "min": flat.argmin(axis=-1)}
        self.read_mask = np.outer(*(self._read(axis) for axis in (0, 1)))

    def _read(self, axis):
        """Which rows (axis 0) or columns (axis 1) of x some window reads."""
        read = np.zeros(self.x.shape[axis], dtype=bool)
        for start in range(0, self.out_shape[axis] * self.stride[axis], self.stride[axis]):
            read[start:start + self.size[axis]] = True
        return read

    @property
    def n_steps(self):
        """Number of windows, i.e. of output cells."""
        return self.out_shape[0] * self.out_shape[1]

    def position(self, step):
        """(output row, output col) of ``step`` (row-major)."""
        return divmod(step, self.out_shape[1])

    def state(self, step, mode):
        """Return the _Step for window ``step`` in ``mode``."""
        row, col = self.position(step)
        top, left = row * self.stride[0], col * self.stride[1]
        window = self.windows[row, col]
        full = self.full[mode]
        winner = None
        if mode in self.winner:
            winner = divmod(int(self.winner[mode][row, col]), self.size[1])
        output = full.copy()
        output.flat[step + 1:] = np.nan
        return _Step(step=step, mode=mode, row=row, col=col, top=top, left=left,
                     window=window, winner=winner, value=float(full[row, col]),
                     formula=_formula(mode, window, top, left, row, col),
                     output=output, full_output=full)


@dataclass
class _Step:
    """Everything one step shows."""

    step: int
    mode: str
    row: int  # the output cell
    col: int
    top: int  # top-left cell of the window in x
    left: int
    window: np.ndarray  # the values of x under the window
    winner: tuple  # (row, col) of the max / min inside the window; None for avg
    value: float  # the pooled value
    formula: str  # the line of text: values, result, output cell
    output: np.ndarray  # filled up to this step, NaN after
    full_output: np.ndarray  # the finished output


# --------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------


def _fmt(value):
    """Short, exact-looking text for a number: 7 not 7.0, 227.5, 0.3333."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    if 1e-3 <= abs(value) < 1e6:
        return np.format_float_positional(value, precision=4, trim="-")
    return f"{value:.4g}"


def _cell_text(value):
    """Shorter text for a number written inside a cell."""
    value = float(value)
    if value.is_integer() or not 1e-3 <= abs(value) < 1e6:
        return _fmt(value)
    digits = 1 if abs(value) >= 100 else 2
    text = np.format_float_positional(value, precision=digits, trim="-")
    return f"{value:.{digits}f}" if float(text) == 0 else text  # -0.00, not -0


def _span(name, start, length):
    """'rows 2–3', or 'row 2' for a window one cell high."""
    if length == 1:
        return f"{name} {start}"
    return f"{name}s {start}–{start + length - 1}"


def _formula(mode, window, top, left, row, col):
    """The step's line of text, e.g. 'window rows 2–3, col 4: max(3, 7) = 7 → output (1, 2)'."""
    values = [_fmt(v) for v in window.ravel()]
    if len(values) > MAX_VALUES:
        values = values[:8] + [f"… ({len(values) - 10} more) …"] + values[-2:]
    call = f"{mode}({', '.join(values)})"
    if mode == "avg":
        result = f"{call} = {_fmt(window.sum())}/{window.size} = {_fmt(window.mean())}"
    elif mode == "max":
        result = f"{call} = {_fmt(window.max())}"
    else:
        result = f"{call} = {_fmt(window.min())}"
    where = f"{_span('row', top, window.shape[0])}, {_span('col', left, window.shape[1])}"
    return f"window {where}: {result} → output ({row}, {col})"


def _pair_text(pair):
    """'2' when both axes agree, else '(2, 3)' (height, width)."""
    return str(pair[0]) if pair[0] == pair[1] else f"({pair[0]}, {pair[1]})"


def _plural(count, word):
    """'1 row', '2 rows'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _coverage_notes(pool):
    """What the stride does, one line per axis: overlap, skipped pixels, unread last ones."""
    lines = []
    for axis, (name, word) in enumerate((("rows", "row"), ("cols", "column"))):
        n, k, s = pool.x.shape[axis], pool.size[axis], pool.stride[axis]
        out = pool.out_shape[axis]
        parts = []
        if out == 1:
            parts.append(f"one window fits in {_plural(n, word)}, so the stride plays no part")
        elif s < k:
            parts.append(f"stride {s} < window {k}: windows overlap, a {word} is read "
                         f"up to {min(out, -(-k // s))} times")
        elif s > k:
            parts.append(f"stride {s} > window {k}: {_plural(s - k, word)} "
                         f"skipped between windows")
        last = n - ((out - 1) * s + k)
        if last:
            parts.append(f"the last {word} fits no window" if last == 1 else
                         f"the last {last} {word}s fit no window")
        if parts:
            lines.append(f"{name}: " + "; ".join(parts))
    if not lines:
        return ["stride = window size: the windows tile x, every pixel is read exactly once"]
    if not pool.read_mask.all():
        lines[-1] += " (shaded: never read)"
    return lines


def _text_lines(pool, state):
    """The text under the picture: the step, the output shape with its formula, the stride."""
    (n_h, n_w), (k_h, k_w), (s_h, s_w) = pool.x.shape, pool.size, pool.stride
    out_h, out_w = pool.out_shape
    return [state.formula,
            f"output shape ({out_h}, {out_w}) from floor((n - size) / stride) + 1: "
            f"rows floor(({n_h} - {k_h}) / {s_h}) + 1 = {out_h}, "
            f"cols floor(({n_w} - {k_w}) / {s_w}) + 1 = {out_w}",
            *_coverage_notes(pool)]


# --------------------------------------------------------------------------
# drawing: the figure is built once per (size, stride), then each step
# updates its artists
# --------------------------------------------------------------------------


@dataclass
class _Panel:
    """One coloured matrix: its axes, image, cell borders and (small arrays) cell texts."""

    ax: object
    image: object
    borders: list
    texts: list

    def artists(self):
        """What a new value changes, in drawing order (image under borders and texts)."""
        return [self.image, *self.borders, *self.ax.spines.values(), *self.texts]


def _draw_cell_borders(ax, shape):
    """Thin grey lines between cells, no ticks; return the line collections."""
    height, width = shape
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    if max(shape) > 2 * ANNOTATE_MAX:
        return []
    return [ax.vlines(np.arange(0.5, width - 1), -0.5, height - 0.5, color="0.75", linewidth=0.8),
            ax.hlines(np.arange(0.5, height - 1), -0.5, width - 0.5, color="0.75", linewidth=0.8)]


def _fit_font(fig, panel, box):
    """Size the numbers of ``panel`` to its cells; ``box``: the panel's place (figure fraction).

    The array is drawn with square cells inside ``box``; a number of five
    characters ("-0.46", "227.5") takes about three times the font size.
    """
    if not panel.texts:
        return
    width, height = fig.get_size_inches()
    rows, cols = panel.image.get_array().shape
    cell = 72 * min(box.width * width / cols, box.height * height / rows)  # in points
    size = min(max(cell / 3.0, FONT_MIN), FONT_MAX)
    for text in panel.texts:
        text.set_fontsize(size)


def _new_panel(ax, shape, annotate):
    """Empty panel for an array of ``shape``: an image and, if ``annotate``, one text per cell."""
    image = ax.imshow(np.zeros(shape), cmap=CMAP, vmin=0, vmax=1)
    borders = _draw_cell_borders(ax, shape)
    texts = []
    if annotate:
        texts = [ax.text(col, row, "", ha="center", va="center")
                 for row, col in np.ndindex(*shape)]
    return _Panel(ax, image, borders, texts)


def _small(shape):
    """True for arrays small enough to have their values written in the cells."""
    return max(shape) <= ANNOTATE_MAX


def _colour_range(values):
    """(vmin, vmax) of ``values``, never an empty range."""
    vmin, vmax = float(np.min(values)), float(np.max(values))
    return (vmin, vmin + 1.0) if vmax == vmin else (vmin, vmax)


def _show_values(panel, values, vmin, vmax):
    """Colour ``panel`` by ``values`` (NaN: blank) and write them in small arrays."""
    panel.image.set_data(np.ma.masked_invalid(values))
    panel.image.set_clim(vmin, vmax)
    for text, value in zip(panel.texts, values.ravel()):
        if not np.isfinite(value):
            text.set_text("")
            continue
        dark = (value - vmin) / (vmax - vmin) > 0.6
        text.set_text(_cell_text(value))
        text.set_color("white" if dark else "black")


def _outline(ax, height, width, colour="red", linewidth=2.5, inset=0.0):
    """A rectangle of ``height`` x ``width`` cells (shrunk by ``inset``); move it with _move."""
    rectangle = Rectangle((-0.5 + inset, -0.5 + inset), width - 2 * inset, height - 2 * inset,
                          fill=False, edgecolor=colour, linewidth=linewidth, clip_on=False,
                          zorder=4)
    rectangle.inset = inset
    return ax.add_patch(rectangle)


def _move(rectangle, row, col):
    """Put ``rectangle``'s top-left corner on cell (row, col)."""
    rectangle.set_xy((col - 0.5 + rectangle.inset, row - 0.5 + rectangle.inset))


def _winner_mark(ax):
    """The orange box around the winning cell of a max / min window."""
    return _outline(ax, 1, 1, colour="darkorange", linewidth=2.2, inset=0.1)


def _shade_unread(panel, read_mask):
    """Wash out the pixels no window reads (a white veil with grey hatching)."""
    if read_mask.all():
        return
    ax = panel.ax
    for text, read in zip(panel.texts, read_mask.ravel()):
        if not read:
            text.set_color("0.3")  # on the veil, dark text reads best
    veil = np.zeros((*read_mask.shape, 4))
    veil[~read_mask] = (1.0, 1.0, 1.0, 0.7)
    ax.imshow(veil, zorder=1, interpolation="nearest")
    cells = [Rectangle((col - 0.5, row - 0.5), 1, 1) for row, col in zip(*np.nonzero(~read_mask))]
    ax.add_collection(PatchCollection(cells, facecolor="none", edgecolor="0.6", linewidth=0,
                                      hatch="///", zorder=1.1))


def _clamp(ratio):
    """A column's width ratio: never too little for a title, never too much."""
    return min(max(ratio, MIN_RATIO), MAX_RATIO)


def _layout(pool):
    """Width ratios of the input, window and output columns (in panel heights), and
    where the window and the output sit in their columns (inset bounds, axes fraction).

    The input takes the width it has at the full panel height.  The window (a
    zoom) takes WINDOW_SCALE of its natural width and at most WINDOW_HEIGHT
    of the height.  The output's cells are as big as the input's, so it
    looks smaller, as it is, unless its long side would be shorter than
    OUTPUT_MIN; its column stays wide enough for its title.
    """
    (n_h, n_w), (k_h, k_w), (out_h, out_w) = pool.x.shape, pool.size, pool.out_shape
    x_ratio = _clamp(n_w / n_h)
    cell = min(1 / n_h, x_ratio / n_w)  # the input's cell side, in panel heights
    cell = max(cell, OUTPUT_MIN / max(out_h, out_w))  # the output's
    out_ratio = _clamp(cell * out_w)
    out_width, out_height = min(cell * out_w / out_ratio, 1.0), cell * out_h
    ratios = [x_ratio, _clamp(WINDOW_SCALE * k_w / k_h), out_ratio]
    window_bounds = [0, (1 - WINDOW_HEIGHT) / 2, 1, WINDOW_HEIGHT]
    out_bounds = [(1 - out_width) / 2, (1 - out_height) / 2, out_width, out_height]
    return ratios, window_bounds, out_bounds


def _inset(holder, bounds):
    """Axes at ``bounds`` (fractions) of the invisible column axes ``holder``."""
    holder.set_axis_off()
    return holder.inset_axes(bounds)


def _inset_box(holder, bounds):
    """Where ``_inset(holder, bounds)`` sits, in figure fraction (after _fit_layout)."""
    column = holder.get_position()
    x0, y0, width, height = bounds
    return Bbox.from_bounds(column.x0 + x0 * column.width, column.y0 + y0 * column.height,
                            width * column.width, height * column.height)


def _fit_layout(fig, n_lines):
    """Size ``fig`` for the panels plus ``n_lines`` of text underneath; return its height."""
    bottom = MARGIN + (LINE * n_lines + 0.1 if n_lines else 0.0)
    height = HEADER + PANELS + bottom
    fig.set_size_inches(WIDTH, height)
    fig.subplots_adjust(left=0.02, right=0.98, top=1 - HEADER / height,
                        bottom=bottom / height, wspace=0.12)
    return height


def _title(ax, text):
    """Set a panel title at a fixed place (matplotlib then skips re-placing it per draw)."""
    ax.set_title(text, fontsize=10, y=1.0)


def _suptitle(pool, mode):
    """The figure's title: mode, window, stride and what the boxes mean."""
    marks = "" if mode == "avg" else f", orange = its {mode}"
    return (f"{MODE_NAMES[mode]}, window {pool.size[0]}×{pool.size[1]}, "
            f"stride {_pair_text(pool.stride)} ('valid'): red = the window{marks}")


class _Picture:
    """Input, window and output panels, drawn once; ``show(state)`` updates them for one step.

    live=False (the static figure): the text lines go under the panels.
    live=True (the widget): no text (the widget writes it under the image)
    and ``png()`` redraws only what a step changes over a saved background
    (matplotlib's "blitting"); the background is redrawn when the mode
    changes.  A new stride needs a new _Picture (the output has a new shape).
    """

    def __init__(self, pool, live):
        self.pool = pool
        self.fig = new_figure(WIDTH, HEADER + PANELS)
        ratios, window_bounds, out_bounds = _layout(pool)
        ax_x, w_column, out_column = self.fig.subplots(1, 3,
                                                       gridspec_kw={"width_ratios": ratios})
        ax_w, ax_out = _inset(w_column, window_bounds), _inset(out_column, out_bounds)
        x = pool.x
        self.vmin, self.vmax = _colour_range(x)
        # a large input (a digit) is shown in colour only, and so is its output
        self.x_panel = _new_panel(ax_x, x.shape, _small(x.shape))
        _show_values(self.x_panel, x, self.vmin, self.vmax)
        _shade_unread(self.x_panel, pool.read_mask)
        self.w_panel = _new_panel(ax_w, pool.size, _small(pool.size))
        self.out_panel = _new_panel(ax_out, pool.out_shape, _small(x.shape))
        ax_out.set_facecolor(NOT_YET)  # cells not computed yet (NaN) show the background
        self.window_box = _outline(ax_x, *pool.size)
        self.x_winner = _winner_mark(ax_x)
        self.w_winner = _winner_mark(ax_w)
        self.out_box = _outline(ax_out, 1, 1)
        self.text = None
        if not live:
            self.text = self.fig.text(0.02, 0, "", ha="left", va="bottom",
                                      family="monospace", fontsize=9)
        _fit_layout(self.fig, 0)
        for panel, box in ((self.x_panel, ax_x.get_position(original=True)),
                           (self.w_panel, _inset_box(w_column, window_bounds)),
                           (self.out_panel, _inset_box(out_column, out_bounds))):
            _fit_font(self.fig, panel, box)
        self.canvas = FigureCanvasAgg(self.fig) if live else None
        self.background = None  # the saved pixels under the step artists
        self.mode = None  # the mode the background was drawn for
        for artist in self.step_artists() if live else []:
            artist.set_animated(True)

    def step_artists(self):
        """The artists a step changes (the input and the suptitle change only with the mode)."""
        return [self.window_box, self.x_winner, self.x_panel.ax.title,
                *self.w_panel.artists(), self.w_winner, self.w_panel.ax.title,
                *self.out_panel.artists(), self.out_box, self.out_panel.ax.title]

    def show(self, state, lines=()):
        """Update every artist for one step; ``lines`` go under the static figure."""
        pool = self.pool
        _move(self.window_box, state.top, state.left)
        _move(self.out_box, state.row, state.col)
        for mark, (row, col) in ((self.x_winner, (state.top, state.left)),
                                 (self.w_winner, (0, 0))):
            mark.set_visible(state.winner is not None)
            if state.winner is not None:
                _move(mark, row + state.winner[0], col + state.winner[1])
        _show_values(self.w_panel, state.window, self.vmin, self.vmax)
        _show_values(self.out_panel, state.output, self.vmin, self.vmax)
        (n_h, n_w), (k_h, k_w) = pool.x.shape, pool.size
        out_h, out_w = pool.out_shape
        _title(self.x_panel.ax, f"input x {n_h}×{n_w}, window at ({state.top}, {state.left})")
        _title(self.w_panel.ax, f"window x[{state.top}:{state.top + k_h}, "
                                f"{state.left}:{state.left + k_w}], "
                                f"{state.mode} = {_fmt(state.value)}")
        _title(self.out_panel.ax, f"output {out_h}×{out_w}, step {state.step + 1} of "
                                  f"{pool.n_steps}")
        self.fig.suptitle(_suptitle(pool, state.mode), fontsize=12)
        if self.text is not None:
            wrapped = [part for line in lines
                       for part in textwrap.wrap(line, width=WRAP, subsequent_indent="  ")]
            self.text.set_text("\n".join(wrapped))
            self.text.set_y(MARGIN / _fit_layout(self.fig, len(wrapped)))
        if state.mode != self.mode:
            self.background, self.mode = None, state.mode

    def png(self):
        """The live picture as PNG bytes: saved background + the step artists."""
        png, self.background = blit_png(self.canvas, self.background, self.step_artists())
        return png


def _static_figure(pool, step, mode):
    """The static picture of ``step``, with the text lines under the panels."""
    state = pool.state(step, mode)
    picture = _Picture(pool, live=False)
    picture.show(state, _text_lines(pool, state))
    return picture.fig


def static_pooling_figure(x, size=2, stride=None, mode="max", step=None):
    """Return a matplotlib Figure of one step of pooling ``x``.

    x : a 2-D array (one channel) of finite real numbers, any dtype.
    size, stride : the window and its step, each an int or a (height, width)
        pair; stride None means stride = size.  'valid' pooling: only
        windows that fit.
    mode : 'max', 'avg' or 'min'.
    step : index of the window (row-major over the output, 0-based); None
        means the last window, so the whole output is filled in.

    Returns the Figure: input, window and output, with the window's values,
    the result and the output-shape formula written underneath.
    Raises ValueError for invalid settings or a step out of range.
    """
    x, size, stride, mode = _check_settings(x, size, stride, mode)
    pool = _Pooling(x, size, stride)
    last = pool.n_steps - 1
    step = last if step is None else _check_step(step, last)
    return _static_figure(pool, step, mode)


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------


class PoolingExplorer(StepperMixin, ExplorerBox):
    """Pooling stepper; build it with ``explore_pooling(x, size, stride, mode)``.

    Controls: ``prev_button``, ``next_button``, ``slider`` (the step) with
    ``play`` linked to it, ``mode_buttons`` (max / avg / min) and
    ``stride_sliders`` ((rows, cols)).

    State for inspection (updated at every change): ``step``, ``mode``,
    ``size`` and ``stride`` ((height, width) pairs), ``window`` (the values
    under the window), ``window_position`` ((row, col) of its top-left
    cell in x), ``output`` (NaN where not yet computed), ``full_output``,
    ``formula`` (the step's line of text), ``lines`` (all the text, shown
    once, under the picture), ``n_steps``, ``output_shape`` and ``state``
    (everything of the step, e.g. ``state.winner``: the (row, col) of the
    max / min inside the window, None for avg).  ``x`` is the input as
    float64, ``image`` the Image widget, ``text`` the HTML widget,
    ``figure`` the live matplotlib Figure (drawn once per stride, updated
    per step) and ``picture`` its artists.
    """

    summary = "explore_pooling"

    def __init__(self, x, size=2, stride=None, mode="max"):
        x, size, stride, mode = _check_settings(x, size, stride, mode)
        self.x, self.size = x, size
        self.pool = _Pooling(x, size, stride)
        last = self.pool.n_steps - 1
        self.picture = _Picture(self.pool, live=True)
        self.figure = self.picture.fig
        step_controls = self._make_step_controls(last, auto_width=True)
        self.mode_buttons = widgets.ToggleButtons(options=list(MODES), value=mode,
                                                  style={"button_width": "60px"})
        self.stride_sliders = tuple(
            widgets.IntSlider(value=s, min=1, max=max(k + 1, s), description=f"stride {name}",
                              continuous_update=False, layout=widgets.Layout(width="250px"),
                              style={"description_width": "80px"})
            for name, k, s in zip(("rows", "cols"), size, stride))
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.text = widgets.HTML()
        row = widgets.Layout(align_items="center", flex_flow="row wrap")
        steps = widgets.HBox(step_controls, layout=row)
        settings = widgets.HBox([widgets.Label("pooling"), self.mode_buttons,
                                 *self.stride_sliders], layout=row)
        super().__init__(children=[steps, settings, self.image, self.text])
        self._updating = False  # True while the step controls are refitted

        self.slider.observe(self._on_change, names="value")
        self.mode_buttons.observe(self._on_change, names="value")
        for slider in self.stride_sliders:
            slider.observe(self._on_stride, names="value")
        self._refresh()

    # -- settings ----------------------------------------------------------

    @property
    def step(self):
        """Index of the current window (0-based, row-major over the output)."""
        return self.slider.value

    @step.setter
    def step(self, value):
        self.slider.value = _check_step(value, self.n_steps - 1)

    @property
    def mode(self):
        """'max', 'avg' or 'min'."""
        return self.mode_buttons.value

    @mode.setter
    def mode(self, value):
        self.mode_buttons.value = _check_mode(value)

    @property
    def stride(self):
        """(rows, cols) stride, from the sliders."""
        return tuple(slider.value for slider in self.stride_sliders)

    @stride.setter
    def stride(self, value):
        stride = _pair(value, "stride")
        self._updating = True
        for slider, s in zip(self.stride_sliders, stride):
            slider.max = max(slider.max, s)
            slider.value = s
        self._updating = False
        self._on_stride(None)

    @property
    def n_steps(self):
        """Number of windows, i.e. of output cells."""
        return self.pool.n_steps

    @property
    def output_shape(self):
        """(height, width) of the output."""
        return self.pool.out_shape

    # -- events ------------------------------------------------------------

    def _on_change(self, _change):
        if not self._updating:
            self._refresh()

    def _on_stride(self, _change):
        """New stride: pool again, redraw from scratch, keep the step on a valid cell.

        At the last step the new output is shown finished too; otherwise the
        step keeps its output cell, clamped to the new output's shape.
        """
        if self._updating:
            return
        old = self.pool
        at_end = self.step == old.n_steps - 1
        row, col = old.position(self.step)
        self.pool = _Pooling(self.x, self.size, self.stride)
        height, width = self.pool.out_shape
        last = self.pool.n_steps - 1
        step = last if at_end else min(row, height - 1) * width + min(col, width - 1)
        self._updating = True
        for control in (self.slider, self.play):
            control.max = max(control.max, last)
        self.slider.value = step
        self.slider.max = self.play.max = last
        self.play.interval = _play_interval(last + 1)
        self._updating = False
        self.picture = _Picture(self.pool, live=True)
        self.figure = self.picture.fig
        self._refresh()

    def _refresh(self):
        """Recompute the state for the current step and update the picture."""
        state = self.pool.state(self.step, self.mode)
        self.state = state
        self.window, self.window_position = state.window, (state.top, state.left)
        self.output, self.full_output = state.output, state.full_output
        self.formula = state.formula
        self.lines = _text_lines(self.pool, state)
        self._update_step_buttons()
        self.picture.show(state)
        self.image.value = self.picture.png()
        self.text.value = html_pre(self.lines)

    def static_figure(self):
        """Fallback snapshot: the last step (the whole output) for the current settings."""
        return _static_figure(self.pool, self.pool.n_steps - 1, self.mode)


def explore_pooling(x, size=2, stride=None, mode="max"):
    """Return a widget that steps a pooling window over the image ``x``.

    x : a 2-D array (one channel) of finite real numbers, any dtype
        (computed in float64, so uint8 digits are averaged exactly).
    size, stride : the window and its step, each an int or a (height, width)
        pair; stride None means stride = size.  'valid' pooling: only
        windows that fit, floor((n - size) / stride) + 1 per axis.
    mode : 'max', 'avg' or 'min' (min pooling is -maxpool(-x)).

    Previous / Next buttons, a slider and a Play button move the window; the
    buttons switch the mode, two sliders set the stride per axis.  Put the
    call last in a cell to display it; without a widget front-end the cell
    shows a static figure of the finished output instead.

    Returns a PoolingExplorer (an ipywidgets VBox).
    Raises ValueError unless x is 2-D and finite, size and stride are
    positive integers (or pairs of them), the window fits inside x and mode
    is known.
    """
    return PoolingExplorer(x, size=size, stride=stride, mode=mode)
