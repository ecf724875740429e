"""Step through a 2-D cross-correlation (chapter 02).

``explore_correlation(x, k)`` slides the kernel ``k`` over the image ``x``
(valid mode, stride 1) one window at a time.  For the current window it
shows the window on the input, the kernel, the element-wise products, their
sum written out, and the feature map filled in up to the current step.  A
toggle flips the kernel, which turns cross-correlation into true
convolution.

``static_correlation_figure(x, k)`` draws the same picture as a plain
matplotlib Figure; it is the static fallback when no widget front-end runs.
"""

import textwrap

import ipywidgets as widgets
import numpy as np
from matplotlib.patches import Rectangle

from ._display import ExplorerBox, figure_to_png, html_pre, new_figure

ANNOTATE_MAX = 12  # write values in cells only for arrays up to 12 x 12
MAX_TERMS = 25  # write out at most this many products in the sum


# --------------------------------------------------------------------------
# input checks and arithmetic (private: the graded exercises live elsewhere)
# --------------------------------------------------------------------------


def _as_matrix(a, name):
    """Return ``a`` as a non-empty 2-D numeric numpy array, or raise ValueError."""
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(int)
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if a.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array (height x width), got {a.ndim}-D "
            f"with shape {a.shape}"
        )
    if a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    return a


def _check_inputs(x, k):
    """Validate image and kernel; return them as 2-D arrays."""
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


def _feature_map(x, k, flip, step):
    """Feature map filled window by window up to ``step``; NaN elsewhere."""
    kernel = _kernel_used(k, flip)
    out = np.full(_output_shape(x, k), np.nan)
    for s in range(step + 1):
        row, col = _window_position(s, out.shape[1])
        out[row, col] = np.sum(_window(x, k, s) * kernel)
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


# --------------------------------------------------------------------------
# drawing
# --------------------------------------------------------------------------


def _draw_matrix(ax, values, title, cmap, vmin=None, vmax=None):
    """Draw ``values`` as coloured cells, writing numbers into small arrays."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if vmin is None:
        vmin = finite.min() if finite.size else 0.0
    if vmax is None:
        vmax = finite.max() if finite.size else 1.0
    if vmax == vmin:
        vmax = vmin + 1.0
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_title(title, fontsize=10)
    _draw_cell_borders(ax, values.shape)
    if max(values.shape) <= ANNOTATE_MAX:
        _annotate(ax, values, vmin, vmax)


def _draw_cell_borders(ax, shape):
    """Thin grey lines between cells, no tick labels."""
    height, width = shape
    ax.set_xticks(np.arange(-0.5, width, 1.0), minor=True)
    ax.set_yticks(np.arange(-0.5, height, 1.0), minor=True)
    ax.set_xticks([])
    ax.set_yticks([])
    if max(shape) <= 2 * ANNOTATE_MAX:
        ax.grid(which="minor", color="0.75", linewidth=0.8)
    ax.tick_params(which="both", length=0)
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)


def _font_size(shape):
    """Smaller numbers for bigger arrays."""
    if max(shape) <= 4:
        return 10
    if max(shape) <= 6:
        return 8
    return 6


def _annotate(ax, values, vmin, vmax):
    """Write each finite value in its cell, white on dark cells."""
    size = _font_size(values.shape)
    for (row, col), value in np.ndenumerate(values):
        if not np.isfinite(value):
            continue
        dark = (value - vmin) / (vmax - vmin) > 0.6
        ax.text(col, row, _cell_text(value), ha="center", va="center", fontsize=size,
                color="white" if dark else "black")


def _outline(ax, row, col, height, width, color="red"):
    """Draw a rectangle around cells [row, row+height) x [col, col+width)."""
    ax.add_patch(Rectangle((col - 0.5, row - 0.5), width, height, fill=False,
                           edgecolor=color, linewidth=2.5))


def _draw_correlation(fig, x, k, step, flip):
    """Draw input+window, kernel, products, feature map and the sum on ``fig``."""
    kernel = _kernel_used(k, flip)
    window = _window(x, k, step)
    out_h, out_w = _output_shape(x, k)
    row, col = _window_position(step, out_w)
    feature_map = _feature_map(x, k, flip, step)
    full_map = _feature_map(x, k, flip, _last_step(x, k))

    ax_x, ax_k, ax_p, ax_out = fig.subplots(1, 4)
    _draw_matrix(ax_x, x, f"input x {x.shape[0]}×{x.shape[1]}, window at ({row}, {col})",
                 "Blues")
    _outline(ax_x, row, col, k.shape[0], k.shape[1])
    kernel_title = "kernel flipped k[::-1, ::-1]" if flip else "kernel k"
    _draw_matrix(ax_k, kernel, kernel_title, "Oranges")
    _draw_matrix(ax_p, window * kernel, "products window × kernel", "Purples")
    _draw_matrix(ax_out, feature_map, f"feature map, step {step + 1} of {out_h * out_w}",
                 "Greens", vmin=np.min(full_map), vmax=np.max(full_map))
    _outline(ax_out, row, col, 1, 1)

    name = "true convolution (kernel flipped)" if flip else "cross-correlation"
    fig.suptitle(f"{name}, valid mode, stride 1", fontsize=12)
    lines = textwrap.wrap(_sum_formula(window, kernel), width=130)
    fig.text(0.5, 0.03, "\n".join(lines), ha="center", va="bottom",
             family="monospace", fontsize=9)
    fig.subplots_adjust(left=0.02, right=0.98, top=0.84,
                        bottom=0.08 + 0.05 * len(lines), wspace=0.15)


def static_correlation_figure(x, k, step=None, flip=False):
    """Return a matplotlib Figure of one step of the correlation of ``x`` with ``k``.

    x, k : 2-D arrays, the kernel no larger than the input.
    step : index of the window (row-major, 0-based); None means the last
        window, so the whole feature map is filled in.
    flip : True draws true convolution (the kernel flipped in both directions).
    """
    x, k = _check_inputs(x, k)
    last = _last_step(x, k)
    if step is None:
        step = last
    if not 0 <= int(step) <= last:
        raise ValueError(f"step must be between 0 and {last}, got {step}")
    fig = new_figure(13, 4.4)
    _draw_correlation(fig, x, k, int(step), bool(flip))
    return fig


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------


class CorrelationExplorer(ExplorerBox):
    """Stepper widget; build it with ``explore_correlation(x, k)``.

    State for inspection (updated at every change): ``step``, ``flip``,
    ``window`` (the patch under the kernel), ``kernel`` (as applied),
    ``products``, ``formula`` (the written-out sum) and ``feature_map``
    (NaN where not yet computed).
    """

    summary = "explore_correlation"

    def __init__(self, x, k, flip=False):
        x, k = _check_inputs(x, k)
        last = _last_step(x, k)
        self.x, self.k = x, k
        self.prev_button = widgets.Button(description="◀ Previous")
        self.next_button = widgets.Button(description="Next ▶")
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="step")
        self.play = widgets.Play(value=0, min=0, max=last, interval=600,
                                 description="play")
        widgets.link((self.play, "value"), (self.slider, "value"))
        self.flip_toggle = widgets.Checkbox(value=bool(flip),
                                            description="true convolution (flip kernel)",
                                            indent=False)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.text = widgets.HTML()
        controls = widgets.HBox([self.prev_button, self.next_button, self.play,
                                 self.slider, self.flip_toggle])
        super().__init__(children=[controls, self.image, self.text])

        self.prev_button.on_click(self._on_previous)
        self.next_button.on_click(self._on_next)
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

    def _on_previous(self, _button):
        self.step = max(self.step - 1, 0)

    def _on_next(self, _button):
        self.step = min(self.step + 1, self.slider.max)

    def _on_change(self, _change):
        self._refresh()

    def _refresh(self):
        """Recompute the state for the current step and redraw."""
        self.kernel = _kernel_used(self.k, self.flip)
        self.window = _window(self.x, self.k, self.step)
        self.products = self.window * self.kernel
        self.formula = _sum_formula(self.window, self.kernel)
        self.feature_map = _feature_map(self.x, self.k, self.flip, self.step)
        self.prev_button.disabled = self.step == 0
        self.next_button.disabled = self.step == self.slider.max
        fig = static_correlation_figure(self.x, self.k, self.step, self.flip)
        self.image.value = figure_to_png(fig)
        self.text.value = html_pre([self.formula])

    def static_figure(self):
        """Fallback snapshot: the last step, with the whole feature map."""
        return static_correlation_figure(self.x, self.k, None, self.flip)


def explore_correlation(x, k, flip=False):
    """Return a widget that steps the kernel ``k`` over the image ``x``.

    Valid mode, stride 1.  Previous / Next buttons and a Play button move
    the window; the checkbox flips the kernel (true convolution).  Put the
    call last in a cell to display it; without a widget front-end the cell
    shows a static figure of the finished feature map instead.

    Raises ValueError unless x and k are 2-D and k fits inside x.
    """
    return CorrelationExplorer(x, k, flip=flip)
