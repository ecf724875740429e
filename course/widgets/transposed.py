"""Stamp a kernel once per input pixel: the transposed convolution (chapter 07).

A transposed convolution ("deconvolution", learned upsampling) is a
scatter-add.  Every input pixel x[i, j] stamps a copy of the kernel, scaled
by x[i, j], into the output with its top-left corner at (i·s, j·s); where
stamps overlap, their values add up::

    canvas[i·s + a, j·s + b] += x[i, j]·k[a, b]      for every i, j, a, b

The whole canvas (PyTorch's ``conv_transpose2d`` with padding 0) has
((H − 1)·s + kh, (W − 1)·s + kw) cells.  Keras's ``Conv2DTranspose`` returns
part of it; measured with Keras 3, per axis (n pixels, kernel f, stride s):

``padding="valid"``
    n·s + max(f − s, 0) cells: the whole canvas when f ≥ s; when f < s the
    canvas plus s − f zeros at the bottom (right).
``padding="same"``
    n·s cells: the canvas cropped by floor((f − s) / 2) at the top (left)
    and the rest at the bottom (right); when f < s nothing is cropped and
    s − f zeros are added at the bottom (right), as for 'valid'.

Neither Keras nor PyTorch flips the kernel: a one-hot input gives the
stamp k itself, not k rotated by 180°.

``explore_transposed(x, k, stride, padding)`` adds the stamps one input
pixel at a time (row-major).  For the current pixel it shows the input with
the pixel outlined, the kernel, the stamp x[i, j]·k, the full canvas with the
running sums (the new stamp outlined, what Keras crops away veiled, the
zeros Keras adds in pale blue), what Keras returns so far, and how many
stamps cover each cell of the canvas: uneven counts are where checkerboard
artefacts come from.  Sliders and buttons set the stride and the padding.

Everything is computed here, in float64, with a loop over the input
pixels (the arrays are small); whole numbers are written as integers.  The
picture is drawn once per setting; a step only rewrites the values and
moves the boxes (matplotlib "blitting").

``static_transposed_figure(x, k, stride, padding, step)`` draws the same
picture, with the text written underneath, as a plain matplotlib Figure; it
is the static fallback when no widget front-end runs.
"""

import textwrap
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection, PathCollection
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import Affine2D

from ._display import ExplorerBox, blit_png, html_pre, new_figure
from ._inputs import is_int as _is_int, real_matrix
from ._stepper import StepperMixin

PADDINGS = ("valid", "same")

# the classic example: four stamps of a 3×3 all-ones kernel, stride 2, overlap on a cross
DEFAULT_X = ((1, 2), (3, 4))
DEFAULT_K = ((1, 1, 1), (1, 1, 1), (1, 1, 1))
DEFAULT_STRIDE = 2
STRIDE_MAX = 4  # the stride slider's range is 1 ... 4 (a larger stride widens it)

SIGNED_CMAP = "PuOr_r"  # purple < 0 < orange, white at 0 (as in the other explorers)
COUNT_CMAP = "Greens"
PALE = 0.55  # the largest |value| of a panel reaches this far towards the colour's end
COUNT_PALE = 0.45  # ... and the largest count (at least 2)
NOT_YET = "0.85"  # canvas cells no stamp has reached yet (NaN)
QUIET = "0.55"  # the text of cells that stay 0 (no stamp ever reaches them)
ADDED = (0.84, 0.88, 0.96, 1.0)  # pale blue: the zeros Keras adds (kernel < stride)
RED = "#d62728"  # the current pixel and its stamp
CROP = "#1f4e9c"  # the dashed rectangle: what Keras returns
MAX_TERMS = 4  # overlap cells listed by name in the text, at most

# figure layout, in inches
MAX_CELL = 0.5  # the largest cell
TOP_HEIGHT, TOP_WIDTH = 2.0, 2.8  # the largest input / kernel / stamp
BOTTOM_HEIGHT, BOTTOM_WIDTH = 3.0, 3.2  # the largest canvas / output / counts
SLOT = 3.2  # the narrowest column (room for a two-line title)
SLOT_PAD = 0.35  # a column is at least this much wider than its array
TITLE = 0.5  # a panel's two-line title
ROW_GAP = 0.3
HEADER = 0.45  # the suptitle
MARGIN = 0.2
MIN_WIDTH = 10.5
LINE = 0.16  # one line of text under the static figure
CHAR = 0.075  # width of one monospace character at 9 pt
ANNOTATE_CELL = 0.2  # write the values in cells at least this large
GRID_MAX = 24  # draw lines between cells up to this many cells per axis
PATH_CACHE = 5000  # glyph outlines of cell values kept, at most
PICTURES_KEPT = 4  # live pictures a widget keeps, one per recent (stride, padding)


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------


def _as_matrix(a, name):
    """Return ``a`` as a non-empty 2-D float64 array of finite numbers, or raise ValueError."""
    return real_matrix(a, name, layout="height x width, one channel", finite=True)


def _check_stride(stride):
    """Return ``stride`` as an int if it is a positive integer, else raise ValueError."""
    if not _is_int(stride) or stride < 1:
        raise ValueError(f"stride must be a positive integer (the same for rows and "
                         f"columns), got {stride!r}")
    return int(stride)


def _check_padding(padding):
    """Return ``padding`` if it is 'valid' or 'same', else raise ValueError."""
    if not isinstance(padding, str) or padding not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same' (as in Keras's "
                         f"Conv2DTranspose), got {padding!r}")
    return padding


def _check_settings(x, k, stride, padding):
    """Validate everything (None: the classic example); return x, k (float64), stride, padding."""
    x = _as_matrix(DEFAULT_X if x is None else x, "x (the input)")
    k = _as_matrix(DEFAULT_K if k is None else k, "k (the kernel)")
    return x, k, _check_stride(stride), _check_padding(padding)


def _check_step(step, last):
    """Return ``step`` as an int if 0 <= step <= last, else raise ValueError."""
    if not _is_int(step) or not 0 <= step <= last:
        raise ValueError(f"step must be an integer between 0 and {last} (one per input "
                         f"pixel, row-major), got {step!r}")
    return int(step)


# --------------------------------------------------------------------------
# arithmetic (private: the graded exercises live elsewhere)
# --------------------------------------------------------------------------


def _axis_sizes(n, f, s, padding):
    """Along one axis (n pixels, kernel f, stride s): the full canvas, Keras's output,
    cells cropped before / after and zeros Keras adds after."""
    full = (n - 1) * s + f
    keras = n * s + max(f - s, 0) if padding == "valid" else n * s
    excess = full - keras  # > 0: cropped; < 0: zeros added (kernel < stride)
    before = max(excess, 0) // 2
    after = max(excess, 0) - before
    return full, keras, before, after, max(-excess, 0)


class _Transposed:
    """The stamps of ``x`` with kernel ``k`` at ``stride``, and what Keras keeps of them."""

    def __init__(self, x, k, stride, padding):
        self.x, self.k, self.stride, self.padding = x, k, stride, padding
        rows, cols = (_axis_sizes(n, f, stride, padding) for n, f in zip(x.shape, k.shape))
        self.full_shape = (rows[0], cols[0])
        self.keras_shape = (rows[1], cols[1])
        self.crop = (rows[2], rows[3], cols[2], cols[3])  # (top, bottom, left, right)
        self.extra = (rows[4], cols[4])  # zero rows (bottom), columns (right) Keras adds
        self.padded_shape = (rows[0] + rows[4], cols[0] + cols[4])
        self.full, self.counts = self.stamps(self.n_steps)
        self.final_output = self.to_keras(self.full)

    def stamps(self, n):
        """The canvas and the stamps per cell after the first ``n`` stamps (a scatter-add)."""
        canvas = np.zeros(self.full_shape)
        counts = np.zeros(self.full_shape, dtype=np.int64)
        for step in range(n):
            rows, cols = self.stamp_slices(step)
            canvas[rows, cols] += self.x.flat[step] * self.k
            counts[rows, cols] += 1
        return canvas, counts

    @property
    def n_steps(self):
        """One step per input pixel."""
        return self.x.size

    def pixel(self, step):
        """(row, col) of the input pixel of ``step`` (row-major)."""
        return divmod(step, self.x.shape[1])

    def corner(self, step):
        """Top-left cell (row, col) of the stamp of ``step`` on the canvas."""
        row, col = self.pixel(step)
        return row * self.stride, col * self.stride

    def stamp_slices(self, step):
        """The canvas rows and columns the stamp of ``step`` covers."""
        top, left = self.corner(step)
        return slice(top, top + self.k.shape[0]), slice(left, left + self.k.shape[1])

    def pad(self, canvas):
        """``canvas`` with the zero rows / columns Keras adds (kernel < stride)."""
        return np.pad(canvas, ((0, self.extra[0]), (0, self.extra[1])))

    def to_keras(self, canvas):
        """What Keras returns for ``canvas``: cropped for 'same', zero-padded if kernel < stride."""
        top, _bottom, left, _right = self.crop
        height, width = self.keras_shape
        return self.pad(canvas)[top:top + height, left:left + width]

    def state(self, step):
        """Return the _Step of ``step``."""
        row, col = self.pixel(step)
        value = float(self.x[row, col])
        canvas, counts = self.stamps(step + 1)
        rows, cols = self.stamp_slices(step)
        before = counts.copy()
        before[rows, cols] -= 1  # the counts before this stamp
        overlap = [(r, c) for r in range(rows.start, rows.stop)
                   for c in range(cols.start, cols.stop) if before[r, c] > 0]
        return _Step(step=step, row=row, col=col, value=value, corner=(rows.start, cols.start),
                     stamp=value * self.k, canvas=canvas, covered=counts > 0,
                     output=self.to_keras(canvas), overlap=overlap,
                     formula=_formula(self, row, col, value, overlap, canvas))


@dataclass
class _Step:
    """Everything one step shows."""

    step: int
    row: int  # the input pixel
    col: int
    value: float  # x[row, col]
    corner: tuple  # top-left cell of the stamp on the canvas: (row·s, col·s)
    stamp: np.ndarray  # value·k
    canvas: np.ndarray  # the full canvas after this stamp (0 where no stamp has been)
    covered: np.ndarray  # canvas cells some stamp up to this one reached
    output: np.ndarray  # what Keras returns of the canvas so far
    overlap: list  # canvas cells of this stamp that earlier stamps had reached
    formula: str  # the step's line of text


# --------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------


def _fmt(value):
    """Short, exact-looking text for a number: 7 not 7.0, 2.5, 0.3333."""
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
    digits = 1 if abs(value) >= 10 else 2
    text = np.format_float_positional(value, precision=digits, trim="-")
    return f"{value:.{digits}f}" if float(text) == 0 else text  # -0.00, not -0


def _factor(value):
    """A factor, negative ones in parentheses: (-2)·k."""
    text = _fmt(value)
    return f"({text})" if text.startswith("-") else text


def _span(name, start, length):
    """'rows 0–2', or 'row 3' for one row."""
    if length == 1:
        return f"{name} {start}"
    return f"{name}s {start}–{start + length - 1}"


def _plural(count, word):
    """'1 row', '2 rows'."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _formula(tc, row, col, value, overlap, canvas):
    """The step's line, e.g. 'pixel (0, 1) = 2 stamps 2·k at rows 0–2, cols 2–4; ...'."""
    s = tc.stride
    (kh, kw), (top, left) = tc.k.shape, (row * s, col * s)
    where = f"{_span('row', top, kh)}, {_span('col', left, kw)}"
    line = (f"pixel ({row}, {col}) = {_fmt(value)} stamps {_factor(value)}·k at {where} "
            f"(corner ({row}·{s}, {col}·{s}) = ({top}, {left})); cells where stamps overlap "
            f"add up")
    if row == col == 0:
        return line + " (this is the first stamp)"
    if not overlap:
        return line + " (no earlier stamp reaches these cells)"
    named = ", ".join(f"({r}, {c}) = {_fmt(canvas[r, c])}" for r, c in overlap[:MAX_TERMS])
    more = f", … ({len(overlap) - MAX_TERMS} more)" if len(overlap) > MAX_TERMS else ""
    return (line + f": {_plural(len(overlap), 'cell')} already held earlier stamps, now "
            f"{named}{more}")


def _size_lines(tc):
    """The sizes: the full canvas, what Keras returns and why."""
    (n_h, n_w), (kh, kw), s = tc.x.shape, tc.k.shape, tc.stride
    full_h, full_w = tc.full_shape
    out_h, out_w = tc.keras_shape
    full = (f"full canvas ((H − 1)·s + kh, (W − 1)·s + kw) = (({n_h} − 1)·{s} + {kh}, "
            f"({n_w} − 1)·{s} + {kw}) = ({full_h}, {full_w})")
    if tc.padding == "valid":
        keras = (f"Keras 'valid': (H·s + max(kh − s, 0), W·s + max(kw − s, 0)) = "
                 f"({n_h}·{s} + {max(kh - s, 0)}, {n_w}·{s} + {max(kw - s, 0)}) = "
                 f"({out_h}, {out_w})")
    else:
        keras = f"Keras 'same': (H·s, W·s) = ({n_h}·{s}, {n_w}·{s}) = ({out_h}, {out_w})"
    notes = []
    if any(tc.crop):
        top, bottom, left, right = tc.crop
        notes.append(f"the canvas cropped by (top, bottom, left, right) = ({top}, {bottom}, "
                     f"{left}, {right}), floor((k − s) / 2) at the top / left and the rest "
                     f"at the bottom / right (veiled)")
    extra_h, extra_w = tc.extra
    if extra_h or extra_w:
        parts = [_plural(n, word) for n, word in ((extra_h, "row"), (extra_w, "column")) if n]
        notes.append(f"kernel < stride, so Keras adds {' and '.join(parts)} of zeros at the "
                     f"bottom / right (pale blue)")
    if not notes:
        notes.append("the whole canvas")
    return [full, f"{keras}: {'; '.join(notes)}"]


def _coverage_lines(tc):
    """Why the stamps overlap (or leave gaps), per axis, and the counts' range."""
    lines = []
    for axis, (name, word) in enumerate((("rows", "row"), ("cols", "column"))):
        n, f, s = tc.x.shape[axis], tc.k.shape[axis], tc.stride
        if n == 1:
            lines.append(f"{name}: one pixel, one stamp: the stride plays no part")
        elif s < f:
            lines.append(f"{name}: stride {s} < kernel {f}: neighbouring stamps overlap by "
                         f"{_plural(f - s, word)}, a {word} gets up to "
                         f"{min(n, -(-f // s))} stamps")
        elif s == f:
            lines.append(f"{name}: stride {s} = kernel {f}: the stamps tile, no overlap")
        else:
            lines.append(f"{name}: stride {s} > kernel {f}: {_plural(s - f, word)} of zeros "
                         f"between stamps")
    low, high = int(tc.counts.min()), int(tc.counts.max())
    if low == high:
        lines.append(f"every canvas cell gets exactly {_plural(low, 'stamp')}: even coverage, "
                     f"no checkerboard")
    else:
        counts = ", ".join(str(int(c)) for c in np.unique(tc.counts))
        gaps = (" and cells no stamp reaches stay 0 (a grid of gaps)" if low == 0 else "")
        lines.append(f"stamps per canvas cell: {counts} (panel 'stamps per cell'): uneven "
                     f"coverage is where checkerboard artefacts come from{gaps}")
    return lines


def _text_lines(tc, state):
    """The text under the picture: the step, the sizes, the overlaps."""
    return [state.formula, *_size_lines(tc), *_coverage_lines(tc)]


def _wrap(lines, width_inches):
    """Wrap long lines to the figure's width (continuations indented)."""
    chars = int((width_inches - 2 * MARGIN) / CHAR)
    wrapped = []
    for line in lines:
        wrapped += textwrap.wrap(line, width=chars, subsequent_indent="    ") or [""]
    return wrapped


def _crop_legend(tc):
    """'cropped: top 0, bottom 1, left 0, right 1' (+ the zeros Keras adds)."""
    top, bottom, left, right = tc.crop
    parts = []
    if any(tc.crop):
        parts.append(f"cropped: top {top}, bottom {bottom}, left {left}, right {right}")
    extra_h, extra_w = tc.extra
    if extra_h or extra_w:
        added = [_plural(n, word) for n, word in ((extra_h, "row"), (extra_w, "col")) if n]
        parts.append(f"+ zeros: {', '.join(added)}")
    if not parts:
        return "the whole canvas, nothing cropped"
    return "; ".join(parts)


# --------------------------------------------------------------------------
# drawing: the figure is built once per setting, then each step updates
# its artists
# --------------------------------------------------------------------------


class _Panel:
    """One array: its axes, coloured cells, cell borders, (large cells) values and marks."""

    def __init__(self, ax, shape, cell, font_size, cmap=SIGNED_CMAP):
        self.ax, self.shape = ax, shape
        self.thin = min(1.0, max(0.6, cell / 0.3))  # thinner outlines in small cells
        height, width = shape
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(NOT_YET)  # NaN cells show the background
        self.image = ax.imshow(np.zeros(shape), cmap=cmap, vmin=-1, vmax=1,
                               interpolation="nearest", zorder=0)
        ax.set_xlim(-0.5, width - 0.5)
        ax.set_ylim(height - 0.5, -0.5)
        self.borders = []
        if max(shape) <= GRID_MAX:
            self.borders = [
                ax.vlines(np.arange(0.5, width - 1), -0.5, height - 0.5, color="0.7",
                          linewidth=0.8, zorder=2),
                ax.hlines(np.arange(0.5, height - 1), -0.5, width - 0.5, color="0.7",
                          linewidth=0.8, zorder=2)]
        self.numbers = None  # the values, in cells large enough to hold them
        if cell >= ANNOTATE_CELL:
            self.numbers = _Numbers(ax, font_size)
        self.strings = [""] * (height * width)  # what is written in each cell, row-major
        self.overlays = []  # veils and hatching, above the cells, under the borders
        self.marks = []  # outlines, on top

    def artists(self):
        """Everything drawn in this panel, in drawing (z) order."""
        numbers = [] if self.numbers is None else [self.numbers.collection]
        return [self.image, *self.overlays, *self.borders, *self.ax.spines.values(),
                *numbers, *self.marks]

    def show(self, values, limit=None, quiet=None):
        """Colour the cells by ``values`` (NaN: blank) and write them; ``limit``: the
        colour scale's |value| at full colour; ``quiet`` cells (a mask) in grey."""
        if limit is None:
            finite = np.abs(values[np.isfinite(values)])
            limit = finite.max() if finite.size else 1.0
        limit = (limit if limit > 0 else 1.0) / PALE
        self.image.set_data(np.ma.masked_invalid(values))
        self.image.set_clim(-limit, limit)
        quiet = np.zeros(self.shape, dtype=bool) if quiet is None else quiet
        self._write([_cell_text(v) if np.isfinite(v) else "" for v in values.ravel()],
                    quiet.ravel())

    def show_counts(self, counts):
        """Colour and write stamp counts (0 = white)."""
        self.image.set_data(counts)
        self.image.set_clim(0, max(int(counts.max()), 2) / COUNT_PALE)
        self._write([str(int(c)) for c in counts.ravel()], counts.ravel() == 0)

    def _write(self, strings, quiet):
        """Write ``strings`` (row-major, "" for none) in the cells, ``quiet`` ones in grey."""
        self.strings = strings
        if self.numbers is not None:
            self.numbers.write(self.shape, strings, quiet)

    def mark(self, height, width, colour=RED, linewidth=2.5, dashed=False, zorder=5):
        """An outline of ``height`` × ``width`` cells; move it with _move."""
        rectangle = Rectangle((-0.5, -0.5), width, height, fill=False, edgecolor=colour,
                              linewidth=linewidth * self.thin,
                              linestyle=(0, (4, 2)) if dashed else "-", clip_on=False,
                              zorder=zorder)
        self.marks.append(self.ax.add_patch(rectangle))
        return rectangle

    def veil(self, mask, rgba, hatch=None, edge=None):
        """Cover the cells of ``mask`` with a colour ``rgba`` (and a hatch pattern)."""
        if not mask.any():
            return
        layer = np.zeros((*mask.shape, 4))
        layer[mask] = rgba
        self.overlays.append(self.ax.imshow(layer, zorder=1, interpolation="nearest"))
        if hatch is None:
            return
        cells = [Rectangle((col - 0.5, row - 0.5), 1, 1) for row, col in zip(*np.nonzero(mask))]
        self.overlays.append(self.ax.add_collection(PatchCollection(
            cells, facecolor="none", edgecolor=edge, linewidth=0, hatch=hatch, zorder=1.1)))

    def title(self, text):
        """Set the two-line title at a fixed place (matplotlib then skips re-placing it)."""
        self.ax.set_title(text, fontsize=9.5, y=1.0, pad=4)


class _Numbers:
    """The numbers written in a panel's cells, drawn as one collection of glyph outlines.

    A matplotlib Text per cell costs about half a millisecond to draw, too
    much for a few hundred cells at every step; the outlines of each string
    are made once (TextPath, cached) and all of a panel's numbers are drawn
    in one call, some forty times faster, and look the same as text.  The
    collection's ``strings`` attribute holds what is written, row-major.
    """

    _paths = {}  # (string, font size) -> its outline, centred on (0, 0), in points

    def __init__(self, ax, font_size):
        self.font = FontProperties(size=font_size)
        self.size = font_size
        digit = TextPath((0, 0), "0", prop=self.font).vertices[:, 1]
        self.middle = (digit.min() + digit.max()) / 2  # every number sits on one baseline
        # points -> pixels: the paths keep their size in points at any dpi
        self.collection = PathCollection([], offsets=np.zeros((0, 2)),
                                         offset_transform=ax.transData,
                                         transform=Affine2D().scale(1 / 72)
                                         + ax.figure.dpi_scale_trans,
                                         edgecolors="none", zorder=3, label="cell values")
        self.collection.strings = []
        ax.add_collection(self.collection, autolim=False)

    def _path(self, string):
        """The outline of ``string``, centred horizontally on its ink and vertically on a digit."""
        key = (string, self.size)
        if key not in self._paths:
            if len(self._paths) > PATH_CACHE:
                self._paths.clear()
            path = TextPath((0, 0), string, prop=self.font)
            xs = path.vertices[:, 0]
            shift = ((xs.min() + xs.max()) / 2, self.middle)
            self._paths[key] = Path(path.vertices - shift, path.codes)
        return self._paths[key]

    def write(self, shape, strings, quiet):
        """Write ``strings`` (row-major, "" for none) in the cells; ``quiet`` ones in grey."""
        cells = [(i, string) for i, string in enumerate(strings) if string]
        width = shape[1]
        self.collection.set_paths([self._path(string) for _, string in cells])
        self.collection.set_offsets(np.array([(i % width, i // width) for i, _ in cells],
                                             dtype=float).reshape(-1, 2))
        self.collection.set_facecolor([QUIET if quiet[i] else "black" for i, _ in cells])
        self.collection.strings = list(strings)


def _move(rectangle, row, col, height=None, width=None):
    """Put ``rectangle``'s top-left corner on cell (row, col) (and resize it)."""
    rectangle.set_xy((col - 0.5, row - 0.5))
    if height is not None:
        rectangle.set_height(height)
        rectangle.set_width(width)


def _cell(shapes, max_height, max_width):
    """The cell size (inches) that fits every array of ``shapes`` in the given box."""
    return min(MAX_CELL, max_height / max(h for h, _ in shapes),
               max_width / max(w for _, w in shapes))


def _layout(rows, n_lines):
    """Figure size, the cell size of each array and one axes box (figure fractions) each.

    ``rows``: two rows of array shapes (input, kernel, stamp; canvas, output,
    counts).  In the top row each array gets the largest cells that fit (the
    kernel and the stamp have the same shape); the bottom row's arrays share
    one cell size, so the output and the counts line up with the canvas.
    Each row is centred and its panels are top-aligned under their titles.
    """
    top, bottom = rows
    cells = [[_cell([shape], TOP_HEIGHT, TOP_WIDTH) for shape in top],
             [_cell(bottom, BOTTOM_HEIGHT, BOTTOM_WIDTH)] * len(bottom)]
    slots = [[max(SLOT, shape[1] * cell + SLOT_PAD) for shape, cell in zip(row, row_cells)]
             for row, row_cells in zip(rows, cells)]
    width = max(MIN_WIDTH, *(sum(row) + 2 * MARGIN for row in slots))
    row_heights = [TITLE + max(shape[0] * cell for shape, cell in zip(row, row_cells))
                   for row, row_cells in zip(rows, cells)]
    text = LINE * n_lines + 0.15 if n_lines else 0.0
    height = 2 * MARGIN + HEADER + sum(row_heights) + ROW_GAP * (len(rows) - 1) + text
    boxes, y_top = [], height - MARGIN - HEADER
    for row, row_slots, row_cells, row_height in zip(rows, slots, cells, row_heights):
        left = (width - sum(row_slots)) / 2
        row_boxes = []
        for shape, slot, cell in zip(row, row_slots, row_cells):
            w, h = shape[1] * cell, shape[0] * cell
            x0, y0 = left + (slot - w) / 2, y_top - TITLE - h
            row_boxes.append((x0 / width, y0 / height, w / width, h / height))
            left += slot
        boxes.append(row_boxes)
        y_top -= row_height + ROW_GAP
    return width, height, cells, boxes


def _font_size(cell):
    """Numbers in cells: 11 pt in 0.5-inch cells, smaller in smaller ones, never below 6."""
    return float(min(11.0, max(6.0, cell * 72 / 3.2)))


def _suptitle(tc):
    """The figure's title: the rule and the settings."""
    s = tc.stride
    return (f"transposed convolution, stride {s}, padding '{tc.padding}': x[i, j] stamps "
            f"x[i, j]·k at (i·{s}, j·{s}), overlaps add up")


class _Picture:
    """Input, kernel, stamp / canvas, Keras output, counts: drawn once per setting;
    ``show(state)`` updates them for one step.

    live=False (the static figure): ``lines`` of text go under the panels.
    live=True (the widget): no text (the widget writes it under the image)
    and ``png()`` redraws only what a step changes over a saved background
    (matplotlib's "blitting").  A new stride or padding needs a new _Picture.
    """

    def __init__(self, tc, lines=(), live=True):
        self.tc = tc
        x, k = tc.x.shape, tc.k.shape
        rows = [[x, k, k], [tc.padded_shape, tc.keras_shape, tc.full_shape]]
        width = _layout(rows, 0)[0]
        wrapped = _wrap(lines, width) if lines else []
        width, height, cells, boxes = _layout(rows, len(wrapped))
        self.fig = new_figure(width, height)
        panels = [[_Panel(self.fig.add_axes(box), shape, cell, _font_size(cell),
                          COUNT_CMAP if (r, c) == (1, 2) else SIGNED_CMAP)
                   for c, (shape, box, cell) in enumerate(zip(row, row_boxes, row_cells))]
                  for r, (row, row_boxes, row_cells) in enumerate(zip(rows, boxes, cells))]
        (self.x, self.k, self.stamp), (self.canvas, self.out, self.counts) = panels
        self.x.show(tc.x)
        self.k.show(tc.k)
        self.counts.show_counts(tc.counts)
        self.limits = {"stamp": float(np.abs(tc.x).max() * np.abs(tc.k).max()),
                       "canvas": float(np.abs(tc.full).max())}
        self._static_marks(tc)
        self.pixel_box = self.x.mark(1, 1)
        self.canvas_box = self.canvas.mark(*k)
        self.count_box = self.counts.mark(*k)
        self.out_box = self.out.mark(*k)
        (kh, kw), s = k, tc.stride
        self.k.title(f"kernel k {kh}×{kw}\n(stamped as it is, not flipped)")
        low, high = int(tc.counts.min()), int(tc.counts.max())
        self.counts.title("stamps per cell (all stamps)\n"
                          + (f"even: {low} everywhere" if low == high else
                             f"{low} to {high}: 0 = a gap no stamp reaches" if low == 0 else
                             f"{low} to {high}: uneven → checkerboard"))
        self.keeps = ("dashed: what Keras keeps" if any(tc.crop) or any(tc.extra) else
                      "Keras keeps all of it")
        name = "the whole canvas" if not any(tc.crop) and not any(tc.extra) else _crop_legend(tc)
        self.out.title(f"Keras '{tc.padding}' output {tc.keras_shape[0]}×{tc.keras_shape[1]}\n"
                       f"{name}")
        self.fig.suptitle(_suptitle(tc), fontsize=12, y=1 - MARGIN / height, va="top")
        if wrapped:
            self.fig.text(MARGIN / width, MARGIN / height, "\n".join(wrapped), ha="left",
                          va="bottom", family="monospace", fontsize=9)
        self.canvas_agg = FigureCanvasAgg(self.fig) if live else None
        self.background = None  # the saved pixels under the step artists
        for artist in self.step_artists() if live else []:
            artist.set_animated(True)

    def _static_marks(self, tc):
        """What Keras keeps (dashed), crops (veiled, hatched) and adds (pale blue)."""
        top, _bottom, left, _right = tc.crop
        out_h, out_w = tc.keras_shape
        full_h, full_w = tc.full_shape
        kept = np.zeros(tc.padded_shape, dtype=bool)
        kept[top:top + out_h, left:left + out_w] = True
        added = np.zeros(tc.padded_shape, dtype=bool)
        added[full_h:, :] = added[:, full_w:] = True
        self.canvas.veil(~kept, (1.0, 1.0, 1.0, 0.7), "///", "0.6")
        self.canvas.veil(added, ADDED)
        added_out = added[top:top + out_h, left:left + out_w]
        self.out.veil(added_out, ADDED)
        kept_full = kept[:full_h, :full_w]
        self.counts.veil(~kept_full, (1.0, 1.0, 1.0, 0.7), "///", "0.6")
        if any(tc.crop) or any(tc.extra):  # else Keras keeps the canvas as it is
            crop = self.canvas.mark(out_h, out_w, colour=CROP, linewidth=2.2, dashed=True,
                                    zorder=4)
            _move(crop, top, left)
            crop = self.counts.mark(min(out_h, full_h - top), min(out_w, full_w - left),
                                    colour=CROP, linewidth=2.2, dashed=True, zorder=4)
            _move(crop, top, left)
        self.added = added

    def step_artists(self):
        """The artists a step changes, in drawing order: the input and kernel, the
        counts and the suptitle change only with the setting."""
        return [self.pixel_box, self.x.ax.title, *self.stamp.artists(), self.stamp.ax.title,
                *self.canvas.artists(), self.canvas.ax.title, *self.out.artists(),
                self.count_box]

    def show(self, state):
        """Update every artist for one step."""
        tc = self.tc
        (kh, kw), (n_h, n_w) = tc.k.shape, tc.x.shape
        top, left = state.corner
        _move(self.pixel_box, state.row, state.col)
        _move(self.canvas_box, top, left)
        _move(self.count_box, top, left)
        self.stamp.show(state.stamp, self.limits["stamp"])
        # canvas: running sums where a stamp has been, blank where one will come,
        # grey 0 where none ever comes (gaps, Keras's added zeros)
        shown = np.where(state.covered, state.canvas, np.nan)
        never = tc.counts == 0
        shown[never] = 0.0
        padded = tc.pad(shown)
        padded[self.added] = 0.0
        quiet = tc.pad(never) | self.added
        self.canvas.show(padded, self.limits["canvas"], quiet)
        c_top, _bottom, c_left, _right = tc.crop
        out_h, out_w = tc.keras_shape
        window = (slice(c_top, c_top + out_h), slice(c_left, c_left + out_w))
        self.out.show(padded[window], self.limits["canvas"], quiet[window])
        # the stamp's part inside what Keras keeps
        r0, r1 = max(top, c_top), min(top + kh, c_top + out_h)
        q0, q1 = max(left, c_left), min(left + kw, c_left + out_w)
        self.out_box.set_visible(r1 > r0 and q1 > q0)
        _move(self.out_box, r0 - c_top, q0 - c_left, max(r1 - r0, 0), max(q1 - q0, 0))
        self.x.title(f"input x {n_h}×{n_w}\npixel ({state.row}, {state.col}) = "
                     f"{_fmt(state.value)}")
        self.stamp.title(f"stamp {_factor(state.value)}·k\nto {_span('row', top, kh)}, "
                         f"{_span('col', left, kw)}")
        full_h, full_w = tc.full_shape
        self.canvas.title(f"full canvas {full_h}×{full_w}, step {state.step + 1} of "
                          f"{tc.n_steps}\nred: this stamp; {self.keeps}")

    def png(self):
        """The live picture as PNG bytes: saved background + the step artists."""
        png, self.background = blit_png(self.canvas_agg, self.background, self.step_artists())
        return png


def _static_figure(tc, step):
    """The static picture of ``step``, with the text lines under the panels."""
    state = tc.state(step)
    picture = _Picture(tc, _text_lines(tc, state), live=False)
    picture.show(state)
    return picture.fig


def static_transposed_figure(x=None, k=None, stride=DEFAULT_STRIDE, padding="valid", step=None):
    """Return a matplotlib Figure of one step of the transposed convolution of ``x`` with ``k``.

    x, k : 2-D arrays (one channel) of finite real numbers, any dtype; None
        gives the classic example, x = [[1, 2], [3, 4]] and a 3×3 kernel of
        ones.
    stride : a positive integer (rows and columns).
    padding : 'valid' or 'same', as in Keras's Conv2DTranspose.
    step : index of the input pixel (row-major, 0-based); None means the
        last one, so every stamp is on the canvas.

    Returns the Figure: input, kernel, stamp, full canvas, Keras's output and
    the stamps per cell, with the step, the sizes and the overlaps written
    underneath.  Raises ValueError for invalid settings or a step out of range.
    """
    x, k, stride, padding = _check_settings(x, k, stride, padding)
    tc = _Transposed(x, k, stride, padding)
    last = tc.n_steps - 1
    step = last if step is None else _check_step(step, last)
    return _static_figure(tc, step)


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------


class TransposedExplorer(StepperMixin, ExplorerBox):
    """Transposed-convolution stamper; build it with ``explore_transposed(x, k, stride, padding)``.

    Controls: ``prev_button``, ``next_button``, ``slider`` (the step: one
    input pixel, row-major) with ``play`` linked to it, ``stride_slider``
    (1 ... 4) and ``padding_buttons`` ('valid' / 'same').

    State for inspection (updated at every change): ``step``, ``stride``,
    ``padding``, ``pixel`` ((row, col) of the current input pixel),
    ``stamp`` (x[pixel]·k), ``canvas`` (the full canvas after the current
    stamp, 0 where no stamp has been), ``full`` (after every stamp; what
    PyTorch's conv_transpose2d returns), ``output`` (what Keras returns of
    the canvas so far: ``full`` for 'valid', with zero rows / columns added
    when the kernel is smaller than the stride; cropped for 'same'),
    ``final_output`` (``output`` after every stamp), ``crop`` ((top,
    bottom, left, right) cells cropped from the full canvas), ``extra``
    ((rows, cols) of zeros Keras adds at the bottom / right), ``counts``
    (stamps per cell of the full canvas), ``formula`` (the step's line of
    text), ``lines`` (all the text, shown once, under the picture),
    ``n_steps``, ``full_shape`` and ``output_shape``.  ``x`` and ``k`` are
    the inputs as float64, ``image`` the Image widget, ``text`` the HTML
    widget, ``figure`` the live matplotlib Figure (drawn once per setting,
    updated per step) and ``picture`` its artists.
    """

    summary = "explore_transposed"
    PLAY_SLOWEST = 800  # ms between Play steps for a few pixels (the default is 600)

    def __init__(self, x=None, k=None, stride=DEFAULT_STRIDE, padding="valid"):
        x, k, stride, padding = _check_settings(x, k, stride, padding)
        self.x, self.k = x, k
        self._pictures = {}  # (stride, padding) -> _Picture: going back to a setting is quick
        self._use_setting(stride, padding)
        last = self.tc.n_steps - 1
        step_controls = self._make_step_controls(last, description="pixel", auto_width=True)
        self.stride_slider = widgets.IntSlider(value=stride, min=1,
                                               max=max(STRIDE_MAX, stride),
                                               description="stride", continuous_update=False,
                                               layout=widgets.Layout(width="250px"))
        self.padding_buttons = widgets.ToggleButtons(options=list(PADDINGS), value=padding,
                                                     style={"button_width": "60px"})
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.text = widgets.HTML()
        row = widgets.Layout(align_items="center", flex_flow="row wrap")
        steps = widgets.HBox(step_controls, layout=row)
        settings = widgets.HBox([self.stride_slider, widgets.Label("padding"),
                                 self.padding_buttons], layout=row)
        super().__init__(children=[steps, settings, self.image, self.text])
        self._updating = False  # True while a setter changes several controls

        self.slider.observe(self._on_step, names="value")
        self.stride_slider.observe(self._on_settings, names="value")
        self.padding_buttons.observe(self._on_settings, names="value")
        self._refresh()

    # -- settings ----------------------------------------------------------

    @property
    def step(self):
        """Index of the current input pixel (0-based, row-major)."""
        return self.slider.value

    @step.setter
    def step(self, value):
        self.slider.value = _check_step(value, self.n_steps - 1)

    @property
    def stride(self):
        """The stride (rows and columns), from the slider."""
        return self.stride_slider.value

    @stride.setter
    def stride(self, value):
        value = _check_stride(value)
        self._updating = True
        self.stride_slider.max = max(self.stride_slider.max, value)
        self._updating = False
        self.stride_slider.value = value

    @property
    def padding(self):
        """'valid' or 'same'."""
        return self.padding_buttons.value

    @padding.setter
    def padding(self, value):
        self.padding_buttons.value = _check_padding(value)

    @property
    def n_steps(self):
        """One step per input pixel."""
        return self.tc.n_steps

    @property
    def full_shape(self):
        """(height, width) of the full canvas."""
        return self.tc.full_shape

    @property
    def output_shape(self):
        """(height, width) of what Keras returns."""
        return self.tc.keras_shape

    # -- events ------------------------------------------------------------

    def _on_step(self, _change):
        self._refresh()

    def _on_settings(self, _change):
        """New stride or padding: stamp again and redraw; the step (an input pixel) stays."""
        if self._updating:
            return
        self._use_setting(self.stride, self.padding)
        self._refresh()

    def _use_setting(self, stride, padding):
        """Make ``tc``, ``picture`` and ``figure`` those of (stride, padding); the pictures
        of the last PICTURES_KEPT settings are kept (about 5 MB each), so toggling
        'valid' / 'same' does not draw them again."""
        key = (stride, padding)
        picture = self._pictures.pop(key, None)
        if picture is None:
            picture = _Picture(_Transposed(self.x, self.k, stride, padding), live=True)
        self._pictures[key] = picture  # the most recently used last
        while len(self._pictures) > PICTURES_KEPT:
            del self._pictures[next(iter(self._pictures))]
        self.picture = picture
        self.tc, self.figure = self.picture.tc, self.picture.fig

    def _refresh(self):
        """Recompute the state for the current step and update the picture."""
        tc = self.tc
        state = tc.state(self.step)
        self.state = state
        self.pixel, self.stamp = (state.row, state.col), state.stamp
        self.canvas, self.output = state.canvas, state.output
        self.full, self.final_output = tc.full, tc.final_output
        self.crop, self.extra, self.counts = tc.crop, tc.extra, tc.counts
        self.formula = state.formula
        self.lines = _text_lines(tc, state)
        self._update_step_buttons()
        self.picture.show(state)
        self.image.value = self.picture.png()
        self.text.value = html_pre(self.lines)

    def static_figure(self):
        """Fallback snapshot: every stamp added, for the current settings."""
        return _static_figure(self.tc, self.tc.n_steps - 1)


def explore_transposed(x=None, k=None, stride=DEFAULT_STRIDE, padding="valid"):
    """Return a widget that adds the stamps of a transposed convolution one pixel at a time.

    x, k : 2-D arrays (one channel) of finite real numbers, any dtype
        (computed in float64); None gives the classic example, x =
        [[1, 2], [3, 4]] and a 3×3 kernel of ones, whose stamps overlap on a
        cross at stride 2.
    stride : a positive integer (rows and columns); the slider goes 1 ... 4.
    padding : 'valid' or 'same', as in Keras's Conv2DTranspose.

    Every input pixel x[i, j] stamps x[i, j]·k into the output with its
    corner at (i·stride, j·stride); overlapping stamps add up.  Previous /
    Next buttons, a slider and a Play button go through the pixels; a slider
    sets the stride and buttons the padding.  Put the call last in a cell to
    display it; without a widget front-end the cell shows a static figure
    with every stamp added instead.

    Returns a TransposedExplorer (an ipywidgets VBox).
    Raises ValueError unless x and k are 2-D and finite, stride is a
    positive integer and padding is 'valid' or 'same'.
    """
    return TransposedExplorer(x, k, stride=stride, padding=padding)
