"""Tests for the receptive-field explorer (chapter 01): the table of r, j and
start, the highlighted windows (checked against PyTorch gradients), the
controls, the validation, the static figure and the PNG fallback.
"""

import base64
import html
import io
import time
from pathlib import Path

import numpy as np
import pytest
from matplotlib.text import Text

from course.data import load_mnist
from course.widgets import explore_receptive_field, static_receptive_field_figure
from course.widgets import receptive as rf_module
from course.widgets._display import WIDGET_VIEW_MIMETYPE
from widget_helpers import execute_without_frontend

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Any warning (missing glyph, layout) would reach a notebook's stderr, which
# nbgrader punishes: make it an error.
strict = pytest.mark.filterwarnings("error")

TOGGLE_NAMES = ("stride", "pool", "dilation")

# Worked out by hand for the 28×28 digit, per layer: (size, r, j, start).
# conv 3×3: r grows by (3-1)·j; 2×2 pooling, stride 2: r grows by 1·j, j doubles;
# dilation 2: r grows by 2·(3-1)·j = 4·j.
EXPECTED = {
    (): [(26, 3, 1, 0), (24, 5, 1, 0), (22, 7, 1, 0)],
    ("stride",): [(13, 3, 2, 0), (11, 7, 2, 0), (9, 11, 2, 0)],
    ("pool",): [(26, 3, 1, 0), (13, 4, 2, 0), (11, 8, 2, 0), (9, 12, 2, 0)],
    ("dilation",): [(26, 3, 1, 0), (24, 5, 1, 0), (20, 9, 1, 0)],
    ("stride", "pool"): [(13, 3, 2, 0), (6, 5, 4, 0), (4, 13, 4, 0), (2, 21, 4, 0)],
    ("stride", "dilation"): [(13, 3, 2, 0), (11, 7, 2, 0), (7, 15, 2, 0)],
    ("pool", "dilation"): [(26, 3, 1, 0), (13, 4, 2, 0), (11, 8, 2, 0), (7, 16, 2, 0)],
}

PADDED = [{"name": "conv 3×3, p 1", "k": 3, "p": 1},
          {"name": "conv 3×3, p 1 (b)", "k": 3, "p": 1},
          {"name": "avg pool 2", "k": 2, "s": 2},
          {"name": "conv 5×5, p 2", "k": 5, "p": 2}]
PADDED_DILATED = [{"k": 3, "p": 1}, {"k": 3, "p": 2, "d": 2}, {"k": 3, "p": 1, "s": 2}]
GAP_DILATED = [{"k": 3}, {"k": 3, "p": 1, "d": 2}]
GAP_STRIDED = [{"k": 3, "s": 2}, {"k": 3, "p": 1}]
STRIDED = [{"k": 5, "s": 2}, {"name": "max pool 3", "k": 3, "s": 3}, {"k": 2, "d": 3}]


@pytest.fixture(scope="module")
def digit():
    """The first MNIST test digit, the widget's default image."""
    return load_mnist("test", download=False)[0][0]


def set_toggles(w, names):
    """Switch exactly the toggles in ``names`` on, as a student would click them."""
    for name in TOGGLE_NAMES:
        getattr(w, f"{name}_toggle").value = name in names


def texts_of(fig):
    """Every string drawn in a matplotlib figure."""
    return [t.get_text() for t in fig.findobj(Text)]


def render(fig):
    """Save ``fig`` as PNG to memory; return the bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def bundle_png(widget):
    """Decode the image/png part of the widget's display bundle."""
    return base64.b64decode(widget._repr_mimebundle_()["image/png"])


def clipped(window, n):
    """(first, last) of ``window`` inside 0 ... n-1."""
    return max(window[0], 0), min(window[1], n - 1)


def recurrence(layers):
    """(r, j, start) after ``layers``, by the course's recurrence (written out again here)."""
    r, j, start = 1, 1, 0
    for layer in layers:
        k, s, p, d = layer["k"], layer.get("s", 1), layer.get("p", 0), layer.get("d", 1)
        r, j, start = r + d * (k - 1) * j, j * s, start - p * j
    return r, j, start


# --------------------------------------------------------------------------
# PyTorch: which input pixels does one unit depend on?
# --------------------------------------------------------------------------


def torch_stack(layers):
    """The same stack in PyTorch: positive weights, AvgPool2d for pooling layers."""
    torch = pytest.importorskip("torch")
    modules = []
    for layer in layers:
        k, s, p, d = (layer[key] for key in "kspd")
        if "pool" in layer["name"] and d == 1:
            modules.append(torch.nn.AvgPool2d(k, stride=s, padding=p))
        else:
            conv = torch.nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False,
                                   dtype=torch.float64)
            with torch.no_grad():
                conv.weight.fill_(1.0)
            modules.append(conv)
    return torch.nn.Sequential(*modules)


def torch_dependence(shape, layers, unit):
    """Input pixels with a non-zero gradient of ``unit`` (a boolean mask) and the output size.

    With positive weights and no non-linearity nothing cancels: the gradient
    is non-zero exactly where the unit depends on the input.
    """
    torch = pytest.importorskip("torch")
    x = torch.ones(1, 1, *shape, dtype=torch.float64, requires_grad=True)
    y = torch_stack(layers)(x)
    y[0, 0, unit[0], unit[1]].backward()
    return (x.grad[0, 0] != 0).numpy(), tuple(y.shape[2:])


def bounding_box(mask):
    """((first_row, last_row), (first_col, last_col)) of the True cells."""
    rows, cols = np.nonzero(mask)
    return (rows.min(), rows.max()), (cols.min(), cols.max())


def highlighted_input(w):
    """The input pixels the widget tints (the cells it reads, without the padding)."""
    level = w.levels[0]
    height, width = level["size"]
    mask = np.zeros((height, width), dtype=bool)
    rows = [a for a in level["rows"] if 0 <= a < height]
    cols = [a for a in level["cols"] if 0 <= a < width]
    mask[np.ix_(rows, cols)] = True
    return mask


# --------------------------------------------------------------------------
# the table and the controls
# --------------------------------------------------------------------------


@strict
def test_default_stack_builds_and_carries_fallback(digit):
    w = explore_receptive_field(digit)
    assert [(e["r"], e["j"], e["start"]) for e in w.table] == [(3, 1, 0), (5, 1, 0), (7, 1, 0)]
    assert [e["size"] for e in w.table] == [(26, 26), (24, 24), (22, 22)]
    assert [e["name"] for e in w.table] == ["conv1 3×3", "conv2 3×3", "conv3 3×3"]
    assert all(set(e) == {"name", "k", "s", "p", "d", "size", "r", "j", "start"}
               for e in w.table)
    assert w.unit == (10, 10)  # the centre unit of the 22×22 map
    assert w.window == ((10, 16), (10, 16))
    assert (w.row_slider.max, w.col_slider.max) == (21, 21)
    assert not any(t.disabled for t in (w.stride_toggle, w.pool_toggle, w.dilation_toggle))
    assert bytes(w.image.value).startswith(PNG_SIGNATURE)
    bundle = w._repr_mimebundle_()
    assert WIDGET_VIEW_MIMETYPE in bundle and "VBox" not in bundle["text/plain"]
    assert bundle_png(w).startswith(PNG_SIGNATURE)
    assert html.escape("a 7×7 window: input rows 10…16, columns 10…16") in w.text.value


@strict
def test_default_image_is_the_first_mnist_test_digit(digit):
    w = explore_receptive_field()
    assert w.x.dtype == np.float64
    np.testing.assert_array_equal(w.x, digit.astype(np.float64))


@strict
@pytest.mark.parametrize("toggles", list(EXPECTED), ids=lambda t: "+".join(t) or "none")
def test_toggles_give_hand_checked_tables(digit, toggles):
    w = explore_receptive_field(digit)
    set_toggles(w, toggles)
    assert [(e["size"][0], e["r"], e["j"], e["start"]) for e in w.table] == EXPECTED[toggles]
    assert all(e["size"][0] == e["size"][1] for e in w.table)
    last = w.table[-1]["size"][0]
    assert (w.row_slider.max, w.col_slider.max) == (last - 1, last - 1)
    assert len(w.layers) == len(EXPECTED[toggles]) and w.message is None
    _size, r, j, start = EXPECTED[toggles][-1]
    (r0, r1), (c0, c1) = w.window
    assert (r0, r1) == (start + w.unit[0] * j, start + w.unit[0] * j + r - 1)
    assert (c0, c1) == (start + w.unit[1] * j, start + w.unit[1] * j + r - 1)
    r_before, j_before = 1, 1  # the recurrence is written out with these numbers
    for level, (entry, (_size, r, j, _start)) in enumerate(zip(w.layers, EXPECTED[toggles]),
                                                          start=1):
        line = (f"  level {level}: r = {r_before} + {entry['d']}·({entry['k']}-1)·{j_before}"
                f" = {r},  j = {j_before}·{entry['s']} = {j},")
        assert sum(shown.startswith(line) for shown in w.lines) == 1, line
        assert html.escape(line) in w.text.value
        r_before, j_before = r, j


@strict
def test_sliders_move_the_unit_and_its_window(digit):
    w = explore_receptive_field(digit)
    w.pool_toggle.value = True  # j = 2, r = 12 at the last layer
    before = bytes(w.image.value)
    w.row_slider.value = 0
    w.col_slider.value = 8
    assert w.unit == (0, 8)
    assert w.window == ((0, 11), (16, 27))  # start + i·j ... + r - 1 with j = 2, r = 12
    assert bytes(w.image.value) != before
    assert w.levels[-1]["rows"] == (0,) and w.levels[-1]["cols"] == (8,)
    assert html.escape("input rows 0…11, columns 16…27") in w.text.value


@strict
def test_slider_ranges_follow_the_toggles(digit):
    w = explore_receptive_field(digit)
    w.row_slider.value = w.col_slider.value = 21  # the corner of 22×22
    w.pool_toggle.value = True  # 9×9: the corner stays the corner
    assert w.row_slider.max == 8 and w.unit == (8, 8)
    w.pool_toggle.value = False
    w.row_slider.value = w.col_slider.value = 10  # the centre stays the centre
    w.stride_toggle.value = True
    assert w.row_slider.max == 8 and w.unit == (4, 4)
    w.dilation_toggle.value = True
    assert w.row_slider.max == 6 and w.unit == (3, 3)
    w.stride_toggle.value = False
    assert w.row_slider.max == 19 and w.window == recurrence_window(w)


def recurrence_window(w):
    """The input window of the widget's unit, from the recurrence in this file."""
    r, j, start = recurrence(w.layers)
    return tuple((start + i * j, start + i * j + r - 1) for i in w.unit)


@strict
def test_all_three_toggles_leave_no_output_and_say_why(digit):
    w = explore_receptive_field(digit)
    set_toggles(w, TOGGLE_NAMES)  # 28 -> 13 -> 6 -> 4, then a 5-cell window: nothing
    assert w.unit is None and w.window is None and w.levels is None
    assert w.row_slider.disabled and w.col_slider.disabled
    assert w.message.startswith("no output remains: layer 4 (conv3 3×3, dilation 2)")
    assert "spans d·(k-1)+1 = 2·(3-1)+1 = 5 cells" in w.message
    assert html.escape(w.message) in w.text.value
    assert bytes(w.image.value).startswith(PNG_SIGNATURE)
    assert bundle_png(w).startswith(PNG_SIGNATURE)
    w.stride_toggle.value = False
    assert w.message is None and w.unit == (3, 3) and not w.row_slider.disabled


@strict
def test_explicit_layers_disable_the_toggles(digit):
    w = explore_receptive_field(digit, STRIDED)
    toggles = (w.stride_toggle, w.pool_toggle, w.dilation_toggle)
    assert all(t.disabled for t in toggles)
    assert w.children[0].layout.display == "none"
    assert w.layers == [{"name": "layer 1", "k": 5, "s": 2, "p": 0, "d": 1},
                        {"name": "max pool 3", "k": 3, "s": 3, "p": 0, "d": 1},
                        {"name": "layer 3", "k": 2, "s": 1, "p": 0, "d": 3}]
    # 28 -> floor((28 - 5)/2) + 1 = 12 -> floor((12 - 3)/3) + 1 = 4 -> 4 - 3 = 1
    assert [(e["size"][0], e["r"], e["j"], e["start"]) for e in w.table] == [
        (12, 5, 2, 0), (4, 9, 6, 0), (1, 27, 6, 0)]
    assert w.unit == (0, 0) and w.window == ((0, 26), (0, 26))
    assert w.row_slider.max == 0
    titles = " ".join(texts_of(w.figure))
    assert "max pool 3" in titles and "layer 3" in titles


@strict
def test_level_windows_follow_the_recurrence_from_that_level_up(digit):
    w = explore_receptive_field(digit, PADDED)
    w.row_slider.value, w.col_slider.value = 0, 9
    assert len(w.levels) == len(PADDED) + 1
    for level, info in enumerate(w.levels):
        r, j, start = recurrence(PADDED[level:])
        expected = tuple((start + i * j, start + i * j + r - 1) for i in w.unit)
        assert info["window"] == expected, level
        assert info["size"] == ((w.table[level - 1]["size"]) if level else (28, 28))
        for cells, (first, last) in zip((info["rows"], info["cols"]), info["window"]):
            assert first <= min(cells) and max(cells) <= last  # cells lie in the window
    assert w.levels[0]["window"] == w.window


@strict
def test_padding_is_drawn_beyond_the_border(digit):
    w = explore_receptive_field(digit, PADDED)
    w.row_slider.value = w.col_slider.value = 0
    # r: 3, 5, 5 + 1·1·1 = 6, 6 + 1·4·2 = 14; j: 1, 1, 2, 2; start: -1, -2, -2, -2 - 2·2 = -6
    assert [(e["r"], e["j"], e["start"]) for e in w.table] == [
        (3, 1, -1), (5, 1, -2), (6, 2, -2), (14, 2, -6)]
    assert w.window == ((-6, 7), (-6, 7))
    assert "inside the 28×28 image only rows 0…7, columns 0…7, the rest is padding" in w.lines[-1]
    panel = w.picture.panels[0]
    # the input panel shows every padding cell a unit's window reaches: the last unit
    # (13, 13) sees -6 + 13·2 + 14 - 1 = 33
    assert panel.ax.get_xlim() == (-6.5, 33.5) and panel.ax.get_ylim() == (33.5, -6.5)
    assert panel.image.get_array().shape == (40, 40, 3)
    assert panel.whole.get_visible() and panel.whole.get_linestyle() != "-"  # dashed
    assert (panel.whole.get_x(), panel.whole.get_width()) == (-6.5, 14)  # the whole window
    assert (panel.clipped.get_x(), panel.clipped.get_width()) == (-0.5, 8)  # inside: 0 ... 7
    # layer 2 reads the padding row and column -1 of level 1: tinted as padding it reads
    level_1 = w.picture.panels[1]
    assert w.levels[1]["rows"][0] == w.levels[1]["cols"][0] == -1
    corner = level_1.image.get_array()[-1 - level_1.row_low, -1 - level_1.col_low]
    np.testing.assert_allclose(corner, rf_module.SEEN_PADDING_COLOR)
    inside = level_1.image.get_array()[-level_1.row_low, -level_1.col_low]
    np.testing.assert_allclose(inside, rf_module.SEEN_COLOR)


# --------------------------------------------------------------------------
# the highlighted pixels are what PyTorch's gradient says
# --------------------------------------------------------------------------


@pytest.mark.parametrize("toggles", list(EXPECTED), ids=lambda t: "+".join(t) or "none")
def test_toggled_windows_match_torch_gradient(digit, toggles):
    w = explore_receptive_field(digit)
    set_toggles(w, toggles)
    last = w.row_slider.max
    for row, col in {(0, 0), (last, last), (0, last), (last // 2, (last + 1) // 2)}:
        w.row_slider.value, w.col_slider.value = row, col
        mask, out_shape = torch_dependence(digit.shape, w.layers, (row, col))
        assert out_shape == w.table[-1]["size"]
        np.testing.assert_array_equal(highlighted_input(w), mask)
        # no padding in these stacks: the window lies inside the image
        assert bounding_box(mask) == w.window, (toggles, row, col)


@pytest.mark.parametrize("layers", [PADDED, STRIDED, [{"k": 7, "p": 3}, {"k": 3, "p": 1}]],
                         ids=["padded", "strided", "padded-same"])
def test_explicit_windows_match_torch_gradient(digit, layers):
    w = explore_receptive_field(digit, layers)
    last = w.row_slider.max
    for row, col in {(0, 0), (last, 0), (last, last), (last // 2, last // 3)}:
        w.row_slider.value, w.col_slider.value = row, col
        mask, _shape = torch_dependence(digit.shape, w.layers, (row, col))
        np.testing.assert_array_equal(highlighted_input(w), mask)
        # no dilation, and every stride divides its map evenly: the window, clipped to
        # the image, is the bounding box
        assert bounding_box(mask) == tuple(clipped(a, 28) for a in w.window), (row, col)


@pytest.mark.parametrize("layers, unit, window, seen", [
    (GAP_DILATED, (0, 0), (-1, 5), (1, 5)),  # layer 2 reads level-1 cells -1, 1, 3
    (GAP_STRIDED, (12, 12), (22, 28), (22, 26)),  # input row 27 only feeds padding
    (PADDED_DILATED, (0, 0), (-4, 4), (0, 4)),  # padding and dilation, but no gap here
])
def test_padding_can_leave_a_gap_at_the_border(digit, layers, unit, window, seen):
    """Padding cells are zeros: what a layer reads from the padding of the level below
    passes nothing further down, so the pixels really seen can start after (or end
    before) the clipped window.  The tinted pixels still match PyTorch exactly."""
    w = explore_receptive_field(digit, layers)
    w.row_slider.value, w.col_slider.value = unit
    mask, _shape = torch_dependence(digit.shape, w.layers, unit)
    np.testing.assert_array_equal(highlighted_input(w), mask)
    assert w.window == (window, window)
    assert bounding_box(mask) == (seen, seen)
    if seen != clipped(window, 28):
        assert (f"it really reads only input rows {seen[0]}…{seen[1]}, columns "
                f"{seen[0]}…{seen[1]}") in w.lines[-1]
    else:
        assert "really reads" not in w.text.value


def test_random_stacks_match_torch_gradient():
    rng = np.random.default_rng(7)
    checked = 0
    while checked < 25:
        layers = [{"k": int(rng.integers(1, 5)), "s": int(rng.integers(1, 3)),
                   "d": int(rng.integers(1, 3))} for _ in range(int(rng.integers(1, 4)))]
        for layer in layers:
            layer["p"] = int(rng.integers(0, layer["k"]))
        shape = tuple(int(n) for n in rng.integers(6, 20, size=2))
        try:
            w = explore_receptive_field(np.zeros(shape), layers)
        except ValueError:
            continue  # no output for this image
        w.row_slider.value = int(rng.integers(0, w.row_slider.max + 1))
        w.col_slider.value = int(rng.integers(0, w.col_slider.max + 1))
        mask, out_shape = torch_dependence(shape, w.layers, w.unit)
        assert out_shape == w.table[-1]["size"], layers
        np.testing.assert_array_equal(highlighted_input(w), mask, err_msg=str(layers))
        assert w.window == recurrence_window(w)
        checked += 1


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image, layers, message",
    [
        (None, [], "at least one layer"),
        (None, {"k": 3}, "list of dicts"),
        (None, [3], "layer 1 must be a dict"),
        (None, [{"k": 3}, {"s": 2}], "layer 2 has no kernel size"),
        (None, [{"k": 0}], "k must be at least 1"),
        (None, [{"k": 3, "s": 0}], "s must be at least 1"),
        (None, [{"k": 3, "d": 0}], "d must be at least 1"),
        (None, [{"k": 3, "p": -1}], "p must be at least 0"),
        (None, [{"k": 2.5}], "k must be an integer"),
        (None, [{"k": 3, "s": 2.0}], "s must be an integer"),
        (None, [{"k": 3, "p": True}], "p must be an integer"),
        (None, [{"k": 3, "stride": 2}], "unknown key"),
        (None, [{"k": 3, "name": 5}], "name must be a string"),
        (np.arange(28), None, "2-D"),
        (np.ones((2, 28, 28)), None, "2-D"),
        (np.ones((0, 5)), None, "empty"),
        (np.array([["a"]]), None, "real numbers"),
        (np.ones((6, 6)), None, "no output remains: layer 3"),
        (np.ones((28, 28)), [{"k": 3}, {"k": 40, "p": 2}], "no output remains: layer 2"),
    ],
)
def test_input_validation(digit, image, layers, message):
    image = digit if image is None else image
    with pytest.raises(ValueError, match=message):
        explore_receptive_field(image, layers)
    with pytest.raises(ValueError, match=message):
        static_receptive_field_figure(image, layers)


@pytest.mark.parametrize("unit, message", [((22, 0), "unit must lie in the last map"),
                                           ((-1, 3), "unit must lie in the last map"),
                                           ((1.0, 2), "pair of integers"),
                                           (5, "pair of integers")])
def test_static_unit_validation(digit, unit, message):
    with pytest.raises(ValueError, match=message):
        static_receptive_field_figure(digit, unit=unit)


# --------------------------------------------------------------------------
# the static figure and the fallback
# --------------------------------------------------------------------------


@strict
@pytest.mark.parametrize("layers, unit", [(None, None), (None, (0, 21)),
                                          (PADDED, (0, 0)), (PADDED_DILATED, (13, 2)),
                                          (STRIDED, None)])
def test_static_figure_renders(digit, layers, unit):
    fig = static_receptive_field_figure(digit, layers, unit)
    assert render(fig).startswith(PNG_SIGNATURE)


@strict
def test_static_figure_of_a_non_square_image_and_many_layers():
    image = np.arange(15 * 33).reshape(15, 33) % 7
    layers = [{"k": 3, "s": 2}, {"k": 2, "p": 1}] * 3
    fig = static_receptive_field_figure(image, layers, unit=(0, 3))
    assert render(fig).startswith(PNG_SIGNATURE)
    assert len(fig.axes) == 7
    w = explore_receptive_field(image, layers)
    # rows 15 -> 7 -> 8 -> 3 -> 4 -> 1 -> 2, columns 33 -> 16 -> 17 -> 8 -> 9 -> 4 -> 5
    assert (w.row_slider.max + 1, w.col_slider.max + 1) == w.table[-1]["size"] == (2, 5)


@strict
def test_table_is_shown_once_and_the_fallback_keeps_it(digit):
    w = explore_receptive_field(digit)
    w.dilation_toggle.value = True
    table_row = next(line for line in w.lines if "conv3 3×3, dilation 2" in line)
    assert w.text.value.count(html.escape(table_row)) == 1
    assert not any("start" in t for t in texts_of(w.figure))  # the live picture: panels only
    static = "\n".join(texts_of(w.static_figure()))
    assert static.count(table_row) == 1
    assert "r = 5 + 2·(3-1)·1 = 9" in static  # the recurrence, numbers substituted
    assert "unit (9, 9) of conv3 3×3, dilation 2 sees input rows 9…17" in static


@strict
def test_a_redraw_is_fast_enough_for_dragging(digit):
    w = explore_receptive_field(digit)
    w.pool_toggle.value = True
    start = time.perf_counter()
    for value in range(9):
        w.row_slider.value = value
    elapsed = (time.perf_counter() - start) / 9
    # about 0.04 s per redraw on a 2-core machine
    assert elapsed < 0.3, f"one redraw took {elapsed:.2f} s"


NOTEBOOK_CELLS = [
    f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
    "from course.widgets import explore_receptive_field, static_receptive_field_figure",
    "explore_receptive_field()",
    "static_receptive_field_figure(layers=[{'k': 3}, {'name': 'max pool 2', 'k': 2, 's': 2}])",
]


def test_notebook_executed_without_frontend_keeps_png(tmp_path):
    nb = execute_without_frontend(NOTEBOOK_CELLS, tmp_path)
    widget, static = nb.cells[1].outputs, nb.cells[2].outputs
    assert len(widget) == 1 and WIDGET_VIEW_MIMETYPE in widget[0].data
    assert base64.b64decode(widget[0].data["image/png"]).startswith(PNG_SIGNATURE)
    assert "VBox" not in widget[0].data["text/plain"]
    assert len(static) == 1 and "image/png" in static[0].data
