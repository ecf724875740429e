"""Tests for the drawing board (chapter 08): MNIST-like preprocessing of a
drawn grid (fit in 20 x 20, centred by centre of mass, values in [0, 1]), the
round trip of a real test digit through the grid, the board's clicks driving
the probabilities, the checks of predict_proba, the static figure, and the PNG
fallback without a widget front-end.
"""

import base64
import html
import time
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
from scipy import ndimage

from course.data import load_mnist
from course.widgets import drawing
from course.widgets._display import WIDGET_VIEW_MIMETYPE, figure_to_png
from course.widgets.drawing import (DrawingExplorer, digit_to_grid, explore_drawing,
                                    grid_to_image, static_drawing_figure)
from widget_helpers import execute_without_frontend

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Any warning would reach a notebook's stderr, which nbgrader punishes: make it an error.
strict = pytest.mark.filterwarnings("error")

WEIGHTS = np.random.default_rng(0).standard_normal((28 * 28, 10)) * 0.05


def linear_softmax(x):
    """A dummy model: softmax of a fixed linear map, (N, 28, 28) -> (N, 10)."""
    z = np.asarray(x).reshape(len(x), -1) @ WEIGHTS
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class Recorder:
    """A dummy model that remembers what it was given."""

    def __init__(self):
        self.calls = []

    def __call__(self, x):
        self.calls.append(x)
        return linear_softmax(x)


def shape_grid(shape, size=14, top=2, left=3):
    """A size x size grid holding the 0/1 pattern ``shape`` at (top, left)."""
    grid = np.zeros((size, size), dtype=bool)
    shape = np.asarray(shape, dtype=bool)
    grid[top:top + shape.shape[0], left:left + shape.shape[1]] = shape
    return grid


L_SHAPE = np.zeros((9, 6), dtype=bool)
L_SHAPE[:, 0] = L_SHAPE[-1, :] = True
SEVEN = np.zeros((10, 7), dtype=bool)
SEVEN[0, :] = True
SEVEN[np.arange(1, 10), np.linspace(6, 2, 9).round().astype(int)] = True
SHAPES = {"L": L_SHAPE, "seven": SEVEN, "bar": np.ones((10, 1)), "dot": np.ones((1, 1)),
          "blob": np.random.default_rng(1).random((8, 8)) > 0.5, "square": np.ones((5, 5))}


@pytest.fixture(scope="module")
def digits():
    """The first 50 MNIST test digits, uint8 (50, 28, 28)."""
    return load_mnist("test", download=False)[0][:50]


def crop(a):
    """The part of ``a`` inside the bounding box of its non-zero values."""
    rows, cols = np.flatnonzero(np.any(a, axis=1)), np.flatnonzero(np.any(a, axis=0))
    return a[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def inked_box(image, threshold=0.0):
    """(height, width) of the pixels above ``threshold``."""
    return crop(image > threshold).shape


# --------------------------------------------------------------------------
# grid_to_image
# --------------------------------------------------------------------------


@strict
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_grid_to_image_fits_20x20_and_centres_the_mass(name, monkeypatch):
    image = grid_to_image(shape_grid(SHAPES[name]))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() == 1
    com = ndimage.center_of_mass(image)
    assert np.allclose(com, 13.5, atol=1), com  # the frame's centre ...
    assert np.allclose(com, 14, atol=0.1), com  # ... where MNIST puts it (as the frame allows)
    boxes, place = [], drawing._place
    monkeypatch.setattr(drawing, "_place", lambda box: boxes.append(box) or place(box))
    image = grid_to_image(shape_grid(SHAPES[name]))
    rows, cols = crop(SHAPES[name]).shape
    long = max(rows, cols)
    expected = (int(np.ceil(20 * rows / long)), int(np.ceil(20 * cols / long)))
    assert boxes[0].shape == expected  # the scaled drawing, before it is placed
    assert max(expected) == 20  # the long side fills the 20 x 20 box, the aspect ratio is kept
    assert max(inked_box(image, 0.5)) <= 21  # placed (sub-pixel shift) and blurred


@strict
def test_grid_to_image_ignores_position_and_scale():
    seven = grid_to_image(shape_grid(SEVEN))
    for top, left in ((0, 0), (4, 7), (3, 1)):
        np.testing.assert_array_equal(grid_to_image(shape_grid(SEVEN, top=top, left=left)), seven)
    doubled = np.kron(SEVEN, np.ones((2, 2), dtype=bool))  # the same 7 drawn twice as big
    np.testing.assert_allclose(grid_to_image(shape_grid(doubled, size=28, top=1, left=2)), seven,
                               atol=1e-6)
    as_ints = shape_grid(SEVEN).astype(int)  # 0/1 integers and floats as well as booleans
    np.testing.assert_array_equal(grid_to_image(as_ints), seven)
    np.testing.assert_array_equal(grid_to_image(as_ints.astype(float)), seven)
    wide = np.zeros((7, 10))
    wide[1:6, 2:8] = SHAPES["blob"][:5, :6]  # a non-square grid works too
    assert grid_to_image(wide).shape == (28, 28)


@strict
def test_grid_to_image_anti_aliases_and_blurs():
    image = grid_to_image(shape_grid(SHAPES["bar"]))  # 10 cells -> 20 px: 2 px per cell
    levels = np.unique(image)
    assert len(levels) > 5  # grey edges, not only 0 and 1
    assert image.sum() > 2 * 20 * 0.9  # the stroke keeps about its ink
    height, width = inked_box(image, 0.5)
    assert 19 <= height <= 21 and 2 <= width <= 3


@strict
@pytest.mark.parametrize("grid", [np.zeros((14, 14), dtype=bool), np.zeros((7, 7), dtype=int),
                                  np.zeros((9, 20))])
def test_empty_grid_gives_zeros(grid):
    image = grid_to_image(grid)
    assert image.shape == (28, 28) and image.dtype == np.float32 and not image.any()


@pytest.mark.parametrize(
    "grid, message",
    [
        (np.ones(14), "grid must be a 2-D array \\(rows x columns of cells\\), got 1-D"),
        (np.ones((2, 14, 14)), "grid must be a 2-D array .* got 3-D with shape \\(2, 14, 14\\)"),
        (np.ones((6, 6)), "grid must have at least 7 rows and 7 columns of cells, got shape "
                          "\\(6, 6\\)"),
        (np.ones((14, 5)), "at least 7 rows and 7 columns"),
        (np.zeros((0, 14)), "must not be empty"),
        (np.full((8, 8), 2.0), "ink values between 0 and 1 .* got values from 2 to 2"),
        (-np.eye(8), "ink values between 0 and 1"),
        (np.full((8, 8), np.nan), "finite"),
        (np.array([["a"] * 8] * 8), "real numbers"),
    ],
)
def test_grid_to_image_validates(grid, message):
    with pytest.raises(ValueError, match=message):
        grid_to_image(grid)


# --------------------------------------------------------------------------
# a real digit through the grid and back
# --------------------------------------------------------------------------


@strict
def test_mnist_digit_round_trip_is_close(digits):
    grids = [digit_to_grid(digit) for digit in digits]
    assert all(g.shape == (14, 14) and g.dtype == bool for g in grids)
    correlations = np.array([np.corrcoef(grid_to_image(g).ravel(), d.ravel())[0, 1]
                             for g, d in zip(grids, digits)])
    # measured on these 50 digits: mean 0.83, lowest 0.65 (a thin slanted 7), the
    # first digit (a 7) 0.77; on 1,000 digits: mean 0.84, 5th percentile 0.72.
    # 14 x 14 on/off cells draw MNIST's 2-pixel strokes only about that well.
    assert correlations.mean() > 0.8, correlations.mean()
    assert correlations.min() > 0.6, correlations.min()
    assert correlations[0] > 0.7, correlations[0]
    centres = np.array([ndimage.center_of_mass(grid_to_image(g)) for g in grids])
    mnist = np.array([ndimage.center_of_mass(d.astype(float)) for d in digits])
    assert np.allclose(centres.mean(0), mnist.mean(0), atol=0.2)  # placed like MNIST


@strict
def test_digit_to_grid_on_other_grid_sizes(digits):
    for size in (7, 10, 28):
        grid = digit_to_grid(digits[1], size)
        assert grid.shape == (size, size) and 0 < grid.sum() < size * size / 2
    np.testing.assert_array_equal(digit_to_grid(digits[1] / 255.0), digit_to_grid(digits[1]))
    np.testing.assert_array_equal(digit_to_grid(digits[1], 28), digits[1] >= 0.35 * 255)


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------


def bars_of(w):
    """The heights of the ten bars in the live picture."""
    return np.array([bar.get_height() for bar in w.picture.panels.bars])


@strict
def test_widget_builds_and_carries_fallback(digits):
    w = explore_drawing(linear_softmax, digits[:5])
    assert isinstance(w, DrawingExplorer) and isinstance(w, widgets.VBox)
    assert len(w.cells) == 14 and all(len(row) == 14 for row in w.cells)
    assert w.probabilities is None and w.prediction is None and not w.grid.any()
    assert not w.model_input.any() and not bars_of(w).any()
    assert "empty" in w.text.value
    assert bytes(w.image.value).startswith(PNG_SIGNATURE)
    bundle = w._repr_mimebundle_()
    assert WIDGET_VIEW_MIMETYPE in bundle
    assert base64.b64decode(bundle["image/png"]).startswith(PNG_SIGNATURE)
    assert "explore_drawing" in bundle["text/plain"] and "VBox" not in bundle["text/plain"]


@strict
def test_clicking_cells_changes_the_probabilities_shown():
    model = Recorder()
    w = explore_drawing(model, grid=10)
    assert w.load_button is None
    n_calls = len(model.calls)
    pictures, shown = {bytes(w.image.value)}, []
    for col in range(2, 8):  # a horizontal stroke, then a vertical one
        w.cells[2][col].click()
        shown.append(w.probabilities)
    for row in range(3, 9):
        w.cells[row][6].click()
        shown.append(w.probabilities)
        pictures.add(bytes(w.image.value))
    assert w.grid.sum() == 12 and w.grid[2, 2:8].all() and w.grid[2:9, 6].all()
    assert len(model.calls) == n_calls + 12  # one prediction per click
    given = model.calls[-1]
    assert given.shape == (1, 28, 28) and given.dtype == np.float32
    np.testing.assert_array_equal(given[0], w.model_input)
    np.testing.assert_array_equal(w.model_input, grid_to_image(w.grid))
    np.testing.assert_allclose(w.probabilities, linear_softmax(w.model_input[None])[0])
    assert len(pictures) == 7  # every click drew something new
    assert all(not np.allclose(a, b) for a, b in zip(shown, shown[1:]))
    np.testing.assert_allclose(bars_of(w), w.probabilities)
    assert w.picture.panels.title.get_text().startswith(f"prediction: {w.prediction} ")
    top = np.argsort(-w.probabilities)[:3]
    assert html.escape(f"top 3: {top[0]} ({w.probabilities[top[0]]:.3f})") in w.text.value
    assert w.cells[2][2].style.button_color == drawing.INKED
    assert w.cells[0][0].style.button_color == drawing.PAPER


@strict
def test_thick_pen_eraser_and_clear():
    w = explore_drawing(linear_softmax)
    w.thick.value = True
    w.cells[5][5].click()
    assert sorted(zip(*np.nonzero(w.grid))) == [(4, 5), (5, 4), (5, 5), (5, 6), (6, 5)]
    w.cells[0][13].click()  # a corner: the neighbours outside the grid are skipped
    assert w.grid.sum() == 8 and w.grid[0, 12] and w.grid[1, 13]
    w.pen.value = "eraser"
    w.thick.value = False
    w.cells[5][5].click()
    assert w.grid.sum() == 7 and not w.grid[5, 5]
    w.cells[5][5].click()  # erasing a blank cell changes nothing
    assert w.grid.sum() == 7
    w.clear_button.click()
    assert not w.grid.any() and w.probabilities is None and not bars_of(w).any()
    assert all(c.style.button_color == drawing.PAPER for row in w.cells for c in row)


@strict
def test_load_a_held_out_digit(digits):
    w = explore_drawing(linear_softmax, digits[:3])
    for expected in (0, 1, 2, 0):  # cycles through the images
        w.load_button.click()
        assert w.example == expected
        np.testing.assert_array_equal(w.grid, digit_to_grid(digits[expected]))
        assert f"held-out digit {expected}" in w.text.value
        assert w.probabilities is not None
    w.load_example(-1)  # indices wrap around
    assert w.example == 2
    np.testing.assert_array_equal(w.grid, digit_to_grid(digits[2]))
    w.cells[0][0].click()  # drawing over a loaded digit
    assert w.grid[0, 0] and w.grid.sum() == digit_to_grid(digits[2]).sum() + 1
    with pytest.raises(ValueError, match="pass images to explore_drawing"):
        explore_drawing(linear_softmax).load_example()


@strict
def test_a_click_is_fast(digits):
    w = explore_drawing(linear_softmax, digits[:1])
    w.load_example()
    start = time.perf_counter()
    for col in range(14):
        w.cells[7][col].click()
    per_click = (time.perf_counter() - start) / 14
    assert per_click < 0.1, f"one click took {per_click:.3f} s"  # about 0.01 s


# --------------------------------------------------------------------------
# predict_proba and the other inputs
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "predict_proba, message",
    [
        (lambda x: linear_softmax(x)[:, :9], "shape \\(N, 10\\), one row per image: for N = 2 "
                                             "images it returned shape \\(2, 9\\)"),
        (lambda x: linear_softmax(x)[0], "for N = 2 images it returned shape \\(10,\\)"),
        (lambda x: linear_softmax(x[:1]), "returned shape \\(1, 10\\)"),
        (lambda x: np.log(linear_softmax(x)), "rows of 10 numbers ≥ 0 that sum to 1"),
        (lambda x: 2 * linear_softmax(x), "got row sums \\[2. 2.\\].*softmax missing"),
        (lambda x: np.full((len(x), 10), np.nan), "must return probabilities"),
        (lambda x: None, "returned shape \\(\\)"),
        (lambda x: "probabilities", "must return a NumPy array of shape \\(N, 10\\), got str"),
    ],
)
def test_bad_predict_proba_gives_a_clear_error(predict_proba, message, digits):
    with pytest.raises(ValueError, match=message):
        explore_drawing(predict_proba)
    with pytest.raises(ValueError, match="predict_proba must return"):
        static_drawing_figure(predict_proba, digits)


def test_predict_proba_must_be_callable():
    with pytest.raises(TypeError, match="predict_proba must be a function .* got ndarray"):
        explore_drawing(np.eye(10))


class Tensor:
    """Stands for a torch tensor that requires grad: NumPy cannot convert it."""

    def __array__(self, dtype=None, copy=None):
        raise RuntimeError("Can't call numpy() on Tensor that requires grad.")


def test_tensors_that_numpy_cannot_convert_are_refused():
    with pytest.raises(ValueError, match="must return a NumPy array .* got Tensor"):
        explore_drawing(lambda x: Tensor())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"grid": 6}, "grid must be an integer from 7 to 28 \\(cells per side\\), got 6"),
        ({"grid": 29}, "got 29"),
        ({"grid": 14.0}, "got 14.0"),
        ({"grid": True}, "got True"),
        ({"images": np.zeros((3, 28, 27))}, "images must be an array \\(N, 28, 28\\) .* got shape "
                                            "\\(3, 28, 27\\)"),
        ({"images": np.zeros((28, 28))}, "got shape \\(28, 28\\)"),
        ({"images": np.zeros((0, 28, 28))}, "N ≥ 1"),
    ],
)
def test_input_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore_drawing(linear_softmax, **kwargs)


# --------------------------------------------------------------------------
# the static figure
# --------------------------------------------------------------------------


@strict
@pytest.mark.parametrize("n, grid", [(1, 14), (3, 14), (4, 10)])
def test_static_figure_has_a_row_per_digit(n, grid, digits):
    fig = static_drawing_figure(linear_softmax, digits, n=n, grid=grid)
    assert len(fig.axes) == 3 * n
    assert fig.axes[0].get_title() == f"the {grid}×{grid} grid"
    titles = [ax.get_title() for ax in fig.axes[2::3]]
    p = linear_softmax(np.stack([grid_to_image(digit_to_grid(d, grid)) for d in digits[:n]]))
    assert titles == [f"prediction: {np.argmax(q)} (p = {q.max():.2f})" for q in p]
    assert figure_to_png(fig).startswith(PNG_SIGNATURE)


@strict
def test_static_figure_checks_n(digits):
    with pytest.raises(ValueError, match="n must be an integer from 1 to 5, got 6"):
        static_drawing_figure(linear_softmax, digits[:5], n=6)
    with pytest.raises(ValueError, match="n must be an integer from 1 to 5, got 0"):
        static_drawing_figure(linear_softmax, digits[:5], n=0)


@strict
def test_widget_fallback_shows_the_drawing_or_the_digits(digits):
    w = explore_drawing(linear_softmax, digits[:6])
    assert len(w.static_figure().axes) == 12  # nothing drawn: four held-out digits
    w.cells[4][4].click()
    fig = w.static_figure()
    assert len(fig.axes) == 3  # the drawing
    p = w.probabilities
    assert fig.axes[2].get_title() == f"prediction: {w.prediction} (p = {p.max():.2f})"
    blank = explore_drawing(linear_softmax).static_figure()
    assert len(blank.axes) == 3 and blank.axes[2].get_title() == "draw a digit"


# --------------------------------------------------------------------------
# the fallback, end to end: execute a notebook without a widget front-end
# --------------------------------------------------------------------------

NOTEBOOK_CELLS = [
    f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport numpy as np\n"
    "from course.widgets.drawing import explore_drawing, static_drawing_figure\n"
    "def predict_proba(x):\n"
    "    z = x.reshape(len(x), -1)[:, ::78][:, :10] * 5.0\n"
    "    e = np.exp(z - z.max(axis=1, keepdims=True))\n"
    "    return e / e.sum(axis=1, keepdims=True)\n"
    "images = np.zeros((3, 28, 28), dtype=np.uint8)\n"
    "images[:, 4:24, 12:16] = 255",
    "explore_drawing(predict_proba, images)",
    "static_drawing_figure(predict_proba, images, n=2)",
]


def test_notebook_executed_without_frontend_keeps_png(tmp_path):
    nb = execute_without_frontend(NOTEBOOK_CELLS, tmp_path)
    widget, static = nb.cells[1].outputs, nb.cells[2].outputs
    assert len(widget) == 1  # no second copy of the figure
    data = widget[0].data
    assert WIDGET_VIEW_MIMETYPE in data
    assert base64.b64decode(data["image/png"]).startswith(PNG_SIGNATURE)
    assert "VBox" not in data["text/plain"]
    assert len(static) == 1 and "image/png" in static[0].data
