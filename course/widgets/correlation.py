"""Step through a 2-D cross-correlation (chapter 02).

``explore_correlation(x, k)`` slides the kernel ``k`` over the image ``x``
(valid mode, stride 1) one window at a time.  For the current window it
shows the window on the input, the kernel, the element-wise products, their
sum written out, and the feature map filled in up to the current step.  A
toggle flips the kernel, which turns cross-correlation into true
convolution.

Inputs are converted to float64 first, so uint8 images (MNIST) are
multiplied without wrapping around; whole numbers are still written as
integers.  The picture is drawn once; a step only moves the window and
rewrites the values, which keeps Play usable on a 28 x 28 digit.

``static_correlation_figure(x, k)`` draws the same picture, with the sum
written underneath, as a plain matplotlib Figure; it is the static fallback
when no widget front-end runs.
"""

import textwrap
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Rectangle

from ._display import ExplorerBox, blit_png, html_pre, new_figure
from ._inputs import real_matrix
from ._stepper import StepperMixin

ANNOTATE_MAX = 12  # write values in cells only for arrays up to 12 x 12
MAX_TERMS = 25  # write out at most this many products in the sum
WRAP = 130  # characters per line of the sum written under the static figure

# figure layout, in inches
WIDTH = 13.0
HEADER = 0.7  # the suptitle and the panel titles
PANELS = 2.95  # the four panels
MARGIN = 0.12  # below the panels
LINE = 0.17  # one line of the written-out sum


# --------------------------------------------------------------------------
# input checks and arithmetic (private: the graded exercises live elsewhere)
# --------------------------------------------------------------------------


def _as_matrix(a, name):
    """Return ``a`` as a non-empty 2-D float64 array, or raise ValueError.

    float64 holds every uint8/int product and sum exactly, so nothing wraps
    around (uint8 arithmetic would give 200·3 = 88).
    """
    return real_matrix(a, name)


def _check_inputs(x, k):
    """Validate image and kernel; return them as 2-D float64 arrays."""
    x = _as_matrix(x, "x (the input image)")
    k = _as_matrix(k, "k (the kernel)")
    if k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]:
        raise ValueError(
            f"the kernel must fit inside the input (valid mode): kernel shape "
            f"{k.shape} is larger than input shape {x.shape}"
        )
    return x, k


def _output_shape(x, k):
    """Shape of the valid, stride-1 feature map."""
    return x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1


def _window_position(step, out_width):
    """Top-left (row, col) of the window at ``step`` (row-major order)."""
    return step // out_width, step % out_width


def _window(x, k, step):
    """The patch of ``x`` under the kernel at ``step``."""
    row, col = _window_position(step, _output_shape(x, k)[1])
    return x[row:row + k.shape[0], col:col + k.shape[1]]


def _kernel_used(k, flip):
    """The kernel as applied: flipped in both directions for true convolution."""
    return k[::-1, ::-1] if flip else k


def _full_feature_map(x, k, flip):
    """The whole feature map, one window at a time (float64)."""
    kernel = _kernel_used(k, flip)
    out = np.zeros(_output_shape(x, k))
    for step in range(out.size):
        row, col = _window_position(step, out.shape[1])
        out[row, col] = np.sum(_window(x, k, step) * kernel)
    return out


def _partial_map(full_map, step):
    """``full_map`` filled up to ``step`` (row-major); NaN after it."""
    out = full_map.copy()
    out.flat[step + 1:] = np.nan
    return out


def _fmt(value):
    """Short text for a number: 3 not 3.0, 0.25 not 0.25000001."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.3g}"


def _cell_text(value):
    """Shorter text for a number written inside a cell: 2 decimals at most."""
    if float(value).is_integer() or abs(value) >= 100:
        return _fmt(value)
    return f"{value:.2f}"


def _factor(value):
    """A factor in a product, negative ones in parentheses: 2·(-1)."""
    text = _fmt(value)
    return f"({text})" if text.startswith("-") else text


def _sum_formula(window, kernel):
    """Write the sum of products out, e.g. '1·0 + 2·1 + ... = 19'."""
    terms = [f"{_factor(a)}·{_factor(b)}" for a, b in zip(window.ravel(), kernel.ravel())]
    if len(terms) > MAX_TERMS:
        hidden = len(terms) - 10
        terms = terms[:8] + [f"… ({hidden} more terms) …"] + terms[-2:]
    return " + ".join(terms) + f" = {_fmt(np.sum(window * kernel))}"


def _last_step(x, k):
    """Index of the last window."""
    height, width = _output_shape(x, k)
    return height * width - 1


@dataclass
class _Step:
    """Everything one step shows."""

    step: int
    flip: bool
    row: int  # top-left of the window
    col: int
    kernel: np.ndarray  # as applied (flipped for true convolution)
    window: np.ndarray  # the patch of x under the kernel
    products: np.ndarray  # window * kernel
    formula: str  # the sum written out
    feature_map: np.ndarray  # filled up to this step, NaN after
    full_map: np.ndarray  # the finished feature map (sets the colour scale)


def _step_state(x, k, step, flip, full_map):
    """Return the _Step for window ``step``; ``full_map`` is _full_feature_map(x, k, flip)."""
    kernel = _kernel_used(k, flip)
    window = _window(x, k, step)
    row, col = _window_position(step, full_map.shape[1])
    return _Step(step=step, flip=flip, row=row, col=col, kernel=kernel, window=window,
                 products=window * kernel, formula=_sum_formula(window, kernel),
                 feature_map=_partial_map(full_map, step), full_map=full_map)


# --------------------------------------------------------------------------
# drawing: the figure is built once, then each step updates its artists
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
    """Thin grey lines between cells, no ticks; return the line collections.

    Two LineCollections (not a tick grid): a handful of artists is cheap to redraw.
    """
    height, width = shape
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    if max(shape) > 2 * ANNOTATE_MAX:
        return []
    return [ax.vlines(np.arange(0.5, width - 1), -0.5, height - 0.5, color="0.75", linewidth=0.8),
            ax.hlines(np.arange(0.5, height - 1), -0.5, width - 0.5, color="0.75", linewidth=0.8)]


def _font_size(shape):
    """Smaller numbers for bigger arrays."""
    if max(shape) <= 4:
        return 10
    if max(shape) <= 6:
        return 8
    return 6


def _new_panel(ax, shape, cmap):
    """Empty panel for an array of ``shape``: an image and one text per cell if small."""
    image = ax.imshow(np.zeros(shape), cmap=cmap, vmin=0, vmax=1)
    borders = _draw_cell_borders(ax, shape)
    texts = []
    if max(shape) <= ANNOTATE_MAX:
        size = _font_size(shape)
        texts = [ax.text(col, row, "", ha="center", va="center", fontsize=size)
                 for row, col in np.ndindex(*shape)]
    return _Panel(ax, image, borders, texts)


def _colour_range(values, vmin=None, vmax=None):
    """(vmin, vmax) for the finite values, never an empty range."""
    finite = values[np.isfinite(values)]
    if vmin is None:
        vmin = finite.min() if finite.size else 0.0
    if vmax is None:
        vmax = finite.max() if finite.size else 1.0
    if vmax == vmin:
        vmax = vmin + 1.0
    return float(vmin), float(vmax)


def _show_values(panel, values, vmin=None, vmax=None):
    """Colour ``panel`` by ``values`` (NaN: blank) and write them in small arrays."""
    vmin, vmax = _colour_range(values, vmin, vmax)
    panel.image.set_data(np.ma.masked_invalid(values))
    panel.image.set_clim(vmin, vmax)
    for text, value in zip(panel.texts, values.ravel()):
        if not np.isfinite(value):
            text.set_text("")
            continue
        dark = (value - vmin) / (vmax - vmin) > 0.6
        text.set_text(_cell_text(value))
        text.set_color("white" if dark else "black")


def _outline(ax, height, width):
    """A red rectangle of ``height`` x ``width`` cells; move it with _move."""
    return ax.add_patch(Rectangle((-0.5, -0.5), width, height, fill=False,
                                  edgecolor="red", linewidth=2.5, clip_on=False, zorder=3))


def _move(rectangle, row, col):
    """Put ``rectangle``'s top-left corner on cell (row, col)."""
    rectangle.set_xy((col - 0.5, row - 0.5))


def _fit_layout(fig, n_lines):
    """Size ``fig`` for the panels plus ``n_lines`` of text underneath; return its height."""
    bottom = MARGIN + (LINE * n_lines + 0.1 if n_lines else 0.0)
    height = HEADER + PANELS + bottom
    fig.set_size_inches(WIDTH, height)
    fig.subplots_adjust(left=0.02, right=0.98, top=1 - HEADER / height,
                        bottom=bottom / height, wspace=0.15)
    return height


def _title(ax, text):
    """Set a panel title at a fixed place (matplotlib then skips re-placing it per draw)."""
    ax.set_title(text, fontsize=10, y=1.0)


class _Picture:
    """The four panels, drawn once; ``show(state)`` updates them for one step.

    live=False (the static figure): the written-out sum goes under the panels.
    live=True (the widget): no sum (the widget writes it under the image) and
    ``png()`` redraws only what a step changes over a saved background
    (matplotlib's "blitting"); the background is redrawn when the kernel flips.
    """

    def __init__(self, x, k, live):
        self.fig = new_figure(WIDTH, HEADER + PANELS)
        ax_x, ax_k, ax_p, ax_out = self.fig.subplots(1, 4)
        self.x_panel = _new_panel(ax_x, x.shape, "Blues")
        _show_values(self.x_panel, x)
        self.k_panel = _new_panel(ax_k, k.shape, "Oranges")
        self.p_panel = _new_panel(ax_p, k.shape, "Purples")
        _title(ax_p, "products window × kernel")
        self.out_panel = _new_panel(ax_out, _output_shape(x, k), "Greens")
        self.window_box = _outline(ax_x, *k.shape)
        self.out_box = _outline(ax_out, 1, 1)
        self.shape = x.shape
        self.formula = None
        if not live:
            self.formula = self.fig.text(0.5, 0, "", ha="center", va="bottom",
                                         family="monospace", fontsize=9)
        _fit_layout(self.fig, 0)
        self.canvas = FigureCanvasAgg(self.fig) if live else None
        self.background = None  # the saved pixels under the step artists
        self.flip = None  # the flip the background was drawn for
        for artist in self.step_artists() if live else []:
            artist.set_animated(True)

    def step_artists(self):
        """The artists a step changes (the kernel and colour scale change only on flip)."""
        return [self.window_box, self.x_panel.ax.title, *self.p_panel.artists(),
                *self.out_panel.artists(), self.out_box, self.out_panel.ax.title]

    def show(self, state):
        """Update every artist for one step: window, kernel, products, feature map, sum."""
        _move(self.window_box, state.row, state.col)
        _move(self.out_box, state.row, state.col)
        _show_values(self.k_panel, state.kernel)
        _show_values(self.p_panel, state.products)
        _show_values(self.out_panel, state.feature_map,
                     vmin=np.min(state.full_map), vmax=np.max(state.full_map))
        _title(self.x_panel.ax, f"input x {self.shape[0]}×{self.shape[1]}, window at "
                                f"({state.row}, {state.col})")
        _title(self.k_panel.ax, "kernel flipped k[::-1, ::-1]" if state.flip else "kernel k")
        _title(self.out_panel.ax, f"feature map, step {state.step + 1} of {state.full_map.size}")
        name = "true convolution (kernel flipped)" if state.flip else "cross-correlation"
        self.fig.suptitle(f"{name}, valid mode, stride 1", fontsize=12)
        if self.formula is not None:
            lines = textwrap.wrap(state.formula, width=WRAP)
            self.formula.set_text("\n".join(lines))
            self.formula.set_y(MARGIN / _fit_layout(self.fig, len(lines)))
        if state.flip != self.flip:
            self.background, self.flip = None, state.flip

    def png(self):
        """The live picture as PNG bytes: saved background + the step artists."""
        png, self.background = blit_png(self.canvas, self.background, self.step_artists())
        return png


def static_correlation_figure(x, k, step=None, flip=False):
    """Return a matplotlib Figure of one step of the correlation of ``x`` with ``k``.

    x, k : 2-D arrays, the kernel no larger than the input.
    step : index of the window (row-major, 0-based); None means the last
        window, so the whole feature map is filled in.
    flip : True draws true convolution (the kernel flipped in both directions).

    Returns the Figure: the four panels with the sum of products written
    underneath.
    """
    x, k = _check_inputs(x, k)
    last = _last_step(x, k)
    if step is None:
        step = last
    if not 0 <= int(step) <= last:
        raise ValueError(f"step must be between 0 and {last}, got {step}")
    full_map = _full_feature_map(x, k, bool(flip))
    picture = _Picture(x, k, live=False)
    picture.show(_step_state(x, k, int(step), bool(flip), full_map))
    return picture.fig


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------


class CorrelationExplorer(StepperMixin, ExplorerBox):
    """Stepper widget; build it with ``explore_correlation(x, k)``.

    State for inspection (updated at every change): ``step``, ``flip``,
    ``window`` (the patch under the kernel), ``kernel`` (as applied),
    ``products``, ``formula`` (the written-out sum, shown once, as text
    under the picture) and ``feature_map`` (NaN where not yet computed).
    ``figure`` is the live matplotlib Figure (drawn once, updated per step).
    """

    summary = "explore_correlation"

    def __init__(self, x, k, flip=False):
        x, k = _check_inputs(x, k)
        last = _last_step(x, k)
        self.x, self.k = x, k
        self._full_maps = {f: _full_feature_map(x, k, f) for f in (False, True)}
        self.picture = _Picture(x, k, live=True)
        self.figure = self.picture.fig
        steps = self._make_step_controls(last)
        self.flip_toggle = widgets.Checkbox(value=bool(flip),
                                            description="true convolution (flip kernel)",
                                            indent=False)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.text = widgets.HTML()
        controls = widgets.HBox([*steps, self.flip_toggle])
        super().__init__(children=[controls, self.image, self.text])

        self.slider.observe(self._on_change, names="value")
        self.flip_toggle.observe(self._on_change, names="value")
        self._refresh()

    @property
    def step(self):
        """Index of the current window (0-based, row-major)."""
        return self.slider.value

    @step.setter
    def step(self, value):
        self.slider.value = value

    @property
    def flip(self):
        """True when showing true convolution (flipped kernel)."""
        return self.flip_toggle.value

    @flip.setter
    def flip(self, value):
        self.flip_toggle.value = bool(value)

    @property
    def n_steps(self):
        """Number of windows, i.e. of cells in the feature map."""
        return self.slider.max + 1

    def _on_change(self, _change):
        self._refresh()

    def _refresh(self):
        """Recompute the state for the current step and update the picture."""
        state = _step_state(self.x, self.k, self.step, self.flip, self._full_maps[self.flip])
        self.kernel, self.window, self.products = state.kernel, state.window, state.products
        self.formula, self.feature_map = state.formula, state.feature_map
        self._update_step_buttons()
        self.picture.show(state)
        self.image.value = self.picture.png()
        self.text.value = html_pre([self.formula])

    def static_figure(self):
        """Fallback snapshot: the last step, with the whole feature map and its sum."""
        return static_correlation_figure(self.x, self.k, None, self.flip)


def explore_correlation(x, k, flip=False):
    """Return a widget that steps the kernel ``k`` over the image ``x``.

    x, k : 2-D arrays of real numbers (any dtype; computed in float64), k
        no larger than x.  flip: start with true convolution.

    Valid mode, stride 1.  Previous / Next buttons, a slider and a Play
    button move the window; the checkbox flips the kernel (true
    convolution).  Put the call last in a cell to display it; without a
    widget front-end the cell shows a static figure of the finished
    feature map instead.

    Returns a CorrelationExplorer (an ipywidgets VBox).
    Raises ValueError unless x and k are 2-D and k fits inside x.
    """
    return CorrelationExplorer(x, k, flip=flip)
