"""Tests for the backpropagation explorer (chapter 06): the gradients agree with
PyTorch's autograd, the per-cell contributions add up to them, the input-cell
view finds exactly the windows over a cell, max pooling routes (and, with
overlapping windows, adds) the gradients as PyTorch does, the text writes the
numbers, the controls, the validation, the static figure, the redraw time and
the PNG fallback without a widget front-end.
"""

import base64
import html
import inspect
import io
import time
from pathlib import Path

import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from course.widgets import backprop as bp_module
from course.widgets._display import WIDGET_VIEW_MIMETYPE
from course.widgets.backprop import BackpropExplorer, explore_backprop, static_backprop_figure
from widget_helpers import execute_without_frontend

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VIEWS = ("output cell", "input cell", "max pool")

# Any warning (missing glyph, layout) would reach a notebook's stderr, which
# nbgrader punishes: make it an error.
strict = pytest.mark.filterwarnings("error")

X = np.array([[1, 2, 0], [0, 1, 3], [2, 1, 1]])
W = np.array([[1, -1], [2, 0]])
G = np.array([[1, 2], [-1, 1]])
POOL_X = np.array([[3, 1, 7, 2], [5, 15, 0, 10], [6, 4, 12, 9], [14, 8, 11, 13]])

# (x shape, w shape): non-square inputs and kernels, a kernel as large as x, 1-wide ones
SHAPES = [((5, 7), (2, 3)), ((6, 4), (3, 1)), ((4, 6), (4, 2)), ((1, 5), (1, 2)),
          ((7, 3), (2, 3))]


def torch_conv(x, w, g, b=0.0):
    """z, dx, dw and db from PyTorch: autograd of (F.conv2d(x, w, b) * g).sum(), float64."""
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    xt = torch.tensor(np.asarray(x, dtype=np.float64))[None, None].requires_grad_()
    wt = torch.tensor(np.asarray(w, dtype=np.float64))[None, None].requires_grad_()
    bt = torch.tensor([float(b)], dtype=torch.float64, requires_grad=True)
    z = functional.conv2d(xt, wt, bt)
    (z * torch.tensor(np.asarray(g, dtype=np.float64))).sum().backward()
    return (z.detach()[0, 0].numpy(), xt.grad[0, 0].numpy(), wt.grad[0, 0].numpy(),
            float(bt.grad[0]))


def torch_max_pool(x, size, stride, g):
    """y and dx from PyTorch: autograd of (F.max_pool2d(x, size, stride) * g).sum()."""
    torch = pytest.importorskip("torch")
    xt = torch.tensor(np.asarray(x, dtype=np.float64))[None, None].requires_grad_()
    y = torch.nn.functional.max_pool2d(xt, size, stride)
    (y * torch.tensor(np.asarray(g, dtype=np.float64))).sum().backward()
    return y.detach()[0, 0].numpy(), xt.grad[0, 0].numpy()


def render(fig):
    """Save ``fig`` as PNG to memory; return the bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def png_pixels(png):
    """Decode PNG bytes to an array of pixels."""
    return np.asarray(Image.open(io.BytesIO(png)))


def bundle_png(widget):
    """Decode the image/png part of the widget's display bundle."""
    return base64.b64decode(widget._repr_mimebundle_()["image/png"])


def texts_of(fig):
    """Every string drawn in a matplotlib figure."""
    return [t.get_text() for t in fig.findobj(Text)]


def squeeze(texts):
    """The strings joined with single spaces (undoes the figure's line wrapping)."""
    return " ".join(" ".join(texts).split())


def pick(w, cell):
    """Pick ``cell`` with the two sliders, as a student would drag them (two redraws)."""
    w.row_slider.value, w.col_slider.value = cell


def random_case(rng, x_shape, w_shape):
    """Random float x, w and g of matching shapes."""
    g_shape = (x_shape[0] - w_shape[0] + 1, x_shape[1] - w_shape[1] + 1)
    return rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=g_shape)


# --------------------------------------------------------------------------
# the convolution: gradients, contributions, the input-cell view
# --------------------------------------------------------------------------


@strict
def test_widget_builds_and_carries_fallback():
    w = explore_backprop()
    assert isinstance(w, BackpropExplorer)
    assert w.view == "output cell" and w.cell == (0, 0)
    np.testing.assert_array_equal(w.x, X)
    np.testing.assert_array_equal(w.z, [[-1, 4], [3, 0]])  # worked out by hand
    np.testing.assert_array_equal(w.dx, [[1, 1, -2], [1, 6, -1], [-2, 2, 0]])
    np.testing.assert_array_equal(w.dw, [[6, 4], [1, 7]])
    assert w.db == 3
    assert (w.row_slider.max, w.col_slider.max) == (1, 1)
    assert bytes(w.image.value).startswith(PNG_SIGNATURE)
    bundle = w._repr_mimebundle_()
    assert WIDGET_VIEW_MIMETYPE in bundle and "VBox" not in bundle["text/plain"]
    assert bundle_png(w).startswith(PNG_SIGNATURE)


def test_defaults_match_torch():
    w = explore_backprop()
    z, dx, dw, db = torch_conv(X, W, G)
    np.testing.assert_allclose(w.z, z)
    np.testing.assert_allclose(w.dx, dx)
    np.testing.assert_allclose(w.dw, dw)
    assert w.db == pytest.approx(db)


@pytest.mark.parametrize("x_shape, w_shape", SHAPES, ids=str)
def test_random_shapes_match_torch(x_shape, w_shape):
    rng = np.random.default_rng(sum(x_shape + w_shape))
    x, k, g = random_case(rng, x_shape, w_shape)
    w = explore_backprop(x, k, g, b=0.7)
    z, dx, dw, db = torch_conv(x, k, g, 0.7)
    np.testing.assert_allclose(w.z, z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.dx, dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(w.dw, dw, rtol=1e-12, atol=1e-12)
    assert w.db == pytest.approx(db, rel=1e-12)
    assert (w.row_slider.max + 1, w.col_slider.max + 1) == g.shape


def test_default_g_fits_other_shapes():
    x = np.arange(20).reshape(4, 5)
    w = explore_backprop(x, [[1, 0, -1]])
    assert w.g.shape == (4, 3) and np.all(w.g == np.round(w.g))  # small integers
    _z, dx, dw, db = torch_conv(x, [[1, 0, -1]], w.g)
    np.testing.assert_allclose(w.dx, dx)
    np.testing.assert_allclose(w.dw, dw)
    assert w.db == db


@pytest.mark.parametrize("x_shape, w_shape", [((3, 3), (2, 2)), ((5, 6), (2, 3))], ids=str)
def test_contributions_of_all_output_cells_add_up_to_dx_and_dw(x_shape, w_shape):
    rng = np.random.default_rng(3)
    x, k, g = random_case(rng, x_shape, w_shape)
    w = explore_backprop(x, k, g)
    kh, kw = k.shape
    total_dx, total_dw = np.zeros(x.shape), np.zeros(k.shape)
    for i, j in np.ndindex(*g.shape):
        w.cell = (i, j)  # one redraw (the sliders follow)
        assert (w.row_slider.value, w.col_slider.value) == (i, j)
        outside = np.ones(x.shape, dtype=bool)
        outside[i:i + kh, j:j + kw] = False
        assert np.all(w.contrib_dx[outside] == 0)  # only the window gets something
        np.testing.assert_allclose(w.contrib_dx[i:i + kh, j:j + kw], g[i, j] * k)
        np.testing.assert_allclose(w.contrib_dw, g[i, j] * x[i:i + kh, j:j + kw])
        total_dx += w.contrib_dx
        total_dw += w.contrib_dw
    np.testing.assert_allclose(total_dx, w.dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(total_dw, w.dw, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x_shape, w_shape", [((3, 3), (2, 2)), ((4, 5), (2, 3)),
                                              ((1, 5), (1, 2))], ids=str)
def test_input_cell_view_lists_exactly_the_windows_over_the_cell(x_shape, w_shape):
    rng = np.random.default_rng(5)
    x, k, g = random_case(rng, x_shape, w_shape)
    w = explore_backprop(x, k, g)
    w.view_buttons.value = "input cell"
    assert (w.row_slider.max + 1, w.col_slider.max + 1) == x.shape
    kh, kw = k.shape
    for p, q in np.ndindex(*x.shape):
        w.cell = (p, q)
        expected = [(i, j) for i, j in np.ndindex(*g.shape)
                    if i <= p < i + kh and j <= q < j + kw]
        assert w.output_cells == expected, (p, q)
        assert w.dx[p, q] == pytest.approx(sum(g[i, j] * k[p - i, q - j] for i, j in expected))
        assert f"lies in the {len(expected)} window" in w.lines[0] or len(expected) == 1


def test_input_cell_windows_are_where_torch_sees_a_dependence():
    """z[i, j] depends on x[p, q] exactly for the listed output cells (PyTorch's Jacobian,
    with a kernel of ones so that nothing cancels)."""
    torch = pytest.importorskip("torch")
    x = np.zeros((5, 6))
    w = explore_backprop(x, np.ones((3, 2)), view="input cell")
    for p, q in [(0, 0), (2, 3), (4, 5), (1, 5)]:
        w.cell = (p, q)
        xt = torch.zeros(1, 1, 5, 6, dtype=torch.float64, requires_grad=True)
        z = torch.nn.functional.conv2d(xt, torch.ones(1, 1, 3, 2, dtype=torch.float64))
        jacobian = torch.autograd.functional.jacobian(
            lambda t: torch.nn.functional.conv2d(t, torch.ones(1, 1, 3, 2,
                                                               dtype=torch.float64)), xt)
        assert tuple(z.shape[2:]) == (3, 5)
        users = jacobian[0, 0, :, :, 0, 0, p, q].numpy() != 0
        assert w.output_cells == [tuple(int(v) for v in c) for c in np.argwhere(users)]


# --------------------------------------------------------------------------
# the text under the picture
# --------------------------------------------------------------------------


@strict
def test_output_cell_text_writes_the_numbers():
    w = explore_backprop()
    pick(w, (0, 1))
    expected = [
        "  = x[0, 1]·w[0, 0] + x[0, 2]·w[0, 1] + x[1, 1]·w[1, 0] + x[1, 2]·w[1, 1] + b",
        "  = 2·1 + 0·(-1) + 1·2 + 3·0 + 0 = 4",
        "  to the window x[0:2, 1:3]: g[0, 1]·w = 2·[[1, -1], [2, 0]] = [[2, -2], [4, 0]]",
        "  to the kernel w: g[0, 1]·x[0:2, 1:3] = 2·[[2, 0], [1, 3]] = [[4, 0], [2, 6]]",
        "  to the bias b: g[0, 1]·1 = 2",
        "  db = Σ_i Σ_j g[i, j] = 1 + 2 + (-1) + 1 = 3",
    ]
    for line in expected:
        assert line in w.lines, line
        assert html.escape(line) in w.text.value
    assert any(line.endswith("(full convolution of g with w) = [[1, 1, -2], [1, 6, -1], "
                             "[-2, 2, 0]]") for line in w.lines)
    assert any(line.endswith("(cross-correlation of x with g) = [[6, 4], [1, 7]]")
               for line in w.lines)
    assert ".0" not in "\n".join(w.lines)  # whole numbers as integers
    np.testing.assert_array_equal(w.contrib_dx, [[0, 2, -2], [0, 4, 0], [0, 0, 0]])
    np.testing.assert_array_equal(w.contrib_dw, [[4, 0], [2, 6]])


@strict
def test_input_cell_text_writes_the_numbers():
    w = explore_backprop(view="input cell")
    assert w.cell == (1, 1)  # the centre: in all four windows
    assert w.output_cells == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert ("∂L/∂x[1, 1] = Σ g[i, j]·w[1-i, 1-j] = g[0, 0]·w[1, 1] + g[0, 1]·w[1, 0] + "
            "g[1, 0]·w[0, 1] + g[1, 1]·w[0, 0]") in w.lines
    assert "  = 1·0 + 2·2 + (-1)·(-1) + 1·1 = 6" in w.lines
    pick(w, (0, 2))  # a corner: one window only
    assert w.output_cells == [(0, 1)]
    assert w.lines[0] == "input cell (0, 2) lies in the 1 window of 1 output cell: (0, 1)"
    assert "  = 2·(-1) = -2" in w.lines
    assert html.escape("  = 2·(-1) = -2") in w.text.value
    assert ".0" not in "\n".join(w.lines)


@strict
def test_floats_are_written_briefly():
    w = explore_backprop([[0.5, 0.25, 1], [1, 2, 3]], [[1 / 3, 2]], [[1, 0.1], [-2, 1]])
    assert "  = 0.5·0.3333 + 0.25·2 + 0 = 0.6667" in w.lines


@strict
def test_text_is_shown_once():
    w = explore_backprop()
    db_line = "  db = Σ_i Σ_j g[i, j] = 1 + 2 + (-1) + 1 = 3"
    assert w.text.value.count(html.escape(db_line)) == 1
    assert not any("db = Σ_i" in t for t in texts_of(w.figure))  # the live picture: panels
    static = squeeze(texts_of(w.static_figure()))
    assert static.count(squeeze([db_line])) == 1  # the snapshot keeps the text


# --------------------------------------------------------------------------
# max pooling
# --------------------------------------------------------------------------


@pytest.mark.parametrize("stride", [2, 1])
def test_max_pool_gradient_matches_torch(stride):
    w = explore_backprop(view="max pool")
    assert w.pool_stride == 2 and w.stride_buttons.layout.display is None
    w.stride_buttons.value = stride
    n = 4 // stride - (stride == 1)  # 2 windows per axis for stride 2, 3 for stride 1
    assert w.pool_y.shape == (n, n) and (w.row_slider.max, w.col_slider.max) == (n - 1, n - 1)
    np.testing.assert_array_equal(w.pool_g, np.arange(1, n * n + 1).reshape(n, n))
    y, dx = torch_max_pool(POOL_X, 2, stride, w.pool_g)
    np.testing.assert_array_equal(w.pool_y, y)
    np.testing.assert_array_equal(w.pool_dx, dx)


def test_overlapping_windows_add_their_gradients():
    w = explore_backprop(view="max pool", pool_stride=1)
    # 15 at (1, 1) is the maximum of the four windows around it: g = 1 + 2 + 4 + 5
    assert w.pool_dx[1, 1] == 12 and w.pool_dx[2, 2] == 6 + 8
    line = ("  x[1, 1] = 15 is the maximum of 4 windows: dx[1, 1] = g[0, 0] + g[0, 1] + "
            "g[1, 0] + g[1, 1] = 1 + 2 + 4 + 5 = 12")
    assert line in w.lines and html.escape(line) in w.text.value
    w.stride_buttons.value = 2  # tiling windows: every g once
    assert sorted(w.pool_dx[w.pool_dx != 0]) == [1, 2, 3, 4]
    assert not any("is the maximum of" in line for line in w.lines)


@pytest.mark.parametrize("shape, size, stride", [((6, 6), 3, 1), ((5, 7), 2, 2),
                                                 ((7, 7), 2, 3)])
def test_random_pool_inputs_match_torch(shape, size, stride):
    rng = np.random.default_rng(11)
    x = rng.permutation(shape[0] * shape[1]).reshape(shape)  # distinct: no ties
    w = explore_backprop(view="max pool", pool_x=x, pool_size=size, pool_stride=stride)
    for s in w.stride_buttons.options:
        w.stride_buttons.value = s
        y, dx = torch_max_pool(x, size, s, w.pool_g)
        np.testing.assert_array_equal(w.pool_y, y)
        np.testing.assert_array_equal(w.pool_dx, dx)


def test_pool_cell_routes_its_gradient_to_the_maximum():
    w = explore_backprop(view="max pool", pool_stride=1)
    total = np.zeros((4, 4))
    for i, j in np.ndindex(*w.pool_y.shape):
        w.cell = (i, j)
        window = POOL_X[i:i + 2, j:j + 2]
        r, c = np.unravel_index(np.argmax(window), window.shape)
        assert w.pool_argmax == (i + r, j + c)
        assert np.count_nonzero(w.pool_contrib) == 1
        assert w.pool_contrib[w.pool_argmax] == w.pool_g[i, j]
        total += w.pool_contrib
    np.testing.assert_array_equal(total, w.pool_dx)
    pick(w, (0, 1))
    assert w.lines[0] == ("max pooling 2×2, stride 1: y[0, 1] = max(x[0:2, 1:3]) = "
                          "max(1, 7, 15, 0) = 15, at x[1, 1]")
    assert "so g[0, 1] = 2 goes to x[1, 1] and the other 3 cells of the window get 0" \
        in w.lines[1]


# --------------------------------------------------------------------------
# the controls
# --------------------------------------------------------------------------


@strict
def test_each_view_remembers_its_cell_and_the_sliders_follow():
    w = explore_backprop()
    pick(w, (1, 0))
    w.view_buttons.value = "input cell"
    assert w.cell == (1, 1) and (w.row_slider.max, w.col_slider.max) == (2, 2)
    assert w.stride_buttons.layout.display == "none"
    pick(w, (2, 2))
    assert w.output_cells == [(1, 1)]
    w.view = "max pool"
    assert w.cell == (0, 0) and w.stride_buttons.layout.display is None
    w.pool_stride = 1
    pick(w, (2, 2))
    w.pool_stride = 2  # the 3×3 output shrinks to 2×2: the cell is clamped
    assert w.cell == (1, 1) and w.row_slider.max == 1
    w.view = "output cell"
    assert w.cell == (1, 0) and (w.row_slider.value, w.col_slider.value) == (1, 0)
    np.testing.assert_array_equal(w.contrib_dw, -1 * X[1:3, 0:2])  # g[1, 0] = -1
    w.view = "input cell"
    assert w.cell == (2, 2)


@strict
def test_cell_setter_and_view_setter_validate():
    w = explore_backprop()
    w.cell = (1, 1)
    assert (w.row_slider.value, w.col_slider.value) == (1, 1)
    with pytest.raises(ValueError, match=r"cell must lie in the output z \(2×2\)"):
        w.cell = (2, 0)
    with pytest.raises(ValueError, match="view must be one of"):
        w.view = "backward"
    with pytest.raises(ValueError, match="pool_stride must be one of"):
        w.pool_stride = 3
    assert (w.view, w.cell, w.pool_stride) == ("output cell", (1, 1), 2)


@strict
def test_navigating_draws_what_a_fresh_widget_draws():
    """The live pictures are kept per view and reused: no mark of an earlier cell may stay."""
    w = explore_backprop()
    for cell in [(0, 1), (1, 1), (1, 0)]:
        pick(w, cell)
    w.view = "input cell"
    pick(w, (0, 0))
    pick(w, (2, 1))
    w.view = "max pool"
    w.pool_stride = 1
    pick(w, (2, 0))
    w.view = "output cell"
    fresh = explore_backprop()
    fresh.cell = (1, 0)
    assert np.array_equal(png_pixels(bytes(w.image.value)), png_pixels(bytes(fresh.image.value)))
    w.view = "input cell"
    fresh.view = "input cell"
    fresh.cell = (2, 1)
    assert np.array_equal(png_pixels(bytes(w.image.value)), png_pixels(bytes(fresh.image.value)))
    w.view = "max pool"
    fresh = explore_backprop(view="max pool", pool_stride=1)
    fresh.cell = (2, 0)
    assert np.array_equal(png_pixels(bytes(w.image.value)), png_pixels(bytes(fresh.image.value)))


@strict
def test_fast_redraw_draws_what_a_full_redraw_draws():
    """The live picture redraws only what a cell changes over a saved background."""
    w = explore_backprop()
    for view, cell in (("output cell", (1, 0)), ("input cell", (0, 2)), ("max pool", (1, 1))):
        w.view = view
        pick(w, cell)
        fig = w.figure
        for artist in fig.findobj():
            artist.set_animated(False)  # savefig now draws everything, nothing reused
        assert np.array_equal(png_pixels(render(fig)), png_pixels(bytes(w.image.value))), view


def test_redraw_is_fast_enough_for_dragging():
    w = explore_backprop()
    for view in VIEWS:  # the first visit of a view builds its picture
        w.view = view
    changes = 0
    start = time.perf_counter()
    for view in VIEWS:
        w.view = view
        for value in (1, 0, 1):
            w.col_slider.value = value
        changes += 4
    elapsed = (time.perf_counter() - start) / changes
    # about 0.03 s per redraw on a 2-core machine
    assert elapsed < 0.3, f"one redraw took {elapsed:.2f} s"


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"x": np.arange(4)}, r"x \(the input\) must be a 2-D array"),
    ({"x": np.ones((2, 3, 3))}, "must be a 2-D array"),
    ({"x": np.ones((0, 3))}, "must not be empty"),
    ({"x": [["a", "b"], ["c", "d"]]}, "must hold real numbers"),
    ({"x": [[1, np.nan], [0, 1]], "w": [[1]], "g": [[1, 1], [1, 1]]}, "finite numbers"),
    ({"w": np.ones(2)}, r"w \(the kernel\) must be a 2-D array"),
    ({"w": np.ones((4, 2))}, r"w must fit inside x .* w is 4×2 but x is only 3×3"),
    ({"w": np.ones((2, 4))}, "must fit inside x"),
    ({"g": np.ones((3, 3))}, r"must have the shape of the output z, \(H - kh \+ 1, W - kw \+ "
                             r"1\) = \(3 - 2 \+ 1, 3 - 2 \+ 1\) = \(2, 2\), got shape \(3, 3\)"),
    ({"g": np.ones(4)}, "must be a 2-D array"),
    ({"b": [1, 2]}, "b .* must be one finite real number"),
    ({"b": np.nan}, "must be one finite real number"),
    ({"view": "forward"}, "view must be one of 'output cell', 'input cell', 'max pool'"),
    ({"pool_x": np.arange(16)}, r"pool_x \(the pooling input\) must be a 2-D array"),
    ({"pool_x": [[1, 5], [5, 0]]}, r"tie .* maximum 5 is at \(0, 1\), \(1, 0\), so the "
                                   "gradient would be ambiguous"),
    ({"pool_x": np.ones((4, 4))}, "ambiguous"),
    ({"pool_size": 0}, "pool_size must be a positive integer"),
    ({"pool_size": 5}, "5×5 pooling window must fit inside pool_x"),
    ({"pool_stride": 0}, "pool_stride must be a positive integer"),
    ({"pool_stride": 1.0}, "pool_stride must be a positive integer"),
])
def test_input_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore_backprop(**kwargs)
    static_kwargs = {key: value for key, value in kwargs.items() if key != "view"}
    if "view" in kwargs:
        static_kwargs["view"] = kwargs["view"]
    with pytest.raises(ValueError, match=message):
        static_backprop_figure(**static_kwargs)


def test_ties_only_in_overlapping_windows():
    """The widget offers stride 1 too, so it refuses a tie that only stride-1 windows
    see; the static figure of stride 2 draws it."""
    x = np.array([[1, 2, 3, 4], [0, 5, 5, 0], [6, 7, 8, 9], [10, 11, 12, 13]])
    with pytest.raises(ValueError, match=r"window at rows 0–1, cols 1–2 \(stride 1\)"):
        explore_backprop(pool_x=x)
    assert render(static_backprop_figure(view="max pool", pool_x=x)).startswith(PNG_SIGNATURE)
    with pytest.raises(ValueError, match="ambiguous"):
        static_backprop_figure(view="max pool", pool_x=x, pool_stride=1)


@pytest.mark.parametrize("view, cell, message", [
    ("output cell", (2, 0), r"cell must lie in the output z \(2×2\): row 0…1, col 0…1, "
                            r"got \(2, 0\)"),
    ("output cell", (0, -1), "cell must lie in the output z"),
    ("input cell", (3, 0), r"cell must lie in the input x \(3×3\)"),
    ("max pool", (2, 2), r"cell must lie in the pooled output y \(2×2\)"),
    ("output cell", (0.0, 1), "pair of integers"),
    ("input cell", 4, "pair of integers"),
])
def test_cell_validation(view, cell, message):
    with pytest.raises(ValueError, match=message):
        static_backprop_figure(cell=cell, view=view)


def test_module_exposes_only_the_explorer():
    """No public helper a chapter might ask students to write (conv2d_backward, ...)."""
    functions = {name for name, value in vars(bp_module).items()
                 if not name.startswith("_") and inspect.isfunction(value)
                 and value.__module__ == bp_module.__name__}
    assert functions == {"explore_backprop", "static_backprop_figure"}


# --------------------------------------------------------------------------
# the static figure and the fallback
# --------------------------------------------------------------------------


@strict
@pytest.mark.parametrize("view, cell, drawn", [
    ("output cell", None, "= 1·1 + 2·(-1) + 0·2 + 1·0 + 0 = -1"),
    ("output cell", (1, 1), "g[1, 1]·x[1:3, 1:3] = 1·[[1, 3], [1, 1]] = [[1, 3], [1, 1]]"),
    ("input cell", None, "= 1·0 + 2·2 + (-1)·(-1) + 1·1 = 6"),
    ("input cell", (2, 0), "= (-1)·2 = -2"),
    ("max pool", None, "max(3, 1, 5, 15) = 15, at x[1, 1]"),
    ("max pool", (1, 1), "max(12, 9, 11, 13) = 13, at x[3, 3]"),
])
def test_static_figure_renders_each_view(view, cell, drawn):
    fig = static_backprop_figure(cell=cell, view=view)
    if cell is None:  # one render per view is enough to catch a drawing error
        assert render(fig).startswith(PNG_SIGNATURE)
    assert drawn in squeeze(texts_of(fig))


@strict
@pytest.mark.parametrize("x_shape, w_shape, view, cell", [
    ((5, 7), (2, 3), "output cell", (3, 0)),  # floats in small cells
    ((28, 28), (5, 5), "input cell", None),  # colours only, 25 windows over the cell
    ((1, 5), (1, 2), "input cell", (0, 4)),  # one row
], ids=str)
def test_static_figure_of_other_shapes(x_shape, w_shape, view, cell):
    rng = np.random.default_rng(2)
    x, k, g = random_case(rng, x_shape, w_shape)
    assert render(static_backprop_figure(x, k, g, cell, view)).startswith(PNG_SIGNATURE)


@strict
def test_static_figure_of_a_larger_pooling():
    pool_x = np.random.default_rng(2).permutation(36).reshape(6, 6)
    fig = static_backprop_figure(view="max pool", pool_x=pool_x, pool_size=3, pool_stride=1)
    assert render(fig).startswith(PNG_SIGNATURE)
    assert "3×3 max pooling, stride 1" in squeeze(texts_of(fig))


@strict
def test_bundle_carries_png_of_every_view():
    w = explore_backprop()
    for view in VIEWS:
        w.view = view
        bundle = w._repr_mimebundle_()
        assert WIDGET_VIEW_MIMETYPE in bundle
        assert base64.b64decode(bundle["image/png"]).startswith(PNG_SIGNATURE)
        assert view.split()[0] in squeeze(texts_of(w.static_figure()))


NOTEBOOK_CELLS = [
    f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
    "from course.widgets.backprop import explore_backprop, static_backprop_figure",
    "explore_backprop()",
    "explore_backprop(view='max pool', pool_stride=1)",
    "static_backprop_figure(view='input cell', cell=(0, 1))",
]


def test_notebook_executed_without_frontend_keeps_png(tmp_path):
    nb = execute_without_frontend(NOTEBOOK_CELLS, tmp_path)
    for outputs in (nb.cells[1].outputs, nb.cells[2].outputs):
        assert len(outputs) == 1  # no second copy of the figure
        data = outputs[0].data
        assert WIDGET_VIEW_MIMETYPE in data
        assert base64.b64decode(data["image/png"]).startswith(PNG_SIGNATURE)
        assert "VBox" not in data["text/plain"]
    static = nb.cells[3].outputs
    assert len(static) == 1 and "image/png" in static[0].data
