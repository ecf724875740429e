"""Explore how one filter combines the channels of a colour image (chapter 04).

``explore_channels(image, weights, bias)`` shows, for the filter picked in
the drop-down:

- row 1: the image's three channels (red, green, blue) and the colour image;
- row 2: the filter's three kernels, one per input channel;
- row 3: each channel cross-correlated with its own kernel (valid mode, no
  kernel flip), the three maps added plus the filter's one bias (the
  feature map), and its ReLU;
- row 4: the feature maps of all filters, stacked along the depth of the
  output volume (H - kh + 1, W - kw + 1, C_out), the chosen one outlined.

The layouts are Keras's: images (H, W, C), weights (kh, kw, C_in, C_out),
so one filter is ``weights[:, :, :, k]`` and ::

    z[i, j, k] = b[k] + Σ_u Σ_v Σ_c x[i + u, j + v, c] · w[u, v, c, k]

A slider sets the chosen filter's bias, a checkbox applies ReLU.  The
default image is Grace Hopper's portrait that ships with matplotlib
(``grace_hopper.jpg``, no download), shrunk to 68×80 pixels so that they
stay visible; the default filters are four hand-made 3×3×3 filters (see
``DEFAULT_FILTERS``).  All maps of all filters are computed once, in
float64; a change of the controls only redraws.

``static_channels_figure(image, weights, bias, filter_index)`` draws the
same picture, with the text written underneath, as a plain matplotlib
Figure; it is the static fallback when no widget front-end runs.
"""

import functools
import math
import textwrap
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Rectangle
from numpy.lib.stride_tricks import sliding_window_view

from ._display import ExplorerBox, blit_png, html_pre, new_figure

CHANNELS = ("red", "green", "blue")
CHANNEL_CMAPS = ("Reds", "Greens", "Blues")
SIGNED_CMAP = "PuOr_r"  # purple < 0 < orange, white at 0; no red, green or blue in it
SAMPLE_IMAGE = "grace_hopper.jpg"  # in matplotlib's mpl-data/sample_data
SAMPLE_LONG_SIDE = 80  # pixels on the long side of the default image

_SOBEL_X = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
_ZERO = np.zeros((3, 3))
_MEAN = np.full((3, 3), 1.0 / 9.0)
_SPOT = np.array([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]])

# name -> (red kernel, green kernel, blue kernel)
DEFAULT_FILTERS = {
    "red vertical edge": (_SOBEL_X, _ZERO, _ZERO),  # Sobel on red only
    "brightness horizontal edge": (_SOBEL_X.T, _SOBEL_X.T, _SOBEL_X.T),  # same on all three
    "red minus blue": (_MEAN, _ZERO, -_MEAN),  # mean red - mean blue: colour contrast
    "bright spots": (_SPOT, _SPOT, _SPOT),  # centre minus surround, all channels
}

COLOUR_QUANTILE = 0.995  # the signed colour scales end at this quantile of |values|

# figure layout, in inches
COLUMNS = 5
COL = 2.0  # the widest a panel gets
GAP = 0.55  # between columns: room for "+", "+ b" and "ReLU"
MARGIN = 0.3
HEADER = 0.55  # the suptitle
TITLE = 0.48  # a panel's two-line title
MAP = 2.1  # the tallest an image or map panel gets
KERNEL = 1.75  # the tallest a kernel panel gets
KERNEL_CELL = 0.42  # the largest kernel cell
TEXT_CELL = 0.3  # write the weights in kernel cells at least this large
INFO = 1.25  # the text next to the kernels
RANGE = 0.22  # the value range written under a map
STRIP_HEADER = 0.5  # the output volume's title and the ReLU note under it
STRIP_TITLE = 0.4  # a strip map's two-line title
STRIP = 1.45  # the tallest a strip map gets
STRIP_GAP = 0.25
LINE = 0.165  # one line of text under the static figure
CHAR = 0.075  # width of one monospace character at 9 pt
OUTLINE_COLOR = "#d62728"


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------


def _as_real(a, name):
    """``a`` as an array of finite real numbers (bools as uint8), or ValueError."""
    a = np.asarray(a)
    if a.dtype == bool:
        a = a.astype(np.uint8)
    if not np.issubdtype(a.dtype, np.number) or np.issubdtype(a.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {a.dtype}")
    if a.size and not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must hold finite numbers (no NaN or inf)")
    return a


def _check_image(image):
    """Return ``image`` as an (H, W, 3) float64 array (uint8 divided by 255), or ValueError."""
    a = _as_real(image, "image")
    if a.ndim == 2:
        raise ValueError(
            f"image must be a colour image (H, W, 3), got a 2-D array of shape {a.shape}: "
            f"a grey image needs [..., None] to get its channel axis, "
            f"{(*a.shape, 1)}, and a 3-channel filter won't match it")
    if a.ndim != 3 or a.shape[-1] != 3:
        hint = ""
        if a.ndim == 3 and a.shape[0] == 3:
            hint = (": this looks like PyTorch's (C, H, W) layout; "
                    "np.moveaxis(image, 0, -1) gives (H, W, C)")
        elif a.ndim == 3 and a.shape[-1] in (1, 4):
            hint = (f": {a.shape[-1]} channel(s); this explorer shows the three channels "
                    "red, green, blue" + (" (drop alpha with image[..., :3])"
                                          if a.shape[-1] == 4 else ""))
        elif a.ndim == 4:
            hint = ": one image, not a batch (take image[0])"
        raise ValueError(f"image must be a colour image (H, W, 3), got a {a.ndim}-D array "
                         f"of shape {a.shape}{hint}")
    if a.size == 0:
        raise ValueError(f"image must not be empty, got shape {a.shape}")
    if a.dtype == np.uint8:
        return a.astype(np.float64) / 255.0
    return a.astype(np.float64)


def _check_weights(weights, image_shape):
    """Return ``weights`` as a (kh, kw, 3, C_out) float64 array that fits the image."""
    a = _as_real(weights, "weights").astype(np.float64)
    channels = image_shape[-1]
    if a.ndim != 4:
        raise ValueError(f"weights must be a 4-D array (kh, kw, C_in, C_out), Keras's "
                         f"layout, got a {a.ndim}-D array of shape {a.shape}")
    if a.shape[2] != channels:
        hint = ""
        if a.shape[1] == channels:
            hint = ("; it looks like PyTorch's (C_out, C_in, kh, kw): "
                    "np.transpose(weights, (2, 3, 1, 0)) gives Keras's layout")
        raise ValueError(
            f"weights have C_in = {a.shape[2]} input channels (axis 2 of (kh, kw, C_in, "
            f"C_out) = {a.shape}), but the image has {channels} channels: every filter "
            f"needs one kernel per input channel{hint}")
    if 0 in a.shape:
        raise ValueError(f"weights must not be empty, got shape {a.shape}")
    kh, kw = a.shape[:2]
    height, width = image_shape[:2]
    if kh > height or kw > width:
        raise ValueError(f"the kernel ({kh}×{kw}) must fit inside the image ({height}×"
                         f"{width}) in valid mode: weights {a.shape} = (kh, kw, C_in, C_out)")
    return a


def _check_bias(bias, n_filters):
    """Return ``bias`` as a (C_out,) float64 array (zeros for None), or ValueError."""
    if bias is None:
        return np.zeros(n_filters)
    a = _as_real(bias, "bias").astype(np.float64)
    if a.shape != (n_filters,):
        raise ValueError(f"bias must hold one number per filter, shape ({n_filters},) "
                         f"for C_out = {n_filters}, got shape {a.shape}")
    return a


def _check_filter_index(index, n_filters):
    """Return ``index`` as an int in 0 ... C_out - 1, or ValueError."""
    if not isinstance(index, (int, np.integer)) or isinstance(index, bool) \
            or not 0 <= index < n_filters:
        raise ValueError(f"filter_index must be an integer from 0 to {n_filters - 1} "
                         f"(there are {n_filters} filters), got {index!r}")
    return int(index)


@functools.lru_cache(maxsize=1)
def _sample_image():
    """matplotlib's Grace Hopper photograph, shrunk to 80 pixels on the long side (uint8)."""
    from matplotlib import cbook
    from PIL import Image

    with cbook.get_sample_data(SAMPLE_IMAGE) as file:
        photo = Image.open(file).convert("RGB")
        scale = SAMPLE_LONG_SIDE / max(photo.size)
        size = tuple(max(round(n * scale), 1) for n in photo.size)
        small = photo.resize(size, Image.Resampling.BOX)
    pixels = np.asarray(small, dtype=np.uint8)
    pixels.setflags(write=False)
    return pixels


def default_image():
    """The default image: Grace Hopper's portrait, 80×68×3 uint8 (from matplotlib)."""
    return _sample_image().copy()


def default_weights():
    """The default filters as (weights (3, 3, 3, 4), names): Keras's layout."""
    kernels = [np.stack(channel_kernels, axis=-1) for channel_kernels in DEFAULT_FILTERS.values()]
    return np.stack(kernels, axis=-1), list(DEFAULT_FILTERS)


def _inputs(image, weights, bias):
    """Checked inputs: (x, weights, bias, names)."""
    x = _check_image(default_image() if image is None else image)
    if weights is None:
        weights, names = default_weights()
    else:
        names = None
    w = _check_weights(weights, x.shape)
    if names is None:
        names = [f"filter {k}" for k in range(w.shape[3])]
    return x, w, _check_bias(bias, w.shape[3]), names


# --------------------------------------------------------------------------
# arithmetic (private: the graded exercises live elsewhere)
# --------------------------------------------------------------------------


def _per_channel_maps(x, w):
    """maps[k, c] = channel c of ``x`` cross-correlated (valid, no flip) with w[:, :, c, k].

    Shape (C_out, C_in, H - kh + 1, W - kw + 1): every filter's per-channel
    maps, before they are added.
    """
    kh, kw = w.shape[:2]
    windows = sliding_window_view(x, (kh, kw), axis=(0, 1))  # (H', W', C, kh, kw)
    return np.einsum("ijcuv,uvck->kcij", windows, w, optimize=True)


def _nice_limit(value):
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^n that is >= ``value`` (1 for 0)."""
    if not value > 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * scale >= value * (1 - 1e-12):
            return m * scale
    return 10 * scale


def _colour_limit(values):
    """±limit of a signed colour scale for ``values``: their 99.5th percentile of |v|, so
    that a few extreme pixels do not wash the map out (they saturate); 1 for all zeros."""
    magnitude = np.abs(values)
    limit = float(np.quantile(magnitude, COLOUR_QUANTILE))
    return limit if limit > 0 else (float(magnitude.max()) or 1.0)


def _fmt(value):
    """Short text for a number: 3 not 3.0, 0.111 not 0.11111111."""
    value = float(value)
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.3g}"


def _cell_text(value):
    """A weight written in a kernel cell: at most two decimals."""
    value = float(value)
    if value.is_integer() or abs(value) >= 100:
        return _fmt(value)
    if abs(value) < 0.01:
        return f"{value:.0e}"
    return f"{value:.2f}"


@dataclass
class _State:
    """Everything one setting of the controls shows."""

    filter_index: int
    name: str
    bias: np.ndarray  # every filter's bias, (C_out,)
    relu: bool
    kernels: np.ndarray  # w[:, :, :, k], (kh, kw, C_in)
    channel_maps: list  # C_in arrays (H', W')
    feature_map: np.ndarray  # their sum + bias, before ReLU
    output: np.ndarray  # (H', W', C_out): every filter's map + bias, before ReLU


class _Layer:
    """The inputs and every filter's per-channel maps, computed once."""

    def __init__(self, x, weights, names):
        self.x, self.weights, self.names = x, weights, names
        self.maps = _per_channel_maps(x, weights)  # (C_out, C_in, H', W')
        self.sums = self.maps.sum(axis=1)  # (C_out, H', W'), before the bias
        self.sum_limits = [float(np.abs(s).max()) for s in self.sums]
        # colour scales, fixed per filter (the bias then shows as a shift in colour)
        self.channel_colours = [_colour_limit(m) for m in self.maps]
        self.sum_colours = [_colour_limit(s) for s in self.sums]

    @property
    def n_filters(self):
        """C_out."""
        return self.weights.shape[3]

    @property
    def out_shape(self):
        """(H', W', C_out)."""
        return (*self.sums.shape[1:], self.n_filters)

    def bias_limit(self, k, bias=0.0):
        """The bias slider's range ±limit for filter k: covers the map and the bias."""
        return _nice_limit(max(self.sum_limits[k], abs(float(bias))))

    def state(self, k, bias, relu):
        """The _State of filter ``k`` with biases ``bias``."""
        bias = np.array(bias, dtype=np.float64)
        return _State(filter_index=k, name=self.names[k], bias=bias, relu=bool(relu),
                      kernels=self.weights[:, :, :, k].copy(),
                      channel_maps=[m.copy() for m in self.maps[k]],
                      feature_map=self.sums[k] + bias[k],
                      output=np.moveaxis(self.sums, 0, -1) + bias)


# --------------------------------------------------------------------------
# text
# --------------------------------------------------------------------------

FORMULA = "z[i, j, k] = b[k] + Σ_u Σ_v Σ_c x[i + u, j + v, c] · w[u, v, c, k]"


def _shape_text(shape):
    """'80×68×3'."""
    return "×".join(str(n) for n in shape)


def _text_lines(layer, state):
    """The explanation written under the picture, with this filter's numbers."""
    height, width, c_in = layer.x.shape
    kh, kw, _c, c_out = layer.weights.shape
    h_out, w_out, _ = layer.out_shape
    k = state.filter_index
    z = np.maximum(state.feature_map, 0) if state.relu else state.feature_map
    kept = np.mean(state.feature_map > 0)
    lines = [
        f"image x: {height}×{width}×{c_in} (H, W, C_in: red, green, blue);  weights w: "
        f"{tuple(layer.weights.shape)} = (kh, kw, C_in, C_out);  bias b: ({c_out},)",
        f"filter k = {k} ({state.name}): w[:, :, :, {k}] is {kh}×{kw}×{c_in}, one {kh}×{kw} "
        f"kernel per input channel, and one bias b[{k}] = {_fmt(state.bias[k])}",
        f"each channel is cross-correlated with its own kernel (valid mode, no flip): "
        f"{c_in} per-channel maps of {h_out}×{w_out}",
        f"{c_in} per-channel maps are added, plus one bias → ONE feature map "
        f"z[:, :, {k}] ({h_out}×{w_out}):",
        f"    {FORMULA}   (u < kh, v < kw, c < C_in)",
        f"{c_out} filters → {c_out} feature maps stacked along the depth: output "
        f"(H − kh + 1, W − kw + 1, C_out) = ({height} − {kh} + 1, {width} − {kw} + 1, "
        f"{c_out}) = ({h_out}, {w_out}, {c_out})",
    ]
    if state.relu:
        lines.append(f"ReLU: a = max(z, 0): {kept:.0%} of z[:, :, {k}] is positive and kept, "
                     f"the rest becomes 0 (a ranges {_fmt(z.min())} … {_fmt(z.max())})")
    else:
        lines.append(f"no ReLU: the maps are shown as the convolution leaves them "
                     f"(z[:, :, {k}] ranges {_fmt(z.min())} … {_fmt(z.max())})")
    lines.append(f"parameters: {kh}·{kw}·{c_in}·{c_out} = {kh * kw * c_in * c_out} weights "
                 f"+ {c_out} biases = {kh * kw * c_in * c_out + c_out}")
    return lines


def _wrap(lines, width_inches):
    """Wrap long lines to the figure's width (continuations indented)."""
    chars = int((width_inches - 2 * MARGIN) / CHAR)
    wrapped = []
    for line in lines:
        wrapped += textwrap.wrap(line, width=chars, subsequent_indent="    ") or [""]
    return wrapped


# --------------------------------------------------------------------------
# drawing: every panel is made once, ``show`` changes data and texts
# --------------------------------------------------------------------------


def _box(cells, cell, max_width):
    """(width, height) in inches of an array of ``cells`` (rows, cols) drawn at ``cell``."""
    rows, cols = cells
    size = min(cell, max_width / cols)
    return cols * size, rows * size


def _bare(ax, shape):
    """No ticks, one cell per array entry."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, shape[1] - 0.5)
    ax.set_ylim(shape[0] - 0.5, -0.5)


def _range_text(values):
    """'min … max' of a map."""
    return f"{_fmt(np.min(values))} … {_fmt(np.max(values))}"


class _Layout:
    """Where everything goes, in inches from the top left; ``box`` turns it into fractions."""

    def __init__(self, layer, n_lines):
        height, width = layer.x.shape[:2]
        kh, kw = layer.weights.shape[:2]
        h_out, w_out, c_out = layer.out_shape
        self.width = 2 * MARGIN + COLUMNS * COL + (COLUMNS - 1) * GAP
        cell = min(COL / width, MAP / height)  # the image's and the maps' pixels align
        self.image_size = (width * cell, height * cell)
        self.map_size = (w_out * cell, h_out * cell)
        self.kernel_size = _box((kh, kw), min(KERNEL_CELL, KERNEL / kh), COL)
        self.kernel_cell = self.kernel_size[0] / kw
        avail = self.width - 2 * MARGIN
        slot = min(COL, (avail - (c_out - 1) * STRIP_GAP) / c_out)
        self.strip_slot = slot
        self.strip_size = _box((h_out, w_out), STRIP / h_out, slot)
        self.strip_left = MARGIN + (avail - c_out * slot - (c_out - 1) * STRIP_GAP) / 2
        self.rows = []  # top of each row's panels
        y = HEADER + TITLE
        for panel_height, below in ((self.image_size[1], 0.12),
                                    (max(self.kernel_size[1], INFO), 0.05),
                                    (self.map_size[1], RANGE)):
            self.rows.append(y)
            y += panel_height + below + TITLE
        y -= TITLE
        self.strip_header = y + 0.15
        self.strip_top = y + STRIP_HEADER + STRIP_TITLE
        self.text_top = self.strip_top + self.strip_size[1] + 0.25
        self.height = self.text_top + (LINE * n_lines if n_lines else 0) + MARGIN - 0.1

    def column_x(self, col):
        """Left edge of column ``col``'s slot."""
        return MARGIN + col * (COL + GAP)

    def box(self, left, top, size):
        """[left, bottom, width, height] as figure fractions."""
        w, h = size
        return [left / self.width, 1 - (top + h) / self.height, w / self.width,
                h / self.height]

    def panel(self, row, col, size):
        """The box of a panel of ``size`` centred in column ``col`` of ``row``."""
        return self.box(self.column_x(col) + (COL - size[0]) / 2, self.rows[row], size)

    def y(self, top):
        """A distance from the top as a figure fraction."""
        return 1 - top / self.height

    def x(self, left):
        """A distance from the left as a figure fraction."""
        return left / self.width


class _Picture:
    """The whole figure for one layer, drawn once; ``show(state)`` updates it.

    Titles name the filter's index ``k`` as a letter, so they never change:
    only the numbers, the maps and the filter's name and bias do.
    live=False (the static figure): the text goes under the picture.
    live=True (the widget): no text (the widget writes it under the image);
    ``png()`` redraws only what ``show`` changes over a saved background.
    """

    def __init__(self, layer, live, n_lines=0):
        self.layer = layer
        lay = self.lay = _Layout(layer, n_lines)
        self.fig = new_figure(lay.width, lay.height)
        self.dynamic = []  # what ``show`` changes, in drawing order
        self._input_row()
        self._kernel_row()
        self._map_row()
        self._volume_row()
        self.fig.suptitle(f"one filter = {len(CHANNELS)} kernels, one per input channel → "
                          f"{len(CHANNELS)} maps, added, plus one bias → ONE feature map",
                          fontsize=12, y=lay.y(0.12), va="top")
        self.text = None
        if n_lines:
            self.text = self.fig.text(lay.x(MARGIN), lay.y(lay.text_top), "", ha="left",
                                      va="top", family="monospace", fontsize=9)
        self.canvas = None
        self.background = None  # the saved pixels under the dynamic artists
        if live:
            self.canvas = FigureCanvasAgg(self.fig)
            for artist in self.dynamic:
                artist.set_animated(True)

    def _panel(self, row, col, size, shape, title, **imshow):
        """A panel of ``size`` inches in ``row``, ``col`` for an array of ``shape``."""
        ax = self.fig.add_axes(self.lay.panel(row, col, size))
        image = ax.imshow(np.zeros(shape), interpolation="nearest", **imshow)
        _bare(ax, shape)
        ax.set_title(title, fontsize=9.5, y=1.0)  # y given: placed once, never re-placed
        return ax, image

    def _input_row(self):
        """Row 1: the channels and the colour image (they never change)."""
        x = self.layer.x
        low, high = float(x.min()), float(x.max())
        if low >= 0 and high <= 1:
            low, high = 0.0, 1.0
        elif high == low:
            high = low + 1.0
        for c, (name, cmap) in enumerate(zip(CHANNELS, CHANNEL_CMAPS)):
            _ax, image = self._panel(0, c, self.lay.image_size, x.shape[:2],
                                     f"{name} channel\nx[:, :, {c}]", cmap=cmap, vmin=low,
                                     vmax=high)
            image.set_data(x[:, :, c])
        _ax, image = self._panel(0, 3, self.lay.image_size, x.shape[:2],
                                 f"colour image x\n{_shape_text(x.shape)} (H, W, C_in)")
        image.set_data((x - low) / (high - low))

    def _kernel_row(self):
        """Row 2: the chosen filter's kernels, and what the filter is."""
        layer, lay = self.layer, self.lay
        kh, kw, c_in, _c_out = layer.weights.shape
        self.kernel_images, self.kernel_texts = [], []
        for c in range(c_in):
            ax, image = self._panel(1, c, lay.kernel_size, (kh, kw),
                                    f"kernel for {CHANNELS[c]}\nw[:, :, {c}, k]",
                                    cmap=SIGNED_CMAP, vmin=-1, vmax=1)
            grid = [ax.vlines(np.arange(0.5, kw - 1), -0.5, kh - 0.5, color="0.6",
                              linewidth=0.6),
                    ax.hlines(np.arange(0.5, kh - 1), -0.5, kw - 0.5, color="0.6",
                              linewidth=0.6)]
            texts = []
            if lay.kernel_cell >= TEXT_CELL:
                size = 9 if lay.kernel_cell >= 0.4 else 7
                texts = [ax.text(v, u, "", ha="center", va="center", fontsize=size)
                         for u, v in np.ndindex(kh, kw)]
            self.kernel_images.append(image)
            self.kernel_texts.append(texts)
            self.dynamic += [image, *grid, *ax.spines.values(), *texts]
        left, top = lay.x(lay.column_x(3)), lay.rows[1] - 0.12
        self.info = self.fig.text(left, lay.y(top), "", ha="left", va="top", fontsize=10,
                                  fontweight="bold")
        self.bias_text = self.fig.text(left, lay.y(top + 0.3), "", ha="left", va="top",
                                       fontsize=9.5, linespacing=1.5)
        self.dynamic += [self.info, self.bias_text]
        weights = kh * kw * c_in
        self.fig.text(left, lay.y(top + 0.55), f"w[:, :, :, k]: {_shape_text((kh, kw, c_in))} "
                      f"(kh, kw, C_in)\n{weights} weights + 1 bias\n"
                      "colours: purple < 0 (white) < orange", ha="left", va="top",
                      fontsize=9.5, linespacing=1.5)

    def _map_row(self):
        """Row 3: per-channel maps, their sum + bias, ReLU, with "+" signs between."""
        lay = self.lay
        out_hw = self.layer.out_shape[:2]
        titles = [f"{name} ⋆ its kernel\nx[:, :, {c}] ⋆ w[:, :, {c}, k]"
                  for c, name in enumerate(CHANNELS)]
        titles += ["sum + b[k]\nfeature map z[:, :, k]", "ReLU: max(z, 0)\na[:, :, k]"]
        self.map_images, self.map_ranges = [], []
        for col, title in enumerate(titles):
            ax, image = self._panel(2, col, lay.map_size, out_hw, title, cmap=SIGNED_CMAP,
                                    vmin=-1, vmax=1)
            self.map_images.append(image)
            self.map_ranges.append(ax.text(0.5, -0.03, "", transform=ax.transAxes,
                                           ha="center", va="top", fontsize=8.5, color="0.3"))
            self.dynamic += [image, *ax.spines.values(), self.map_ranges[-1]]
        self.relu_off = ax.text(0.5, 0.5, "ReLU off", transform=ax.transAxes, ha="center",
                                va="center", fontsize=11, color="0.45", visible=False)
        self.dynamic.append(self.relu_off)
        middle = lay.y(lay.rows[2] + lay.map_size[1] / 2)
        for col, symbol in enumerate(["+", "+", "+ b\n=", "ReLU\n→"]):
            self.fig.text(lay.x(lay.column_x(col) + COL + GAP / 2), middle, symbol,
                          ha="center", va="center", fontsize=16 if len(symbol) == 1 else 10.5,
                          fontweight="bold", color="0.25", linespacing=1.3)

    def _volume_row(self):
        """Row 4: every filter's map, side by side along the output's depth."""
        layer, lay = self.layer, self.lay
        (h_out, w_out, c_out), (height, width) = layer.out_shape, layer.x.shape[:2]
        kh, kw = layer.weights.shape[:2]
        self.fig.text(0.5, lay.y(lay.strip_header),
                      f"output volume: the {c_out} feature maps stacked along the depth, shape "
                      f"(H − kh + 1, W − kw + 1, C_out) = ({height} − {kh} + 1, {width} − {kw} "
                      f"+ 1, {c_out}) = ({h_out}, {w_out}, {c_out})", ha="center", va="top",
                      fontsize=10.5)
        self.volume_note = self.fig.text(0.5, lay.y(lay.strip_header + 0.2), "",
                                         ha="center", va="top", fontsize=9, color="0.3")
        self.dynamic.append(self.volume_note)
        self.strip_images, self.strip_axes = [], []
        for k in range(c_out):
            left = lay.strip_left + k * (lay.strip_slot + STRIP_GAP)
            left += (lay.strip_slot - lay.strip_size[0]) / 2
            ax = self.fig.add_axes(lay.box(left, lay.strip_top, lay.strip_size))
            image = ax.imshow(np.zeros((h_out, w_out)), cmap=SIGNED_CMAP, vmin=-1, vmax=1,
                              interpolation="nearest")
            _bare(ax, (h_out, w_out))
            name = textwrap.shorten(layer.names[k], width=max(int(lay.strip_slot / 0.07), 8),
                                    placeholder="…")
            ax.set_title(f"[:, :, {k}]\n{name}", fontsize=8.5 if c_out <= 6 else 7, y=1.0)
            self.strip_images.append(image)
            self.strip_axes.append(ax)
            self.dynamic += [image, *ax.spines.values()]
        self.outline = self.fig.add_artist(Rectangle((0, 0), 0, 0, fill=False,
                                                     edgecolor=OUTLINE_COLOR, linewidth=2.5,
                                                     transform=self.fig.transFigure))
        self.dynamic.append(self.outline)

    def show(self, state, lines=()):
        """Draw ``state``: the kernels, maps, volume and numbers of its filter."""
        layer, k = self.layer, state.filter_index
        kmax = float(np.abs(state.kernels).max()) or 1.0
        for c, (image, texts) in enumerate(zip(self.kernel_images, self.kernel_texts)):
            kernel = state.kernels[:, :, c]
            image.set_data(kernel)
            image.set_clim(-kmax, kmax)
            for text, value in zip(texts, kernel.ravel()):
                text.set_text(_cell_text(value))
                text.set_color("white" if abs(value) > 0.6 * kmax else "black")
        self.info.set_text(f"filter k = {k}: {state.name}")
        self.bias_text.set_text(f"bias b[{k}] = {_fmt(state.bias[k])}")

        c_limit, s_limit = layer.channel_colours[k], layer.sum_colours[k]
        for c, channel_map in enumerate(state.channel_maps):
            self.map_images[c].set_data(channel_map)
            self.map_images[c].set_clim(-c_limit, c_limit)
            used = np.any(state.kernels[:, :, c])
            self.map_ranges[c].set_text(_range_text(channel_map) if used
                                        else "all 0: its kernel is 0")
        activation = np.maximum(state.feature_map, 0)
        for image, values, text in zip(self.map_images[3:], (state.feature_map, activation),
                                       self.map_ranges[3:]):
            image.set_data(values)
            image.set_clim(-s_limit, s_limit)
            text.set_text(_range_text(values))
        self.map_images[4].set_visible(state.relu)
        self.map_ranges[4].set_visible(state.relu)
        self.relu_off.set_visible(not state.relu)

        out = np.maximum(state.output, 0) if state.relu else state.output
        for j, image in enumerate(self.strip_images):
            image.set_data(out[:, :, j])
            image.set_clim(-layer.sum_colours[j], layer.sum_colours[j])
        self.volume_note.set_text("after ReLU" if state.relu else "before ReLU (ReLU off)")
        x0, y0, w, h = self.strip_axes[k].get_position().bounds
        pad_x, pad_y = 0.05 / self.lay.width, 0.05 / self.lay.height
        self.outline.set_bounds(x0 - pad_x, y0 - pad_y, w + 2 * pad_x, h + 2 * pad_y)
        if self.text is not None:
            self.text.set_text("\n".join(lines))

    def png(self):
        """The live picture as PNG bytes: the saved background (drawn once: the input
        row, titles, symbols) + the artists ``show`` changes (matplotlib's "blitting")."""
        png, self.background = blit_png(self.canvas, self.background, self.dynamic)
        return png


def static_channels_figure(image=None, weights=None, bias=None, filter_index=0):
    """Return a matplotlib Figure of one filter applied to a colour image.

    image: an (H, W, 3) array; uint8 is divided by 255, other dtypes are
        used as they are (float64).  Default: Grace Hopper's portrait from
        matplotlib's sample data, 80×68×3.
    weights: (kh, kw, 3, C_out), Keras's layout.  Default: four hand-made
        3×3 filters (``DEFAULT_FILTERS``).
    bias: (C_out,) or None (zeros).
    filter_index: the filter to draw, 0 ... C_out - 1.

    Returns the Figure: the channels, the filter's kernels, the per-channel
    maps, their sum + bias and its ReLU, all output maps, and the text
    written underneath.  Raises ValueError for inputs that do not fit.
    """
    x, w, b, names = _inputs(image, weights, bias)
    layer = _Layer(x, w, names)
    k = _check_filter_index(filter_index, layer.n_filters)
    return _static_figure(layer, layer.state(k, b, relu=True))


def _static_figure(layer, state):
    """The static figure of ``state``, the text wrapped underneath."""
    width = _Layout(layer, 0).width
    lines = _wrap(_text_lines(layer, state), width)
    picture = _Picture(layer, live=False, n_lines=len(lines))
    picture.show(state, lines)
    return picture.fig


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------


class ChannelExplorer(ExplorerBox):
    """Multichannel-convolution widget; build it with ``explore_channels()``.

    Controls: ``filter_dropdown`` (the filter k), ``bias_slider`` (b[k];
    its range follows the filter's maps) and ``relu_toggle``.

    State for inspection (updated at every change): ``filter_index``,
    ``bias`` (every filter's bias, (C_out,)), ``relu``, ``channel_maps``
    (the C_in = 3 per-channel maps of filter k), ``feature_map`` (their sum
    + b[k], before ReLU), ``output`` ((H', W', C_out), every filter's map +
    bias, before ReLU), ``lines`` (the text under the picture).  ``x`` is
    the image as float64, ``weights`` the (kh, kw, 3, C_out) weights,
    ``names`` the filters' names; ``image`` is the Image widget, ``text``
    the HTML widget, ``figure`` the live matplotlib Figure.
    """

    summary = "explore_channels"

    def __init__(self, image=None, weights=None, bias=None):
        x, w, b, names = _inputs(image, weights, bias)
        self.layer = _Layer(x, w, names)
        self.x, self.weights, self.names = x, w, names
        self.bias = b.copy()
        self.filter_dropdown = widgets.Dropdown(
            options=[(f"{k}: {name}", k) for k, name in enumerate(names)], value=0,
            description="filter", layout=widgets.Layout(width="auto"))
        limit = self.layer.bias_limit(0, self.bias[0])
        self.bias_slider = widgets.FloatSlider(value=self.bias[0], min=-limit, max=limit,
                                               step=_step(limit), description="bias b[0]",
                                               readout_format=".3g", continuous_update=True)
        self.relu_toggle = widgets.Checkbox(value=True, description="apply ReLU", indent=False,
                                            layout=widgets.Layout(width="auto"))
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.text = widgets.HTML()
        controls = widgets.HBox([self.filter_dropdown, self.bias_slider, self.relu_toggle],
                                layout=widgets.Layout(flex_flow="row wrap", grid_gap="0 16px"))
        super().__init__(children=[controls, self.image, self.text])
        self.picture = _Picture(self.layer, live=True)
        self.figure = self.picture.fig
        self._updating = False  # True while the slider is set for another filter
        self.filter_dropdown.observe(self._on_filter, names="value")
        self.bias_slider.observe(self._on_bias, names="value")
        self.relu_toggle.observe(self._on_relu, names="value")
        self._refresh()

    @property
    def filter_index(self):
        """The filter shown, 0 ... C_out - 1."""
        return self.filter_dropdown.value

    @property
    def relu(self):
        """True when ReLU is applied to the feature maps."""
        return self.relu_toggle.value

    def _on_filter(self, _change):
        """Fit the slider to the new filter (its own bias), then redraw."""
        k = self.filter_index
        limit = self.layer.bias_limit(k, self.bias[k])
        self._updating = True
        slider = self.bias_slider
        slider.min, slider.max = min(slider.min, -limit), max(slider.max, limit)
        slider.value = self.bias[k]
        slider.min, slider.max, slider.step = -limit, limit, _step(limit)
        slider.description = f"bias b[{k}]"
        self._updating = False
        self._refresh()

    def _on_bias(self, _change):
        if not self._updating:
            self.bias[self.filter_index] = self.bias_slider.value
            self._refresh()

    def _on_relu(self, _change):
        self._refresh()

    def _refresh(self):
        """Recompute the state for the controls and redraw."""
        state = self.layer.state(self.filter_index, self.bias, self.relu)
        self.state = state
        self.channel_maps, self.feature_map = state.channel_maps, state.feature_map
        self.output = state.output
        self.lines = _text_lines(self.layer, state)
        self.picture.show(state)
        self.image.value = self.picture.png()
        self.text.value = html_pre(self.lines)

    def static_figure(self):
        """Fallback snapshot: the current filter, bias and ReLU, the text underneath."""
        return _static_figure(self.layer, self.state)


def _step(limit):
    """A slider step of about limit / 100, a power of ten."""
    return 10.0 ** math.floor(math.log10(limit / 100))


def explore_channels(image=None, weights=None, bias=None):
    """Return a widget showing how a filter turns a colour image into one feature map.

    image: an (H, W, 3) array (uint8 is divided by 255; other dtypes are
        used as they are, in float64).  Default: Grace Hopper's portrait
        from matplotlib's sample data, shrunk to 80×68×3.
    weights: (kh, kw, 3, C_out), Keras's layout (C_out filters, each a
        stack of one kh×kw kernel per input channel).  Default: four
        hand-made 3×3 filters: red vertical edge, brightness horizontal
        edge, red minus blue, bright spots.
    bias: (C_out,) or None (zeros).

    A drop-down picks the filter, a slider sets its bias, a checkbox
    applies ReLU.  The picture shows the three channels, the filter's three
    kernels, the three per-channel cross-correlations (valid mode, no flip),
    their sum + bias, its ReLU, and all C_out maps stacked as the output
    volume.  Put the call last in a cell; without a widget front-end the
    cell shows a static figure of the first filter instead.

    Returns a ChannelExplorer (an ipywidgets VBox).  Raises ValueError for
    an image that is not (H, W, 3), weights that are not (kh, kw, 3, C_out)
    or do not fit inside the image, or a bias that is not (C_out,).
    """
    return ChannelExplorer(image, weights, bias)
