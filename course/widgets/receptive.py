"""Explore the receptive field of one unit in a stack of layers (chapter 01).

``explore_receptive_field(image, layers)`` draws one panel per level: the
input image, then the map after each layer, each as a grid of its real
size.  Pick a unit of the last map with the two sliders: it is highlighted,
and in every lower level, down to the input digit, the cells it depends on
are tinted and its window is outlined (dashed where the window reaches into
the padding, outside the map).  Three toggles change the default stack
(three 3×3 convolutions): stride 2 in layer 1, 2×2 max pooling with stride 2
after layer 1, dilation 2 in layer 3.

A stack is the course's layer description, one axis at a time (the layers
are square): a list of dicts ``{"k": kernel, "s": stride, "p": padding on
each side, "d": dilation, "name": panel title}``; s, p, d and name are
optional (1, 0, 1, "layer N").  A pooling layer is a layer like any other:
``{"name": "max pool 2×2", "k": 2, "s": 2}``.  The map size per axis is
floor((n + 2p - d·(k-1) - 1) / s) + 1, and the text under the picture
computes, layer by layer, ::

    r_l = r_(l-1) + d_l·(k_l - 1)·j_(l-1)     (receptive field size)
    j_l = j_(l-1)·s_l                         (jump: input pixels between units)
    start_l = start_(l-1) - p_l·j_(l-1)       (input position of unit 0's window)

with r_0 = j_0 = 1 and start_0 = 0; unit i of level l sees the input pixels
start_l + i·j_l ... start_l + i·j_l + r_l - 1 along each axis.  The cells
tinted in the lower levels are found independently, by following the unit's
inputs down the stack layer by layer (a padding cell is a zero and passes
nothing further down), so they are exactly the pixels with a non-zero
gradient.  They lie inside the window, with gaps where dilation (or a stride
larger than the kernel) skips cells; at the input their bounding box is the
window clipped to the image, except near a border where padding cut a
dilated or strided read short (the text then says which pixels are really
read).

``static_receptive_field_figure(image, layers, unit)`` draws the same
picture, with the table written underneath, as a plain matplotlib Figure;
it is the static fallback when no widget front-end runs.
"""

import textwrap
from collections.abc import Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ._display import ExplorerBox, html_pre, new_figure, rgba_to_png
from ._inputs import is_int as _is_int, real_matrix

LAYER_KEYS = ("name", "k", "s", "p", "d")
DEFAULTS = {"s": 1, "p": 0, "d": 1}
LOWEST = {"k": 1, "s": 1, "p": 0, "d": 1}
TOGGLES = {
    "stride": "stride 2 in layer 1",
    "pool": "2×2 max pooling (stride 2) after layer 1",
    "dilation": "dilation 2 in layer 3",
}


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------


def _check_image(image):
    """Return ``image`` as a non-empty 2-D float64 array, or raise ValueError."""
    return real_matrix(image, "image")


def _default_image():
    """The first MNIST test digit (28 x 28 uint8); the loader's error if it cannot load."""
    from course.data import load_mnist

    return load_mnist("test")[0][0]


def _check_layer(layer, number):
    """Return layer ``number`` (1-based) as a dict with every key, or raise ValueError."""
    where = f"layer {number}"
    if not isinstance(layer, Mapping):
        raise ValueError(f"{where} must be a dict like {{'k': 3, 's': 1, 'p': 0, 'd': 1}}, "
                         f"got {layer!r}")
    unknown = [key for key in layer if key not in LAYER_KEYS]
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {unknown}: expected only "
                         f"{list(LAYER_KEYS)} (k required)")
    if "k" not in layer:
        raise ValueError(f"{where} has no kernel size: every layer needs the key 'k', "
                         f"got {dict(layer)!r}")
    full = {key: layer.get(key, DEFAULTS.get(key)) for key in ("k", "s", "p", "d")}
    for key, value in full.items():
        if not _is_int(value):
            raise ValueError(f"{where}: {key} must be an integer, got {value!r}")
        if value < LOWEST[key]:
            raise ValueError(f"{where}: {key} must be at least {LOWEST[key]}, got {value!r}")
    name = layer.get("name", f"layer {number}")
    if not isinstance(name, str):
        raise ValueError(f"{where}: name must be a string, got {name!r}")
    return {"name": name, **{key: int(value) for key, value in full.items()}}


def _check_layers(layers):
    """Return ``layers`` as a list of complete layer dicts, or raise ValueError."""
    if isinstance(layers, Mapping) or not isinstance(layers, (list, tuple)):
        raise ValueError(f"layers must be a list of dicts (one per layer), got {layers!r}")
    if not layers:
        raise ValueError("layers must hold at least one layer, got an empty list")
    return [_check_layer(layer, number) for number, layer in enumerate(layers, start=1)]


def _default_stack(stride=False, pool=False, dilation=False):
    """Three 3×3 convolutions, changed by the three toggles."""
    conv1 = {"name": "conv1 3×3" + (", stride 2" if stride else ""), "k": 3,
             "s": 2 if stride else 1}
    conv3 = {"name": "conv3 3×3" + (", dilation 2" if dilation else ""), "k": 3,
             "d": 2 if dilation else 1}
    pooling = [{"name": "max pool 2×2", "k": 2, "s": 2}] if pool else []
    return _check_layers([conv1, *pooling, {"name": "conv2 3×3", "k": 3}, conv3])


# --------------------------------------------------------------------------
# arithmetic (private: the graded exercises live elsewhere)
# --------------------------------------------------------------------------


def _map_size(n, layer):
    """floor((n + 2p - d·(k-1) - 1) / s) + 1: the output size along one axis (may be < 1)."""
    return (n + 2 * layer["p"] - layer["d"] * (layer["k"] - 1) - 1) // layer["s"] + 1


def _sizes(shape, layers):
    """(height, width) of every level, input first; 0 from the first empty map on."""
    sizes = [tuple(int(n) for n in shape)]
    for layer in layers:
        sizes.append(tuple(max(_map_size(n, layer), 0) if n > 0 else 0 for n in sizes[-1]))
    return sizes


def _receptive_table(layers, sizes):
    """One dict per layer: name, k, s, p, d, size, r, j, start (relative to the input)."""
    r, j, start = 1, 1, 0
    table = []
    for layer, size in zip(layers, sizes[1:]):
        r, j, start = (r + layer["d"] * (layer["k"] - 1) * j, j * layer["s"],
                       start - layer["p"] * j)
        table.append({**layer, "size": size, "r": r, "j": j, "start": start})
    return table


def _empty_level(sizes):
    """Index of the first layer that leaves no output (1-based level), or None."""
    for level, size in enumerate(sizes):
        if min(size) < 1:
            return level
    return None


def _size_text(n, layer):
    """The map-size formula with one axis's numbers substituted."""
    k, s, p, d = (layer[key] for key in "kspd")
    return (f"floor(({n} + 2·{p} - {d}·({k}-1) - 1) / {s}) + 1 = "
            f"{(n + 2 * p - d * (k - 1) - 1) // s + 1}")


def _no_output_message(layers, sizes):
    """Why the stack leaves nothing for this image (None if it does not)."""
    level = _empty_level(sizes)
    if level is None:
        return None
    layer, before = layers[level - 1], sizes[level - 1]
    k, p, d = layer["k"], layer["p"], layer["d"]
    if before[0] == before[1]:
        sizes_text = f"its output size is {_size_text(before[0], layer)}"
    else:
        sizes_text = "its output size is " + ", ".join(
            f"{name} {_size_text(n, layer)}" for name, n in zip(("height", "width"), before)
            if _map_size(n, layer) < 1)
    return (f"no output remains: layer {level} ({layer['name']}) gets a "
            f"{before[0]}×{before[1]} map, {before[0] + 2 * p}×{before[1] + 2 * p} with its "
            f"padding, but its window spans d·(k-1)+1 = {d}·({k}-1)+1 = {d * (k - 1) + 1} "
            f"cells, so {sizes_text}. Use a larger image or fewer, smaller or less "
            "strided layers.")


def _windows(layers, index):
    """The window of unit ``index`` of the last level at every level, along one axis.

    Top down: units first ... last of a layer read the cells first·s - p ...
    last·s - p + d·(k-1) of the level below.  Returns (first, last) per
    level, the input first; at the input this is start + i·j ... start +
    i·j + r - 1.  Positions < 0 or >= the map size lie in the padding.
    """
    first = last = index
    windows = [(first, last)]
    for layer in reversed(layers):
        k, s, p, d = (layer[key] for key in "kspd")
        first, last = first * s - p, last * s - p + d * (k - 1)
        windows.append((first, last))
    return windows[::-1]


def _footprint(layers, lengths, index):
    """The cells the unit ``index`` of the last level reads, level by level, along one axis.

    ``lengths``: the map size of every level along this axis, input first.
    Unit a of a layer reads the cells a·s - p + t·d (t = 0 ... k-1) of the
    level below; a cell in the padding (< 0 or >= the size) is a constant
    zero, so it is listed but reads nothing further down.  Returns one
    sorted tuple per level, the input first (it may be empty: a window
    that lies in the padding only).  The cells lie inside that level's
    window, with gaps where dilation skips cells.
    """
    cells = (index,)
    levels = [cells]
    for layer, n in zip(reversed(layers), reversed(lengths[1:])):
        k, s, p, d = (layer[key] for key in "kspd")
        real = [a for a in cells if 0 <= a < n]
        cells = tuple(sorted({a * s - p + t * d for a in real for t in range(k)}))
        levels.append(cells)
    return levels[::-1]


def _input_window(row, entry):
    """(first, last) input position seen by unit ``row`` of the layer in table ``entry``."""
    first = entry["start"] + row * entry["j"]
    return first, first + entry["r"] - 1


def _levels(layers, sizes, unit):
    """Per level (input first): name, size, the cells (rows, cols) the unit reads, and
    its window ((first_row, last_row), (first_col, last_col)) in that level's positions."""
    names = ["input"] + [layer["name"] for layer in layers]
    axes = []
    for axis, index in enumerate(unit):
        lengths = [size[axis] for size in sizes]
        axes.append((_footprint(layers, lengths, index), _windows(layers, index)))
    (rows, row_windows), (cols, col_windows) = axes
    return [{"name": name, "size": size, "rows": r, "cols": c, "window": (rw, cw)}
            for name, size, r, c, rw, cw in zip(names, sizes, rows, cols, row_windows,
                                                 col_windows)]


def _inside(cells, n):
    """The cells of one axis that lie in a map of size ``n`` (not in its padding)."""
    return tuple(a for a in cells if 0 <= a < n)


def _centre(sizes):
    """The centre unit of the last level, (row, col)."""
    return tuple((n - 1) // 2 for n in sizes[-1])


def _check_unit(unit, sizes):
    """Return ``unit`` as a (row, col) pair of ints inside the last map, or raise ValueError."""
    height, width = sizes[-1]
    if (not isinstance(unit, (tuple, list)) or len(unit) != 2
            or not all(_is_int(v) for v in unit)):
        raise ValueError(f"unit must be a (row, col) pair of integers, got {unit!r}")
    if not (0 <= unit[0] < height and 0 <= unit[1] < width):
        raise ValueError(f"unit must lie in the last map ({height}×{width}): row 0…"
                         f"{height - 1}, col 0…{width - 1}, got {tuple(unit)!r}")
    return int(unit[0]), int(unit[1])


class _Field:
    """Everything one setting shows: the stack, the table and the chosen unit's windows."""

    def __init__(self, shape, layers, unit=None):
        self.layers = layers
        self.sizes = _sizes(shape, layers)
        self.table = _receptive_table(layers, self.sizes)
        self.message = _no_output_message(layers, self.sizes)
        self.unit = self.window = self.levels = None
        if self.message is None:
            self.unit = _centre(self.sizes) if unit is None else _check_unit(unit, self.sizes)
            self.levels = _levels(layers, self.sizes, self.unit)
            top = self.table[-1]
            self.window = (_input_window(self.unit[0], top), _input_window(self.unit[1], top))


# --------------------------------------------------------------------------
# text under the picture
# --------------------------------------------------------------------------

RULE = ("r_l = r_(l-1) + d·(k-1)·j_(l-1),  j_l = j_(l-1)·s,  "
        "start_l = start_(l-1) - p·j_(l-1)   (r_0 = j_0 = 1, start_0 = 0)")


def _size_cell(size):
    """'26×26' (or 'none' where nothing remains)."""
    return f"{size[0]}×{size[1]}" if min(size) > 0 else "none"


def _table_lines(field):
    """The table: one row for the input, one per layer."""
    names = ["input"] + [entry["name"] for entry in field.table]
    width = max(len(name) for name in names + ["layer"])
    rows = [("level", "layer", "k", "s", "p", "d", "size", "r", "j", "start"),
            ("0", "input", "-", "-", "-", "-", _size_cell(field.sizes[0]), "1", "1", "0")]
    for level, entry in enumerate(field.table, start=1):
        rows.append((str(level), entry["name"], *(str(entry[key]) for key in "kspd"),
                     _size_cell(entry["size"]),
                     *(str(entry[key]) for key in ("r", "j", "start"))))
    return [f"{a:>5}  {b:<{width}}  {k:>2} {s:>2} {p:>2} {d:>2}  {size:>7}  "
            f"{r:>3} {j:>3}  {start:>5}"
            for a, b, k, s, p, d, size, r, j, start in rows]


def _recurrence_lines(field):
    """The recurrence with each layer's numbers substituted."""
    lines = [RULE]
    r, j, start = 1, 1, 0
    for level, (entry, before) in enumerate(zip(field.table, field.sizes), start=1):
        k, s, p, d = (entry[key] for key in "kspd")
        size = f"size {_size_text(before[0], entry)}" if min(before) > 0 else "size: none"
        if before[1] != before[0] and min(before) > 0:
            size += f" (width: {_size_text(before[1], entry)})"
        lines.append(f"  level {level}: r = {r} + {d}·({k}-1)·{j} = {entry['r']},  "
                     f"j = {j}·{s} = {entry['j']},  start = {start} - {p}·{j} = "
                     f"{entry['start']};  {size}")
        r, j, start = entry["r"], entry["j"], entry["start"]
    return lines


def _window_lines(field):
    """Where the chosen unit's window lies in the input (or why there is no unit)."""
    if field.message is not None:
        return [field.message]
    top, level = field.table[-1], len(field.table)
    start, j, r = top["start"], top["j"], top["r"]
    lines = [f"unit (row {field.unit[0]}, col {field.unit[1]}) of level {level} "
             f"({top['name']}, {_size_cell(top['size'])}) sees this input window:"]
    for axis, i, (first, last) in zip(("rows", "columns"), field.unit, field.window):
        lines.append(f"  {axis + ':':8} first = start + i·j = {start} + {i}·{j} = {first},  "
                     f"last = first + r - 1 = {first} + {r} - 1 = {last}")
    (r0, r1), (c0, c1) = field.window
    height, width = field.sizes[0]
    summary = f"  -> a {r}×{r} window: input rows {r0}…{r1}, columns {c0}…{c1}"
    clipped = (_clip((r0, r1), height), _clip((c0, c1), width))
    if None in clipped:
        return lines + [summary + f"; it lies entirely in the padding, outside the "
                                  f"{height}×{width} image"]
    if clipped != field.window:
        summary += (f"; inside the {height}×{width} image only rows {_span(clipped[0])}, "
                    f"columns {_span(clipped[1])}, the rest is padding")
    lines.append(summary)
    seen = (_inside(field.levels[0]["rows"], height), _inside(field.levels[0]["cols"], width))
    if not (seen[0] and seen[1]):
        lines.append("  but higher up it reads only padding cells, which are zeros and pass "
                     "nothing down: it depends on no input pixel at all")
    elif ((seen[0][0], seen[0][-1]), (seen[1][0], seen[1][-1])) != clipped:
        lines.append(f"  it really reads only input rows {seen[0][0]}…{seen[0][-1]}, columns "
                     f"{seen[1][0]}…{seen[1][-1]}: padding cells of the layers above are "
                     "zeros and pass nothing down")
    return lines


def _clip(window, n):
    """(first, last) of ``window`` inside a map of size ``n``; None if it lies outside."""
    first, last = max(window[0], 0), min(window[1], n - 1)
    return (first, last) if first <= last else None


def _span(window):
    """'3…9' for (3, 9)."""
    return f"{window[0]}…{window[1]}"


def _text_lines(field):
    """All the lines written under the picture."""
    return _table_lines(field) + _recurrence_lines(field) + _window_lines(field)


# --------------------------------------------------------------------------
# drawing: one imshow of RGB cells and two rectangles per level
# --------------------------------------------------------------------------

PADDING_COLOR = to_rgb("#e3e3e3")
MAP_COLOR = to_rgb("#c6dbef")
SEEN_COLOR = to_rgb("#fd8d3c")  # a cell the unit depends on
SEEN_PADDING_COLOR = to_rgb("#fdd0a2")  # ... lying in the padding
UNIT_COLOR = to_rgb("#a63603")
WINDOW_COLOR = "#a63603"
BORDER_COLOR = "#08519c"
TINT = 0.6  # how much orange covers a digit pixel the unit depends on

# figure layout, in inches
PANEL = 2.3  # the largest side of a panel
PER_ROW = 5  # panels per row
GAP = 0.45
MARGIN = 0.25
HEADER = 0.85  # suptitle and legend
TITLE = 0.5  # a panel's two-line title
MIN_WIDTH = 9.0  # room for the legend
LINE = 0.16  # one line of text under the picture
CHAR = 0.075  # width of one monospace character at 9 pt
GRID_MAX = 40  # draw lines between cells up to 40 cells per axis


def _extent(size, first_window, last_window):
    """(low, high) cell positions a panel shows along one axis: the map plus the padding
    that the first and the last unit's windows reach into."""
    return min(first_window[0], 0), max(last_window[1], size - 1)


def _grey(image):
    """The digit as RGB greys: 0 white, the largest value black."""
    low, high = float(image.min()), float(image.max())
    scaled = (image - low) / (high - low) if high > low else np.zeros_like(image)
    return np.repeat((1.0 - 0.85 * scaled)[..., None], 3, axis=2)


class _Panel:
    """One level: its axes, the RGB cells (padding included) and the window outlines."""

    def __init__(self, ax, size, extents, base_cells, is_top):
        self.ax, self.size, self.is_top = ax, size, is_top
        self.digit = np.ndim(base_cells) == 3  # the input image, not a plain map
        (self.row_low, row_high), (self.col_low, col_high) = extents
        shape = (row_high - self.row_low + 1, col_high - self.col_low + 1, 3)
        self.base = np.empty(shape)
        self.base[:] = PADDING_COLOR
        rows = slice(-self.row_low, -self.row_low + size[0])
        cols = slice(-self.col_low, -self.col_low + size[1])
        self.base[rows, cols] = base_cells
        self.inside = np.zeros(shape[:2], dtype=bool)
        self.inside[rows, cols] = True
        box = (self.col_low - 0.5, col_high + 0.5, row_high + 0.5, self.row_low - 0.5)
        self.image = ax.imshow(self.base, extent=box, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
        if max(shape[:2]) <= GRID_MAX:
            ax.vlines(np.arange(self.col_low + 0.5, col_high), box[3], box[2],
                      color="white", linewidth=0.6)
            ax.hlines(np.arange(self.row_low + 0.5, row_high), box[0], box[1],
                      color="white", linewidth=0.6)
        if (self.row_low, self.col_low) != (0, 0) or shape[:2] != size:
            ax.add_patch(Rectangle((-0.5, -0.5), size[1], size[0], fill=False,
                                   edgecolor=BORDER_COLOR, linewidth=1.5, zorder=3))
        self.whole = ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor=WINDOW_COLOR,
                                            linewidth=1.8, linestyle=(0, (3, 2)), zorder=4))
        self.clipped = ax.add_patch(Rectangle((0, 0), 1, 1, fill=False,
                                              edgecolor=WINDOW_COLOR, linewidth=2.2, zorder=4))

    def show(self, level):
        """Tint the cells ``level`` reads and outline its window."""
        cells = self.base.copy()
        rows = np.array(level["rows"], dtype=int) - self.row_low
        cols = np.array(level["cols"], dtype=int) - self.col_low
        seen = np.zeros(self.inside.shape, dtype=bool)
        seen[np.ix_(rows, cols)] = True
        colour = np.array(UNIT_COLOR if self.is_top else SEEN_COLOR)
        if self.digit:  # keep the digit visible under the tint
            cells[seen & self.inside] = (1 - TINT) * cells[seen & self.inside] + TINT * colour
        else:
            cells[seen & self.inside] = colour
        cells[seen & ~self.inside] = SEEN_PADDING_COLOR
        self.image.set_data(cells)
        (r0, r1), (c0, c1) = level["window"]
        self.whole.set_bounds(c0 - 0.5, r0 - 0.5, c1 - c0 + 1, r1 - r0 + 1)
        self.whole.set_visible(not self.is_top)
        rows, cols = _clip((r0, r1), self.size[0]), _clip((c0, c1), self.size[1])
        self.clipped.set_visible(rows is not None and cols is not None)
        if self.clipped.get_visible():
            self.clipped.set_bounds(cols[0] - 0.5, rows[0] - 0.5, cols[1] - cols[0] + 1,
                                    rows[1] - rows[0] + 1)


def _layout(sizes, extents, n_lines):
    """Figure size and one axes box per level (figure fractions), sized to the content."""
    n_levels = len(sizes)
    n_cols = min(n_levels, PER_ROW)
    n_rows = -(-n_levels // n_cols)
    width = max(2 * MARGIN + n_cols * PANEL + (n_cols - 1) * GAP, MIN_WIDTH)
    text = LINE * n_lines + 0.2 if n_lines else 0.0
    height = HEADER + n_rows * (TITLE + PANEL) + (n_rows - 1) * 0.1 + text + MARGIN
    left = (width - n_cols * PANEL - (n_cols - 1) * GAP) / 2
    boxes = []
    for level, ((r0, r1), (c0, c1)) in enumerate(extents):
        row, col = divmod(level, n_cols)
        cell = PANEL / max(r1 - r0 + 1, c1 - c0 + 1)
        w, h = cell * (c1 - c0 + 1), cell * (r1 - r0 + 1)
        x0 = left + col * (PANEL + GAP) + (PANEL - w) / 2
        top = height - HEADER - row * (TITLE + PANEL + 0.1) - TITLE
        boxes.append((x0 / width, (top - (PANEL + h) / 2) / height, w / width, h / height))
    return width, height, boxes


def _wrap(lines, width_inches):
    """Wrap long lines to the figure's width (continuations indented)."""
    chars = int((width_inches - 2 * MARGIN) / CHAR)
    wrapped = []
    for line in lines:
        wrapped += textwrap.wrap(line, width=chars, subsequent_indent="      ") or [""]
    return wrapped


def _panel_title(field, level):
    """Name, size, and (layers) r and j of one level."""
    height, width = field.sizes[level]
    if level == 0:
        return f"input\n{height}×{width}, r = 1, j = 1"
    entry = field.table[level - 1]
    return f"{level}: {entry['name']}\n{height}×{width}, r = {entry['r']}, j = {entry['j']}"


def _suptitle(field):
    """The chosen unit and its input window in one line."""
    (r0, r1), (c0, c1) = field.window
    top = field.table[-1]
    return (f"unit ({field.unit[0]}, {field.unit[1]}) of {top['name']} sees input rows "
            f"{r0}…{r1}, columns {c0}…{c1} ({top['r']}×{top['r']} pixels)")


def _legend(fig, height, padded):
    """Colour key under the suptitle (the padding entries only where there is padding)."""
    handles = [Patch(color=UNIT_COLOR, label="the chosen unit"),
               Patch(color=SEEN_COLOR, label="cells it depends on"),
               Line2D([], [], color=WINDOW_COLOR, linewidth=2, label="its window")]
    if padded:
        handles += [Patch(color=PADDING_COLOR, label="padding (zeros)"),
                    Patch(color=SEEN_PADDING_COLOR, label="padding cells it reads"),
                    Line2D([], [], color=WINDOW_COLOR, linewidth=2, linestyle=(0, (3, 2)),
                           label="window beyond the border")]
    fig.legend(handles=handles, loc="upper center", ncol=len(handles), fontsize=9,
               frameon=False, bbox_to_anchor=(0.5, 1 - 0.36 / height))


class _Picture:
    """The panels of one stack, drawn once; ``show(field)`` moves the highlight.

    live=True: no text under the panels (the widget writes it under the
    image) and ``png()`` renders with an Agg canvas of its own.
    """

    def __init__(self, image, field, live):
        corners = [_levels(field.layers, field.sizes, (0, 0)),
                   _levels(field.layers, field.sizes,
                           tuple(n - 1 for n in field.sizes[-1]))]
        extents = [tuple(_extent(n, first["window"][axis], last["window"][axis])
                         for axis, n in enumerate(size))
                   for size, first, last in zip(field.sizes, *corners)]
        width, _height, _boxes = _layout(field.sizes, extents, 0)
        self.lines = [] if live else _wrap(_text_lines(field), width)
        width, height, boxes = _layout(field.sizes, extents, len(self.lines))
        self.fig = new_figure(width, height)
        self.panels = []
        for level, (size, extent, box) in enumerate(zip(field.sizes, extents, boxes)):
            cells = _grey(image) if level == 0 else MAP_COLOR
            ax = self.fig.add_axes(box)
            ax.set_title(_panel_title(field, level), fontsize=9.5)
            self.panels.append(_Panel(ax, size, extent, cells, level == len(field.sizes) - 1))
        padded = any(ext != ((0, size[0] - 1), (0, size[1] - 1))
                     for size, ext in zip(field.sizes, extents))
        _legend(self.fig, height, padded)
        self.title = self.fig.suptitle("", fontsize=12, y=1 - 0.08 / height, va="top")
        if self.lines:
            self.fig.text(MARGIN / width, MARGIN / height, "\n".join(self.lines), ha="left",
                          va="bottom", family="monospace", fontsize=9)
        self.canvas = FigureCanvasAgg(self.fig) if live else None

    def show(self, field):
        """Highlight ``field.unit`` (same stack and image as the picture was made for)."""
        for panel, level in zip(self.panels, field.levels):
            panel.show(level)
        self.title.set_text(_suptitle(field))

    def png(self):
        """The live picture as PNG bytes."""
        self.canvas.draw()
        return rgba_to_png(self.canvas.buffer_rgba())


def _message_figure(field, lines):
    """The figure for a stack that leaves no output: the message (and the text)."""
    width = MIN_WIDTH
    lines = _wrap([field.message] + lines, width)
    height = 2 * MARGIN + LINE * len(lines) + 0.1
    fig = new_figure(width, height)
    fig.text(MARGIN / width, 1 - MARGIN / height, "\n".join(lines), ha="left", va="top",
             family="monospace", fontsize=9, color="darkred")
    return fig


def static_receptive_field_figure(image=None, layers=None, unit=None):
    """Return a matplotlib Figure of the receptive field of one unit.

    image: a 2-D array (default: the first MNIST test digit, 28×28; if it
        cannot be loaded, the loader's error is raised).
    layers: a list of dicts {"k", "s", "p", "d", "name"} (k required; s=1,
        p=0, d=1 by default), one per layer, the same on both axes.  Default:
        three 3×3 convolutions.
    unit: (row, col) of the unit in the last map; default the centre unit.

    Returns the Figure: one panel per level (input first) with the cells the
    unit depends on, and the table of r, j, start written underneath.
    Raises ValueError for an invalid image, stack or unit, or a stack that
    leaves no output for the image.
    """
    image = _check_image(_default_image() if image is None else image)
    layers = _default_stack() if layers is None else _check_layers(layers)
    field = _Field(image.shape, layers, unit)
    if field.message is not None:
        raise ValueError(field.message)
    picture = _Picture(image, field, live=False)
    picture.show(field)
    return picture.fig


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------


def _keep_place(value, old_size, new_size):
    """Move a slider value to the same relative place in a map of ``new_size``."""
    if old_size <= 1:
        return (new_size - 1) // 2
    return min(max(round(value * (new_size - 1) / (old_size - 1)), 0), new_size - 1)


class ReceptiveFieldExplorer(ExplorerBox):
    """Receptive-field widget; build it with ``explore_receptive_field()``.

    Controls: ``row_slider`` and ``col_slider`` (the unit in the last map;
    their maximum follows the map's size) and the toggles ``stride_toggle``,
    ``pool_toggle``, ``dilation_toggle`` (the default stack only: with
    ``layers`` given they are disabled and hidden).  When a toggle changes
    the last map's size, the sliders keep the unit's relative place (the
    centre stays the centre, a corner a corner).

    State for inspection (updated at every change): ``layers`` (the stack in
    use, complete dicts), ``sizes`` ((height, width) per level, input
    first), ``table`` (one dict per layer: name, k, s, p, d, size, r, j,
    start), ``unit`` ((row, col) in the last map), ``window`` (((first_row,
    last_row), (first_col, last_col)) in input coordinates), ``levels``
    (per level: name, size, rows and cols the unit depends on, window in
    that level's coordinates), ``lines`` (the text under the picture) and
    ``message`` (why no output remains for a toggled stack, else None; then
    unit, window and levels are None).  ``image`` is the Image widget,
    ``text`` the HTML widget, ``figure`` the live matplotlib Figure.
    """

    summary = "explore_receptive_field"

    def __init__(self, image=None, layers=None):
        self.x = _check_image(_default_image() if image is None else image)
        self.fixed = layers is not None
        initial = _check_layers(layers) if self.fixed else _default_stack()
        field = _Field(self.x.shape, initial)
        if field.message is not None:
            raise ValueError(field.message)
        self.stride_toggle, self.pool_toggle, self.dilation_toggle = (
            widgets.Checkbox(value=False, description=TOGGLES[key], indent=False,
                             disabled=self.fixed, layout=widgets.Layout(width="auto"))
            for key in ("stride", "pool", "dilation"))
        self.row_slider = widgets.IntSlider(value=0, min=0, max=0, description="unit row")
        self.col_slider = widgets.IntSlider(value=0, min=0, max=0, description="unit col")
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.text = widgets.HTML()
        toggles = widgets.HBox([self.stride_toggle, self.pool_toggle, self.dilation_toggle],
                               layout=widgets.Layout(flex_flow="row wrap", grid_gap="0 16px"))
        if self.fixed:
            toggles.layout.display = "none"
        sliders = widgets.HBox([self.row_slider, self.col_slider],
                               layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__(children=[toggles, sliders, self.image, self.text])
        self._updating = False  # True while the sliders are being refitted
        self._set_stack(initial, centre=True)
        for toggle in (self.stride_toggle, self.pool_toggle, self.dilation_toggle):
            toggle.observe(self._on_toggle, names="value")
        for slider in (self.row_slider, self.col_slider):
            slider.observe(self._on_slider, names="value")

    def current_stack(self):
        """The stack the controls describe (the given ``layers`` when fixed)."""
        if self.fixed:
            return self.layers
        return _default_stack(self.stride_toggle.value, self.pool_toggle.value,
                              self.dilation_toggle.value)

    def _fit_sliders(self, sizes, centre):
        """Set the sliders' ranges to the last map (no redraw); keep their relative place."""
        self._updating = True
        empty = min(sizes[-1]) < 1
        for slider, n in zip((self.row_slider, self.col_slider), sizes[-1]):
            old = slider.max + 1
            n = max(n, 1)
            value = (n - 1) // 2 if centre else _keep_place(slider.value, old, n)
            slider.max = max(slider.max, n - 1)  # never clamp the new value on the way
            slider.value = value
            slider.max = n - 1
            slider.disabled = empty
        self._updating = False

    def _set_stack(self, layers, centre=False):
        """Use ``layers``: new picture, slider ranges, then the highlight."""
        self.layers = layers
        self.sizes = _sizes(self.x.shape, layers)
        self._fit_sliders(self.sizes, centre)
        field = _Field(self.x.shape, layers, self._slider_unit())
        self.picture = None
        if field.message is None:
            self.picture = _Picture(self.x, field, live=True)
        self._refresh()

    def _slider_unit(self):
        """(row, col) from the sliders, or None where no output remains."""
        if min(self.sizes[-1]) < 1:
            return None
        return self.row_slider.value, self.col_slider.value

    def _on_toggle(self, _change):
        self._set_stack(self.current_stack())

    def _on_slider(self, _change):
        if not self._updating:
            self._refresh()

    def _refresh(self):
        """Recompute the field for the current unit and redraw."""
        field = _Field(self.x.shape, self.layers, self._slider_unit())
        self.field = field
        self.table, self.message = field.table, field.message
        self.unit, self.window, self.levels = field.unit, field.window, field.levels
        self.lines = _text_lines(field)
        if self.picture is None:
            self.figure = _message_figure(field, [])
            self.image.value = self._message_png()
        else:
            self.picture.show(field)
            self.figure = self.picture.fig
            self.image.value = self.picture.png()
        self.text.value = html_pre(self.lines)

    def _message_png(self):
        """The message figure as PNG bytes."""
        canvas = FigureCanvasAgg(self.figure)
        canvas.draw()
        return rgba_to_png(canvas.buffer_rgba())

    def static_figure(self):
        """Fallback snapshot: the current stack and unit, with the table under the panels."""
        if self.picture is None:
            return _message_figure(self.field, self.lines)
        picture = _Picture(self.x, self.field, live=False)
        picture.show(self.field)
        return picture.fig


def explore_receptive_field(image=None, layers=None):
    """Return a widget showing which input pixels one unit of a layer stack sees.

    image: a 2-D array, any real dtype (drawn in grey; computed in
        float64).  Default: the first MNIST test digit (28×28); if it cannot
        be loaded, the loader's error is raised.
    layers: a list of dicts {"k", "s", "p", "d", "name"} (k required; s=1,
        p=0, d=1 by default), one per layer, the same on both axes.  Default:
        three 3×3 convolutions, which three toggles change (stride 2 in
        layer 1, 2×2 max pooling after layer 1, dilation 2 in layer 3); a
        given stack is used as it is and the toggles are hidden.

    Two sliders pick the unit of the last map.  One panel per level shows
    the cells that unit depends on and its window; the text underneath
    gives, per layer, the map size, r, j and start, and the unit's input
    window.  Put the call last in a cell; without a widget front-end the
    cell shows a static figure of the centre unit instead.

    Returns a ReceptiveFieldExplorer (an ipywidgets VBox).  Raises
    ValueError for an invalid image or stack, or a stack that leaves no
    output for the image.
    """
    return ReceptiveFieldExplorer(image, layers)
