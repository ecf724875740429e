"""Explore padding, stride and dilation (chapter 03).

``explore_padding()`` shows an N x N input surrounded by its padding, the
cells where the window's top-left corner lands, the taps of one dilated
window, and the output size with the formula's numbers substituted::

    O = floor((N + 2P - D·(F-1) - 1) / S) + 1

'same' uses TensorFlow's rule (O = ceil(N/S), the odd extra padding pixel
goes to the bottom/right) and 'valid' means P = 0.

The number of window positions is *counted* by walking the padded grid, not
taken from the formula, so a student can pass their own
``conv_output_size(n, f, p, s, d)`` as ``output_size_fn`` and see a ✓ or ✗.

``static_padding_figure()`` draws the same picture as a plain matplotlib
Figure; it is the static fallback when no widget front-end runs.
"""

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ._display import ExplorerBox, figure_to_png, html_pre, new_figure

MODES = ("explicit", "same", "valid")
ANNOTATE_MAX = 16  # write "0" in padding cells for padded grids up to 16 x 16


# --------------------------------------------------------------------------
# arithmetic (private: the graded exercises live elsewhere)
# --------------------------------------------------------------------------


@dataclass
class _Geometry:
    """Everything the picture needs for one setting of the sliders."""

    n: int
    f: int
    p: int
    s: int
    d: int
    mode: str
    before: int  # padding on the top and on the left
    after: int  # padding on the bottom and on the right
    padded: int  # side of the padded input
    starts: list  # window top-left indices along one axis, found by walking
    formula_value: int  # output size according to the formula
    formula_lines: list  # the formula with the numbers substituted

    @property
    def counted(self):
        """Number of window positions along one axis (from the walk)."""
        return len(self.starts)

    @property
    def extent(self):
        """Cells spanned by one dilated window: D·(F-1) + 1."""
        return self.d * (self.f - 1) + 1


def _check_settings(n, f, p, s, d, mode):
    """Raise ValueError unless the settings make sense."""
    for name, value, low in (("n", n, 1), ("f", f, 1), ("p", p, 0), ("s", s, 1), ("d", d, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        if value < low:
            raise ValueError(f"{name} must be at least {low}, got {value}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def _walk_starts(padded, f, s, d):
    """Walk the window over a padded axis; return the starts where it fits.

    A window starting at ``start`` has its taps at start, start+d, ...,
    start+d·(f-1); it fits when every tap is inside the padded axis.
    """
    starts = []
    for start in range(0, padded, s):
        taps = [start + d * j for j in range(f)]
        if all(tap < padded for tap in taps):
            starts.append(start)
    return starts


def _formula_output_size(n, f, p, s, d):
    """floor((N + 2P - D·(F-1) - 1) / S) + 1 (can be <= 0: no position)."""
    return (n + 2 * p - d * (f - 1) - 1) // s + 1


def _tf_same(n, f, s, d):
    """TensorFlow 'same': output, total padding, padding before, after."""
    out = -(-n // s)  # ceil(n / s)
    total = max((out - 1) * s + d * (f - 1) + 1 - n, 0)
    before = total // 2
    return out, total, before, total - before


def _explicit_lines(n, f, p, s, d):
    """The general formula, then the same with numbers substituted."""
    top = n + 2 * p - d * (f - 1) - 1
    value = _formula_output_size(n, f, p, s, d)
    return [
        "O = floor((N + 2P - D·(F-1) - 1) / S) + 1",
        f"  = floor(({n} + 2·{p} - {d}·({f}-1) - 1) / {s}) + 1"
        f" = floor({top}/{s}) + 1 = {value}",
    ]


def _same_lines(n, f, s, d):
    """TensorFlow's 'same' rule with numbers substituted."""
    out, total, before, after = _tf_same(n, f, s, d)
    return [
        f"'same' (TensorFlow): O = ceil(N/S) = ceil({n}/{s}) = {out}",
        "total padding = max((O-1)·S + D·(F-1) + 1 - N, 0)"
        f" = max(({out}-1)·{s} + {d}·({f}-1) + 1 - {n}, 0) = {total}",
        f"before (top/left) = {total}//2 = {before},"
        f" after (bottom/right) = {total} - {before} = {after}",
    ]


def _geometry(n, f, p, s, d, mode):
    """Padding, window positions and formula for one setting."""
    _check_settings(n, f, p, s, d, mode)
    if mode == "same":
        out, _total, before, after = _tf_same(n, f, s, d)
        lines = _same_lines(n, f, s, d)
    else:
        if mode == "valid":
            p = 0
        before = after = p
        out = _formula_output_size(n, f, p, s, d)
        lines = _explicit_lines(n, f, p, s, d)
        if mode == "valid":
            lines = ["'valid': no padding, P = 0"] + lines
    padded = n + before + after
    return _Geometry(n=n, f=f, p=p, s=s, d=d, mode=mode, before=before, after=after,
                     padded=padded, starts=_walk_starts(padded, f, s, d),
                     formula_value=out, formula_lines=lines)


def _positions_line(geo):
    """What the walk found, or why there is no output."""
    if geo.counted == 0:
        return (f"no valid output position: the dilated window spans D·(F-1)+1 = "
                f"{geo.extent} cells but the padded input has only {geo.padded}")
    return (f"walking the padded {geo.padded}×{geo.padded} grid, the window fits at "
            f"{geo.counted} positions per axis -> output {geo.counted}×{geo.counted}")


def _is_int(value):
    """True for Python and numpy integers (not bools)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _student_check(output_size_fn, geo):
    """Call the student's function; return (ok, text). ok is None: no verdict."""
    if output_size_fn is None:
        return None, ""
    if geo.before != geo.after:
        return None, (f"'same' needs uneven padding here (before={geo.before}, "
                      f"after={geo.after}): one P cannot express it, so "
                      "output_size_fn is not checked for this setting")
    call = f"output_size_fn({geo.n}, {geo.f}, {geo.before}, {geo.s}, {geo.d})"
    try:
        value = output_size_fn(geo.n, geo.f, geo.before, geo.s, geo.d)
    except Exception as error:  # the student's code may raise anything
        return False, f"✗ {call} raised {type(error).__name__}: {error}"
    if geo.counted == 0:
        return None, (f"{call} = {value!r}; the window fits nowhere, "
                      "so there is no output size to compare with")
    if not _is_int(value):
        return False, (f"✗ {call} = {value!r} ({type(value).__name__}); "
                       f"expected the int {geo.counted}")
    mark = "✓" if value == geo.counted else "✗"
    return value == geo.counted, (f"{mark} {call} = {value}; "
                                  f"the window really visits {geo.counted} positions")


def _text_lines(geo, output_size_fn):
    """All the lines written under the picture."""
    lines = geo.formula_lines + [_positions_line(geo)]
    _ok, student = _student_check(output_size_fn, geo)
    if student:
        lines.append(student)
    return lines


# --------------------------------------------------------------------------
# drawing
# --------------------------------------------------------------------------

PADDING_COLOR = "#e0e0e0"
INPUT_COLOR = "#9ecae1"
TAP_COLOR = "#fd8d3c"


def _window_origin(geo, window):
    """Top-left (row, col) of window number ``window`` (row-major)."""
    row, col = divmod(window, geo.counted)
    return geo.starts[row], geo.starts[col]


def _taps(geo, window):
    """(row, col) of every tap of one dilated window."""
    row0, col0 = _window_origin(geo, window)
    return [(row0 + geo.d * a, col0 + geo.d * b) for a in range(geo.f) for b in range(geo.f)]


def _grid_lines(ax, size):
    """Thin lines between cells, no tick labels."""
    ax.set_xticks(np.arange(-0.5, size, 1.0), minor=True)
    ax.set_yticks(np.arange(-0.5, size, 1.0), minor=True)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(which="minor", color="white", linewidth=1)
    ax.tick_params(which="both", length=0)
    ax.set_xlim(-0.5, size - 0.5)
    ax.set_ylim(size - 0.5, -0.5)


def _draw_padded_input(ax, geo, window):
    """Padded grid: padding, input, taps of one window, top-left positions."""
    cells = np.zeros((geo.padded, geo.padded))
    cells[geo.before:geo.before + geo.n, geo.before:geo.before + geo.n] = 1
    if geo.counted:
        for row, col in _taps(geo, window):
            cells[row, col] = 2
    cmap = ListedColormap([PADDING_COLOR, INPUT_COLOR, TAP_COLOR])
    ax.imshow(cells, cmap=cmap, vmin=0, vmax=2)
    _grid_lines(ax, geo.padded)
    ax.add_patch(Rectangle((geo.before - 0.5, geo.before - 0.5), geo.n, geo.n,
                           fill=False, edgecolor="#08519c", linewidth=2))
    if geo.padded <= ANNOTATE_MAX:
        _write_padding_zeros(ax, cells)
    if geo.counted:
        row0, col0 = _window_origin(geo, window)
        ax.add_patch(Rectangle((col0 - 0.5, row0 - 0.5), geo.extent, geo.extent,
                               fill=False, edgecolor="#d94801", linewidth=2,
                               linestyle="--"))
        rows, cols = np.meshgrid(geo.starts, geo.starts, indexing="ij")
        ax.scatter(cols.ravel(), rows.ravel(), s=18, color="black", zorder=3)
    ax.set_title(f"padded input {geo.padded}×{geo.padded}: N={geo.n}, padding "
                 f"{geo.before} top/left, {geo.after} bottom/right", fontsize=10)


def _write_padding_zeros(ax, cells):
    """Padding cells hold zeros: write them."""
    for (row, col), kind in np.ndenumerate(cells):
        if kind == 0:
            ax.text(col, row, "0", ha="center", va="center", fontsize=7, color="0.45")


def _draw_output(ax, geo, window):
    """The output grid with the cell of the highlighted window."""
    if geo.counted == 0:
        ax.axis("off")
        ax.text(0.5, 0.5, "no valid output position", ha="center", va="center",
                fontsize=12, color="darkred", transform=ax.transAxes)
        return
    cells = np.zeros((geo.counted, geo.counted))
    row, col = divmod(window, geo.counted)
    cells[row, col] = 1
    ax.imshow(cells, cmap=ListedColormap(["#c7e9c0", TAP_COLOR]), vmin=0, vmax=1)
    _grid_lines(ax, geo.counted)
    ax.set_title(f"output {geo.counted}×{geo.counted} (window {window} in orange)",
                 fontsize=10)


def _legend(fig):
    """Colour key for the padded grid."""
    handles = [
        Patch(color=PADDING_COLOR, label="padding (zeros)"),
        Patch(color=INPUT_COLOR, label="input"),
        Patch(color=TAP_COLOR, label="taps of one dilated window"),
        Line2D([], [], color="black", marker="o", linestyle="", label="window top-left positions"),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize=9, frameon=False,
               bbox_to_anchor=(0.5, 0.95))


def _draw_padding(fig, geo, lines, window):
    """Whole picture: grids on top, formula and checks underneath."""
    ax_in, ax_out = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    _draw_padded_input(ax_in, geo, window)
    _draw_output(ax_out, geo, window)
    _legend(fig)
    title = {"explicit": f"explicit padding P={geo.p}", "same": "'same' padding",
             "valid": "'valid' (no padding)"}[geo.mode]
    fig.suptitle(f"{title}, kernel F={geo.f}, stride S={geo.s}, dilation D={geo.d}",
                 fontsize=12)
    fig.text(0.03, 0.03, "\n".join(lines), ha="left", va="bottom",
             family="monospace", fontsize=9)
    fig.subplots_adjust(left=0.03, right=0.97, top=0.86,
                        bottom=0.07 + 0.045 * len(lines), wspace=0.1)


def _check_window(geo, window):
    """Clamp-free check of the highlighted window index."""
    last = max(geo.counted * geo.counted - 1, 0)
    if not _is_int(window) or not 0 <= window <= last:
        raise ValueError(f"window must be an integer between 0 and {last}, got {window!r}")


def static_padding_figure(n=7, f=3, p=1, s=2, d=1, mode="explicit",
                          output_size_fn=None, window=0):
    """Return a matplotlib Figure of the padded input, window positions and formula.

    n: input size (n x n), f: kernel size, p: padding per side (mode
    'explicit' only), s: stride, d: dilation, mode: 'explicit', 'same' or
    'valid'.  output_size_fn: optional student function
    f(n, f, p, s, d) -> int, checked against the counted positions.
    window: which window's taps to highlight (row-major index).
    """
    geo = _geometry(n, f, p, s, d, mode)
    _check_window(geo, window)
    fig = new_figure(11, 6.6)
    _draw_padding(fig, geo, _text_lines(geo, output_size_fn), window)
    return fig


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------


def _slider(description, value, low, high):
    """An IntSlider that updates on release, wide enough for ``value``."""
    return widgets.IntSlider(value=value, min=low, max=max(high, value),
                             description=description, continuous_update=False)


class PaddingExplorer(ExplorerBox):
    """Padding / stride / dilation widget; build it with ``explore_padding()``.

    State for inspection (updated at every change): ``geometry`` (padding
    before/after, padded size, window ``starts``, ``counted``,
    ``formula_value``, ``formula_lines``), ``lines`` (the text shown),
    ``student_ok`` (True / False / None) and ``student_text``.
    """

    summary = "explore_padding"

    def __init__(self, n=7, f=3, p=1, s=2, d=1, mode="explicit", output_size_fn=None):
        _geometry(n, f, p, s, d, mode)  # validates the settings
        if output_size_fn is not None and not callable(output_size_fn):
            raise ValueError(f"output_size_fn must be a function or None, got {output_size_fn!r}")
        self.output_size_fn = output_size_fn
        self.n_slider = _slider("input N", n, 1, 16)
        self.f_slider = _slider("kernel F", f, 1, 7)
        self.p_slider = _slider("padding P", p, 0, 5)
        self.s_slider = _slider("stride S", s, 1, 4)
        self.d_slider = _slider("dilation D", d, 1, 4)
        self.mode_buttons = widgets.ToggleButtons(
            options=[("explicit P", "explicit"), ("same", "same"), ("valid", "valid")],
            value=mode, description="padding")
        self.window_slider = _slider("window #", 0, 0, 0)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.text = widgets.HTML()
        sliders = widgets.HBox([
            widgets.VBox([self.n_slider, self.f_slider, self.p_slider]),
            widgets.VBox([self.s_slider, self.d_slider, self.window_slider]),
        ])
        super().__init__(children=[self.mode_buttons, sliders, self.image, self.text])
        self._updating = False  # True while the window slider is being refitted

        for control in (self.n_slider, self.f_slider, self.p_slider, self.s_slider,
                        self.d_slider, self.mode_buttons, self.window_slider):
            control.observe(self._on_change, names="value")
        self._refresh()

    def settings(self):
        """Current (n, f, p, s, d, mode) from the controls."""
        return (self.n_slider.value, self.f_slider.value, self.p_slider.value,
                self.s_slider.value, self.d_slider.value, self.mode_buttons.value)

    @property
    def counted(self):
        """Window positions per axis, counted by walking the padded grid."""
        return self.geometry.counted

    def _on_change(self, _change):
        self._refresh()

    def _update_window_slider(self):
        """Fit the window slider to the number of windows (no redraw)."""
        last = max(self.geometry.counted ** 2 - 1, 0)
        self._updating = True
        if self.window_slider.value > last:
            self.window_slider.value = last
        self.window_slider.max = last
        self.window_slider.disabled = last == 0
        self._updating = False

    def _refresh(self):
        """Recompute the geometry for the current controls and redraw."""
        if self._updating:
            return
        self.geometry = _geometry(*self.settings())
        self.p_slider.disabled = self.geometry.mode != "explicit"
        self._update_window_slider()
        self.student_ok, self.student_text = _student_check(self.output_size_fn,
                                                            self.geometry)
        self.lines = _text_lines(self.geometry, self.output_size_fn)
        self.image.value = figure_to_png(self.static_figure())
        self.text.value = html_pre(self.lines)

    def static_figure(self):
        """Fallback snapshot: the current setting."""
        n, f, p, s, d, mode = self.settings()
        return static_padding_figure(n, f, p, s, d, mode, self.output_size_fn,
                                     self.window_slider.value)


def explore_padding(n=7, f=3, p=1, s=2, d=1, mode="explicit", output_size_fn=None):
    """Return a widget exploring padding, stride and dilation on an n x n input.

    Sliders set N, F, P, S, D; the buttons choose 'explicit P', 'same'
    (TensorFlow's rule) or 'valid' (P = 0).  The picture shows the padded
    input, where the window's top-left lands, the taps of one dilated window
    and the output size with the formula's numbers substituted.

    output_size_fn: optional student function f(n, f, p, s, d) -> int; the
    widget shows its value next to the number of positions the window really
    visits, with ✓ or ✗ (exceptions are caught and shown as text).

    Put the call last in a cell to display it; without a widget front-end
    the cell shows a static figure of the initial setting instead.
    """
    return PaddingExplorer(n, f, p, s, d, mode, output_size_fn)
