"""Explore padding, stride and dilation (chapter 03).

``explore_padding()`` shows an input of height x width cells surrounded by
its padding, the cells where the window's top-left corner lands, the taps
of one dilated window, and the output size along each axis with the
formula's numbers substituted::

    O = floor((N + 2P - D·(F-1) - 1) / S) + 1

Every size may differ between the axes: n, f, p, s and d are each an int
(the same on both axes) or a (height, width) pair.  'same' uses
TensorFlow's rule (O = ceil(N/S), the odd extra padding pixel goes to the
bottom/right) and 'valid' means P = 0.

The number of window positions is *counted* by walking the padded grid, not
taken from the formula, so a student can pass their own one-axis
``conv_output_size(n, f, p, s, d)`` as ``output_size_fn``: it is called once
per axis and gets a ✓ or ✗ per axis (raising ValueError is the right answer
where no window fits).

``static_padding_figure()`` draws the same picture, with the formula and the
checks written underneath, as a plain matplotlib Figure; it is the static
fallback when no widget front-end runs.
"""

import textwrap
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ._display import ExplorerBox, figure_to_png, html_pre, new_figure
from ._inputs import is_int as _is_int

MODES = ("explicit", "same", "valid")
ANNOTATE_MAX = 16  # write "0" in padding cells for padded grids up to 16 x 16
SIDES = {"height": ("top", "bottom"), "width": ("left", "right")}


# --------------------------------------------------------------------------
# arithmetic (private: the graded exercises live elsewhere)
# --------------------------------------------------------------------------


@dataclass
class _Axis:
    """One axis (height or width) of the padded input for one setting."""

    name: str  # "height" or "width"
    n: int
    f: int
    p: int  # the explicit padding asked for (0 in 'valid'; unused in 'same')
    s: int
    d: int
    before: int  # padding on the top (height) or on the left (width)
    after: int  # padding on the bottom or on the right
    padded: int  # n + before + after
    starts: list  # window start indices along this axis, found by walking
    formula_value: int  # output size according to the formula
    formula_line: str  # the formula with this axis's numbers substituted

    @property
    def counted(self):
        """Number of window positions along this axis (from the walk)."""
        return len(self.starts)

    @property
    def extent(self):
        """Cells spanned by one dilated window: D·(F-1) + 1."""
        return self.d * (self.f - 1) + 1


@dataclass
class _Geometry:
    """Everything the picture needs for one setting of the controls."""

    mode: str
    rows: _Axis  # the height axis
    cols: _Axis  # the width axis
    formula_lines: list  # the rule, then one substituted line per axis

    @property
    def axes(self):
        """(rows, cols)."""
        return self.rows, self.cols

    @property
    def counted(self):
        """(output height, output width), counted by walking the padded grid."""
        return self.rows.counted, self.cols.counted

    @property
    def n_windows(self):
        """Number of window positions in all."""
        return self.rows.counted * self.cols.counted


def _pair(value, name, low):
    """Return ``value`` (an int, or a (height, width) pair) as a pair of ints >= ``low``.

    Raises ValueError for anything else.
    """
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(_is_int(v) for v in pair):
        raise ValueError(f"{name} must be an integer or a (height, width) pair of "
                         f"integers, got {value!r}")
    if min(pair) < low:
        raise ValueError(f"{name} must be at least {low}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_settings(n, f, p, s, d, mode):
    """Return (n, f, p, s, d) as (height, width) pairs; ValueError unless they make sense."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    return (_pair(n, "n", 1), _pair(f, "f", 1), _pair(p, "p", 0), _pair(s, "s", 1),
            _pair(d, "d", 1))


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


def _explicit_line(name, n, f, p, s, d):
    """The formula for one axis with its numbers substituted."""
    top = n + 2 * p - d * (f - 1) - 1
    value = _formula_output_size(n, f, p, s, d)
    return (f"  {name + ':':7} floor(({n} + 2·{p} - {d}·({f}-1) - 1) / {s}) + 1"
            f" = floor({top}/{s}) + 1 = {value}")


def _same_line(name, n, f, s, d):
    """TensorFlow's 'same' rule for one axis with its numbers substituted."""
    out, total, before, after = _tf_same(n, f, s, d)
    first, second = SIDES[name]
    return (f"  {name + ':':7} O = ceil({n}/{s}) = {out}, T = max(({out}-1)·{s} + "
            f"{d}·({f}-1) + 1 - {n}, 0) = {total} -> {before} {first}, {after} {second}")


RULES = {
    "explicit": ["O = floor((N + 2P - D·(F-1) - 1) / S) + 1"],
    "valid": ["'valid': no padding, P = 0", "O = floor((N + 2P - D·(F-1) - 1) / S) + 1"],
    "same": ["'same' (TensorFlow): O = ceil(N/S), total padding "
             "T = max((O-1)·S + D·(F-1) + 1 - N, 0):",
             "  T//2 before (top/left), the rest after (bottom/right)"],
}


def _axis(name, n, f, p, s, d, mode):
    """Padding, window starts and formula line along one axis."""
    if mode == "same":
        out, _total, before, after = _tf_same(n, f, s, d)
        line = _same_line(name, n, f, s, d)
    else:
        if mode == "valid":
            p = 0
        before = after = p
        out = _formula_output_size(n, f, p, s, d)
        line = _explicit_line(name, n, f, p, s, d)
    padded = n + before + after
    return _Axis(name=name, n=n, f=f, p=p, s=s, d=d, before=before, after=after,
                 padded=padded, starts=_walk_starts(padded, f, s, d),
                 formula_value=out, formula_line=line)


def _geometry(n, f, p, s, d, mode):
    """Padding, window positions and formula for one setting (ints or pairs)."""
    pairs = _check_settings(n, f, p, s, d, mode)
    rows = _axis("height", *(pair[0] for pair in pairs), mode)
    cols = _axis("width", *(pair[1] for pair in pairs), mode)
    lines = RULES[mode] + [rows.formula_line, cols.formula_line]
    return _Geometry(mode=mode, rows=rows, cols=cols, formula_lines=lines)


def _positions_line(geo):
    """What the walk found, or why there is no output."""
    rows, cols = geo.axes
    if geo.n_windows == 0:
        return "; ".join(
            f"no valid output position along the {axis.name}: the dilated window spans "
            f"D·(F-1)+1 = {axis.extent} cells but the padded input has only {axis.padded}"
            for axis in geo.axes if axis.counted == 0)
    return (f"walking the padded {rows.padded}×{cols.padded} grid, the window fits at "
            f"{rows.counted} × {cols.counted} positions -> output {rows.counted}×{cols.counted}")


def _function_name(fn):
    """The student's function name, or 'output_size_fn' for a lambda."""
    name = getattr(fn, "__name__", "")
    return name if name.isidentifier() else "output_size_fn"


def _student_check(fn, axis):
    """Call the student's one-axis ``fn`` for ``axis``; return (ok, text).

    ok is True (✓), False (✗) or None (no verdict: not written yet, or
    'same' padding that one P cannot express).  Where no window fits the
    right answer is to raise ValueError.
    """
    label = f"{axis.name + ':':7}"
    name = _function_name(fn)
    if axis.before != axis.after:
        first, second = SIDES[axis.name]
        return None, (f"– {label} 'same' pads {axis.before} {first} and {axis.after} "
                      f"{second} here; one P cannot say that, so {name} is not checked")
    call = f"{name}({axis.n}, {axis.f}, {axis.before}, {axis.s}, {axis.d})"
    try:
        value = fn(axis.n, axis.f, axis.before, axis.s, axis.d)
    except NotImplementedError:
        return None, f"– {label} {name} is not written yet (it raises NotImplementedError)"
    except ValueError as error:
        if axis.counted == 0:
            return True, f"✓ {label} {call} raised ValueError: right, no window fits"
        return False, (f"✗ {label} {call} raised ValueError ({error}), but the window "
                       f"fits at {axis.counted} positions")
    except Exception as error:  # the student's code may raise anything
        return False, f"✗ {label} {call} raised {type(error).__name__}: {error}"
    shown = str(value) if _is_int(value) else repr(value)  # -1, not np.int64(-1)
    if axis.counted == 0:
        return False, (f"✗ {label} {call} returned {shown}, but no window fits: "
                       "it should raise ValueError")
    if not _is_int(value):
        return False, (f"✗ {label} {call} = {shown} ({type(value).__name__}); "
                       f"expected the int {axis.counted}")
    if value != axis.counted:
        return False, f"✗ {label} {call} = {value}, but the window visits {axis.counted} positions"
    return True, f"✓ {label} {call} = {value}; the window visits {axis.counted} positions"


def _student_checks(fn, geo):
    """[(ok, text) for the height, (ok, text) for the width], or [] without ``fn``."""
    if fn is None:
        return []
    return [_student_check(fn, axis) for axis in geo.axes]


def _verdict(checks):
    """False if any axis is wrong, True if every axis is right, else None."""
    oks = [ok for ok, _text in checks]
    if False in oks:
        return False
    if oks and all(ok is True for ok in oks):
        return True
    return None


def _text_lines(geo, checks):
    """All the lines written under the picture: formula, positions, checks."""
    return geo.formula_lines + [_positions_line(geo)] + [text for _ok, text in checks]


# --------------------------------------------------------------------------
# drawing
# --------------------------------------------------------------------------

PADDING_COLOR = "#e0e0e0"
INPUT_COLOR = "#9ecae1"
TAP_COLOR = "#fd8d3c"

# figure layout, in inches: the figure is sized to its content
CELL = 0.4  # largest cell
GRIDS_WIDTH = 8.0  # both grids side by side, at most
GRIDS_HEIGHT = 4.2  # the taller grid, at most
LEFT_MIN = 3.4  # room for the input grid's title
RIGHT_MIN = 2.8  # room for the output grid's title
GAP = 0.5
MARGIN = 0.25
HEADER = 1.0  # suptitle, legend and grid titles
LINE = 0.16  # one line of text under the picture
MIN_WIDTH = 8.2  # room for the legend
CHAR = 0.075  # width of one monospace character at 9 pt


def _window_origin(geo, window):
    """Top-left (row, col) of window number ``window`` (row-major)."""
    row, col = divmod(window, geo.cols.counted)
    return geo.rows.starts[row], geo.cols.starts[col]


def _taps(geo, window):
    """(row, col) of every tap of one dilated window."""
    row0, col0 = _window_origin(geo, window)
    rows, cols = geo.axes
    return [(row0 + rows.d * a, col0 + cols.d * b) for a in range(rows.f) for b in range(cols.f)]


def _grid_lines(ax, shape):
    """White lines between cells, no ticks."""
    height, width = shape
    ax.set_xticks([])
    ax.set_yticks([])
    ax.vlines(np.arange(0.5, width - 1), -0.5, height - 0.5, color="white", linewidth=1)
    ax.hlines(np.arange(0.5, height - 1), -0.5, width - 0.5, color="white", linewidth=1)
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)


def _pair_text(a, b):
    """'3' when both axes agree, else '(3, 5)' (height, width)."""
    return str(a) if a == b else f"({a}, {b})"


def _draw_padded_input(ax, geo, window, cell):
    """Padded grid: padding, input, taps of one window, top-left positions."""
    rows, cols = geo.axes
    cells = np.zeros((rows.padded, cols.padded))
    cells[rows.before:rows.before + rows.n, cols.before:cols.before + cols.n] = 1
    if geo.n_windows:
        for row, col in _taps(geo, window):
            cells[row, col] = 2
    ax.imshow(cells, cmap=ListedColormap([PADDING_COLOR, INPUT_COLOR, TAP_COLOR]),
              vmin=0, vmax=2)
    _grid_lines(ax, cells.shape)
    ax.add_patch(Rectangle((cols.before - 0.5, rows.before - 0.5), cols.n, rows.n,
                           fill=False, edgecolor="#08519c", linewidth=2))
    starts_r, starts_c = np.meshgrid(rows.starts, cols.starts, indexing="ij")
    if max(cells.shape) <= ANNOTATE_MAX and cell >= 0.22:
        _write_padding_zeros(ax, cells, set(zip(starts_r.ravel(), starts_c.ravel())))
    if geo.n_windows:
        row0, col0 = _window_origin(geo, window)
        ax.add_patch(Rectangle((col0 - 0.5, row0 - 0.5), cols.extent, rows.extent,
                               fill=False, edgecolor="#d94801", linewidth=2,
                               linestyle="--"))
        ax.scatter(starts_c.ravel(), starts_r.ravel(), s=(0.15 * cell * 72) ** 2,
                   color="black", zorder=3)
    ax.set_title(f"padded input ({rows.before}+{rows.n}+{rows.after})×"
                 f"({cols.before}+{cols.n}+{cols.after}) = {rows.padded}×{cols.padded}",
                 fontsize=10)


def _write_padding_zeros(ax, cells, dots):
    """Padding cells hold zeros: write them, except under the (row, col) ``dots``."""
    for (row, col), kind in np.ndenumerate(cells):
        if kind == 0 and (row, col) not in dots:
            ax.text(col, row, "0", ha="center", va="center", fontsize=7, color="0.45")


def _draw_output(ax, geo, window):
    """The output grid with the cell of the highlighted window."""
    if geo.n_windows == 0:
        ax.axis("off")
        ax.text(0.5, 0.5, "no valid output position", ha="center", va="center",
                fontsize=12, color="darkred", transform=ax.transAxes)
        return
    cells = np.zeros(geo.counted)
    cells[divmod(window, geo.cols.counted)] = 1
    ax.imshow(cells, cmap=ListedColormap(["#c7e9c0", TAP_COLOR]), vmin=0, vmax=1)
    _grid_lines(ax, cells.shape)
    ax.set_title(f"output {cells.shape[0]}×{cells.shape[1]} (window {window} in orange)",
                 fontsize=10)


def _legend(fig, height):
    """Colour key for the padded grid, under the suptitle."""
    handles = [
        Patch(color=PADDING_COLOR, label="padding (zeros)"),
        Patch(color=INPUT_COLOR, label="input"),
        Patch(color=TAP_COLOR, label="taps of one dilated window"),
        Line2D([], [], color="black", marker="o", linestyle="", label="window top-left positions"),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize=9, frameon=False,
               bbox_to_anchor=(0.5, 1 - 0.32 / height))


def _suptitle(geo):
    """Mode, kernel, stride and dilation in one line."""
    rows, cols = geo.axes
    padding = {"explicit": f"explicit padding P={_pair_text(rows.p, cols.p)}",
               "same": "'same' padding", "valid": "'valid' (no padding)"}[geo.mode]
    title = (f"{padding}, kernel F={_pair_text(rows.f, cols.f)}, "
             f"stride S={_pair_text(rows.s, cols.s)}, dilation D={_pair_text(rows.d, cols.d)}")
    pairs = [(rows.n, cols.n), (rows.f, cols.f), (rows.s, cols.s), (rows.d, cols.d)]
    if geo.mode == "explicit":
        pairs.append((rows.p, cols.p))
    if any(a != b for a, b in pairs):
        title += "  (pairs: height, width)"
    return title


def _layout(geo, n_lines):
    """Figure size and the two grids' boxes, in inches, sized to the content.

    Returns (width, height, cell, input_box, output_box); a box is
    (left, bottom, width, height) in figure fractions.  Both grids use the
    same cell size and hang from the same top line.
    """
    rows, cols = geo.axes
    out_rows, out_cols = max(rows.counted, 1), max(cols.counted, 1)
    cell = min(CELL, GRIDS_WIDTH / (cols.padded + out_cols),
               GRIDS_HEIGHT / max(rows.padded, out_rows))
    left, right = max(cell * cols.padded, LEFT_MIN), max(cell * out_cols, RIGHT_MIN)
    width = max(2 * MARGIN + left + GAP + right, MIN_WIDTH)
    side = (width - left - GAP - right) / 2
    text = LINE * n_lines + 0.15 if n_lines else 0.0
    height = HEADER + cell * max(rows.padded, out_rows) + text + MARGIN

    def box(x0, column, n_rows, n_cols):
        w, h = cell * n_cols, cell * n_rows
        return ((x0 + (column - w) / 2) / width, (height - HEADER - h) / height,
                w / width, h / height)

    return (width, height, cell, box(side, left, rows.padded, cols.padded),
            box(side + left + GAP, right, out_rows, out_cols))


def _wrap(lines, width_inches):
    """Wrap long lines to the figure's width (continuations indented)."""
    chars = int((width_inches - 2 * MARGIN) / CHAR)
    wrapped = []
    for line in lines:
        wrapped += textwrap.wrap(line, width=chars, subsequent_indent="      ") or [""]
    return wrapped


def _padding_figure(geo, lines, window):
    """The whole picture: grids on top, ``lines`` (may be empty) underneath."""
    width, _height, _cell, _in_box, _out_box = _layout(geo, 0)
    lines = _wrap(lines, width)
    width, height, cell, in_box, out_box = _layout(geo, len(lines))
    fig = new_figure(width, height)
    _draw_padded_input(fig.add_axes(in_box), geo, window, cell)
    _draw_output(fig.add_axes(out_box), geo, window)
    _legend(fig, height)
    fig.suptitle(_suptitle(geo), fontsize=12, y=1 - 0.08 / height, va="top")
    if lines:
        fig.text(MARGIN / width, MARGIN / height, "\n".join(lines), ha="left", va="bottom",
                 family="monospace", fontsize=9)
    return fig


def _check_window(geo, window):
    """Raise ValueError unless ``window`` indexes one of the window positions."""
    last = max(geo.n_windows - 1, 0)
    if not _is_int(window) or not 0 <= window <= last:
        raise ValueError(f"window must be an integer between 0 and {last}, got {window!r}")


def static_padding_figure(n=7, f=3, p=1, s=2, d=1, mode="explicit",
                          output_size_fn=None, window=0):
    """Return a matplotlib Figure of the padded input, window positions and formula.

    n: input size, f: kernel size, p: padding per side (mode 'explicit'
    only), s: stride, d: dilation; each an int (both axes) or a
    (height, width) pair.  mode: 'explicit', 'same' or 'valid'.
    output_size_fn: optional student function f(n, f, p, s, d) -> int for
    one axis, called per axis and checked against the counted positions.
    window: which window's taps to highlight (row-major index).

    Returns the Figure, with the formula and the checks written under the grids.
    """
    geo = _geometry(n, f, p, s, d, mode)
    _check_window(geo, window)
    lines = _text_lines(geo, _student_checks(output_size_fn, geo))
    return _padding_figure(geo, lines, window)


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------

SLIDER_WIDTH = "210px"


def _slider_pair(values, low, high):
    """(height, width) IntSliders that update on release, wide enough for ``values``."""
    return tuple(widgets.IntSlider(value=value, min=low, max=max(high, value),
                                   continuous_update=False,
                                   layout=widgets.Layout(width=SLIDER_WIDTH))
                 for value in values)


def _auto_padding_text(axis, mode):
    """What the padding slider's place says outside 'explicit' mode."""
    if mode == "valid":
        return "0 ('valid')"
    first, second = SIDES[axis.name]
    return f"auto: {axis.before} {first}, {axis.after} {second}"


class PaddingExplorer(ExplorerBox):
    """Padding / stride / dilation widget; build it with ``explore_padding()``.

    Controls: ``mode_buttons``, ``window_slider`` and one (height, width)
    pair of sliders per size: ``n_sliders``, ``f_sliders``, ``p_sliders``
    (replaced by the ``p_labels`` text outside 'explicit' mode),
    ``s_sliders``, ``d_sliders``.

    State for inspection (updated at every change): ``geometry`` (per axis
    ``rows`` / ``cols``: padding before/after, padded size, window
    ``starts``, ``counted``), ``counted`` ((output height, output width)),
    ``lines`` (the text shown once, under the picture; the live ``figure``
    has only the grids), ``checks`` ((ok, text) per axis), ``student_ok``
    (True / False / None) and ``student_text``.
    """

    summary = "explore_padding"

    def __init__(self, n=7, f=3, p=1, s=2, d=1, mode="explicit", output_size_fn=None):
        n, f, p, s, d = _check_settings(n, f, p, s, d, mode)
        if output_size_fn is not None and not callable(output_size_fn):
            raise ValueError(f"output_size_fn must be a function or None, got {output_size_fn!r}")
        self.output_size_fn = output_size_fn
        self.n_sliders = _slider_pair(n, 1, 16)
        self.f_sliders = _slider_pair(f, 1, 7)
        self.p_sliders = _slider_pair(p, 0, 5)
        self.s_sliders = _slider_pair(s, 1, 4)
        self.d_sliders = _slider_pair(d, 1, 4)
        self.p_labels = (widgets.Label(), widgets.Label())
        self.mode_buttons = widgets.ToggleButtons(
            options=[("explicit P", "explicit"), ("same", "same"), ("valid", "valid")],
            value=mode, style={"button_width": "80px"})
        self.window_slider = widgets.IntSlider(value=0, min=0, max=0, description="window #",
                                               continuous_update=False)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.text = widgets.HTML()
        super().__init__(children=[self._mode_row(), self._slider_grid(), self.image,
                                   self.text])
        self._updating = False  # True while the window slider is being refitted

        for control in (*self.n_sliders, *self.f_sliders, *self.p_sliders, *self.s_sliders,
                        *self.d_sliders, self.mode_buttons, self.window_slider):
            control.observe(self._on_change, names="value")
        self._refresh()

    def _mode_row(self):
        """'padding' label and mode buttons on one row, the window slider after them."""
        return widgets.HBox([widgets.Label("padding"), self.mode_buttons, self.window_slider],
                            layout=widgets.Layout(align_items="center", flex_flow="row wrap"))

    def _slider_grid(self):
        """One row per size, one column per axis."""
        children = [widgets.Label(""), widgets.HTML("<b>height</b> (rows)"),
                    widgets.HTML("<b>width</b> (columns)")]
        rows = [("input N", self.n_sliders), ("kernel F", self.f_sliders),
                ("padding P", [widgets.HBox([slider, label]) for slider, label
                               in zip(self.p_sliders, self.p_labels)]),
                ("stride S", self.s_sliders), ("dilation D", self.d_sliders)]
        for name, (height, width) in rows:
            children += [widgets.Label(name), height, width]
        return widgets.GridBox(children, layout=widgets.Layout(
            grid_template_columns=f"90px {SLIDER_WIDTH} {SLIDER_WIDTH}", grid_gap="0 12px"))

    def settings(self):
        """Current ((h, w) of n, f, p, s, d, then mode) from the controls."""
        pairs = (self.n_sliders, self.f_sliders, self.p_sliders, self.s_sliders, self.d_sliders)
        return (*(tuple(slider.value for slider in pair) for pair in pairs),
                self.mode_buttons.value)

    @property
    def counted(self):
        """(output height, output width), counted by walking the padded grid."""
        return self.geometry.counted

    def _on_change(self, _change):
        self._refresh()

    def _update_window_slider(self):
        """Fit the window slider to the number of windows (no redraw)."""
        last = max(self.geometry.n_windows - 1, 0)
        self._updating = True
        if self.window_slider.value > last:
            self.window_slider.value = last
        self.window_slider.max = last
        self.window_slider.disabled = last == 0
        self._updating = False

    def _update_padding_controls(self):
        """Explicit mode: the P sliders; otherwise text with the padding really used."""
        explicit = self.geometry.mode == "explicit"
        for slider, label, axis in zip(self.p_sliders, self.p_labels, self.geometry.axes):
            slider.disabled = not explicit
            slider.layout.display = None if explicit else "none"
            label.layout.display = "none" if explicit else None
            label.value = "" if explicit else _auto_padding_text(axis, self.geometry.mode)

    def _refresh(self):
        """Recompute the geometry for the current controls and redraw."""
        if self._updating:
            return
        self.geometry = _geometry(*self.settings())
        self._update_padding_controls()
        self._update_window_slider()
        self.checks = _student_checks(self.output_size_fn, self.geometry)
        self.student_ok = _verdict(self.checks)
        self.student_text = "\n".join(text for _ok, text in self.checks)
        self.lines = _text_lines(self.geometry, self.checks)
        self.figure = _padding_figure(self.geometry, [], self.window_slider.value)
        self.image.value = figure_to_png(self.figure)
        self.text.value = html_pre(self.lines)

    def static_figure(self):
        """Fallback snapshot: the current setting, with the text under the grids."""
        return _padding_figure(self.geometry, self.lines, self.window_slider.value)


def explore_padding(n=7, f=3, p=1, s=2, d=1, mode="explicit", output_size_fn=None):
    """Return a widget exploring padding, stride and dilation.

    n: input size, f: kernel size, p: padding per side (explicit mode),
    s: stride, d: dilation; each an int (the same on both axes) or a
    (height, width) pair.  mode: 'explicit', 'same' (TensorFlow's rule) or
    'valid' (P = 0).

    Sliders set every size per axis; the buttons choose the padding mode.
    The picture shows the padded input, where the window's top-left lands,
    the taps of one dilated window and the output; the text under it gives
    the output size per axis with the formula's numbers substituted.

    output_size_fn: optional student function f(n, f, p, s, d) -> int for
    one axis (like ``conv_output_size``).  It is called once per axis and
    gets ✓ or ✗ next to the number of positions the window really visits;
    raising ValueError is right where no window fits, NotImplementedError
    means "not written yet", other exceptions are shown as ✗.

    Returns a PaddingExplorer (an ipywidgets VBox).  Put the call last in a
    cell to display it; without a widget front-end the cell shows a static
    figure of the initial setting instead.  Raises ValueError for invalid
    settings.
    """
    return PaddingExplorer(n, f, p, s, d, mode, output_size_fn)
