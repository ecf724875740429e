"""Tests for the pooling stepper (chapter 05): the controls drive the state,
the finished output agrees with PyTorch's pooling, uint8 digits are pooled
exactly, the text line names the window's values, the validation, the static
figure, fast stepping, and the PNG fallback without a widget front-end.
"""

import base64
import html
import io
import time
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from course.data import load_mnist
from course.widgets import pooling as pool_module
from course.widgets._display import WIDGET_VIEW_MIMETYPE
from course.widgets.pooling import PoolingExplorer, explore_pooling, static_pooling_figure
from widget_helpers import execute_without_frontend

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Any warning (missing glyph, layout, pyplot's "More than 20 figures") would
# reach a notebook's stderr, which nbgrader punishes: make it an error.
strict = pytest.mark.filterwarnings("error")

# (x shape, size, stride): square and non-square, stride = size, < size (overlap),
# > size (skipped pixels), a window as large as x, 1×1 windows
SETTINGS = [
    ((6, 8), 2, None),
    ((7, 9), 3, 2),
    ((7, 8), 2, 3),
    ((6, 9), (2, 3), (1, 2)),
    ((8, 7), (3, 1), (2, 3)),
    ((5, 6), (5, 6), 1),
    ((4, 5), 1, 1),
]


def example_x():
    """The 4×6 example: the window at output (1, 2) (rows 2–3, cols 4–5) holds 3, 7, 1, 0."""
    return np.array([[1, 3, 2, 9, 0, 4],
                     [5, 7, 1, 0, 6, 2],
                     [8, 2, 3, 3, 3, 7],
                     [0, 4, 6, 5, 1, 0]])


def torch_pool(x, size, stride, mode):
    """PyTorch's pooling of the 2-D array ``x`` (float64): the expected output."""
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    t = torch.tensor(np.asarray(x, dtype=np.float64))[None, None]
    stride = size if stride is None else stride
    if mode == "max":
        out = functional.max_pool2d(t, size, stride)
    elif mode == "avg":
        out = functional.avg_pool2d(t, size, stride)
    else:
        out = -functional.max_pool2d(-t, size, stride)
    return out[0, 0].numpy()


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


def shown(w):
    """Everything that tells the state of a step: step, window, output, picture."""
    return (w.step, w.window_position, w.window.tolist(), np.nan_to_num(w.output, nan=-1).tolist(),
            w.formula, bytes(w.image.value))


# --------------------------------------------------------------------------
# the controls and the state
# --------------------------------------------------------------------------


@strict
def test_widget_builds_and_carries_fallback():
    w = explore_pooling(example_x())
    assert isinstance(w, PoolingExplorer) and isinstance(w, widgets.VBox)
    bundle = w._repr_mimebundle_()
    assert WIDGET_VIEW_MIMETYPE in bundle
    assert bundle_png(w).startswith(PNG_SIGNATURE)
    assert "explore_pooling" in bundle["text/plain"] and "VBox" not in bundle["text/plain"]
    assert bytes(w.image.value).startswith(PNG_SIGNATURE)
    assert (w.step, w.mode, w.stride, w.size) == (0, "max", (2, 2), (2, 2))
    assert w.n_steps == 6 and w.output_shape == (2, 3)
    assert w.prev_button.disabled and not w.next_button.disabled
    assert w.window_position == (0, 0)
    np.testing.assert_array_equal(w.window, [[1, 3], [5, 7]])
    assert np.isnan(w.output).sum() == 5 and w.output[0, 0] == 7  # only the first cell
    np.testing.assert_array_equal(w.full_output, [[7, 9, 6], [8, 6, 7]])
    assert w.slider.max == w.play.max == 5


@strict
@pytest.mark.parametrize("shape, size, stride", SETTINGS)
def test_finished_output_matches_torch(shape, size, stride):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    w = explore_pooling(x, size, stride)
    for mode in ("max", "avg", "min"):
        w.mode_buttons.value = mode
        expected = torch_pool(x, size, stride, mode)
        assert w.output_shape == expected.shape and w.n_steps == expected.size
        np.testing.assert_allclose(w.full_output, expected, rtol=1e-12, atol=0)
        w.slider.value = w.n_steps - 1  # the last step: the output is finished
        np.testing.assert_allclose(w.output, expected, rtol=1e-12, atol=0)
        w.slider.value = 0
        assert np.isnan(w.output).sum() == expected.size - 1


@strict
def test_next_clicks_fill_the_output_window_by_window():
    x = np.random.default_rng(2).integers(-9, 10, size=(7, 8))
    w = explore_pooling(x, size=(3, 2), stride=(2, 3))
    expected = torch_pool(x, (3, 2), (2, 3), "max")
    assert expected.shape == (3, 3)
    for step in range(w.n_steps):
        row, col = divmod(step, 3)
        assert w.step == step and w.window_position == (2 * row, 3 * col)
        np.testing.assert_array_equal(w.window, x[2 * row:2 * row + 3, 3 * col:3 * col + 2])
        filled = np.isfinite(w.output)
        assert filled.sum() == step + 1 and filled.flat[:step + 1].all()
        np.testing.assert_array_equal(w.output[filled], expected[filled])
        w.next_button.click()
    assert w.step == w.n_steps - 1 and w.next_button.disabled  # past the end: stays there
    np.testing.assert_array_equal(w.output, expected)
    w.prev_button.click()
    assert w.step == w.n_steps - 2 and not w.next_button.disabled
    assert np.isnan(w.output[-1, -1])


@strict
def test_previous_next_play_and_slider_agree():
    x = np.random.default_rng(3).integers(0, 10, size=(6, 6))
    by_click, by_slider, by_play = (explore_pooling(x, 2, 1, mode="avg") for _ in range(3))
    for _ in range(9):
        by_click.next_button.click()
    for _ in range(2):
        by_click.prev_button.click()
    by_slider.slider.value = 7
    by_play.play.value = 7  # the Play widget is linked to the step slider
    assert by_play.step == 7
    assert shown(by_click) == shown(by_slider) == shown(by_play)
    assert by_click.window_position == (1, 2)
    by_play.step = 8
    assert by_play.slider.value == by_play.play.value == 8


@strict
def test_winning_cell_is_marked_for_max_and_min():
    x = example_x()
    w = explore_pooling(x)
    w.step = 5  # output (1, 2): rows 2–3, cols 4–5 hold 3, 7 / 1, 0
    picture = w.picture
    assert w.state.winner == (0, 1) and picture.x_winner.get_visible()
    assert picture.x_winner.get_xy() == pytest.approx((5 - 0.5 + 0.1, 2 - 0.5 + 0.1))
    assert picture.w_winner.get_xy() == pytest.approx((1 - 0.5 + 0.1, 0 - 0.5 + 0.1))
    assert picture.window_box.get_xy() == pytest.approx((4 - 0.5, 2 - 0.5))
    assert picture.out_box.get_xy() == pytest.approx((2 - 0.5, 1 - 0.5))
    w.mode = "min"
    assert w.state.winner == (1, 1)
    assert picture.x_winner.get_xy() == pytest.approx((5 - 0.5 + 0.1, 3 - 0.5 + 0.1))
    w.mode = "avg"
    assert w.state.winner is None and not picture.x_winner.get_visible()
    assert not picture.w_winner.get_visible()


@strict
def test_mode_and_stride_switches_recompute_and_keep_the_step_valid():
    x = np.random.default_rng(5).standard_normal((9, 10))
    w = explore_pooling(x, size=3)  # stride 3: output 3×3
    assert [s.max for s in w.stride_sliders] == [4, 4]  # stride 1 ... size + 1
    w.slider.value = w.n_steps - 1
    w.mode_buttons.value = "avg"
    assert w.step == 8 and w.mode == "avg"
    np.testing.assert_allclose(w.full_output, torch_pool(x, 3, 3, "avg"))
    np.testing.assert_allclose(w.output, w.full_output)  # still finished

    w.stride_sliders[0].value = 1  # rows overlap: output 7×3; the output stays finished
    assert w.stride == (1, 3) and w.output_shape == (7, 3)
    assert w.step == w.n_steps - 1 == w.slider.max == w.play.max == 20
    np.testing.assert_allclose(w.output, torch_pool(x, 3, (1, 3), "avg"))
    assert w.next_button.disabled

    w.step = 7  # output cell (2, 1)
    w.stride = (4, 4)  # fewer windows: output 2×2, the cell is clamped to (1, 1)
    assert w.output_shape == (2, 2) and w.n_steps == 4
    assert w.step == 3 and w.slider.max == w.play.max == 3
    assert w.window_position == (4, 4)
    np.testing.assert_allclose(w.full_output, torch_pool(x, 3, 4, "avg"))
    assert w.next_button.disabled and not w.prev_button.disabled

    w.step = 1  # output cell (0, 1): kept when the output grows
    w.stride = 1
    assert w.output_shape == (7, 8) and (w.step, w.window_position) == (1, (0, 1))
    w.mode = "min"
    np.testing.assert_allclose(w.full_output, torch_pool(x, 3, 1, "min"))
    assert w.play.interval == pool_module._play_interval(56)

    w.stride = (6, 5)  # beyond the slider's range: the slider grows
    assert w.stride == (6, 5) and w.stride_sliders[0].max == 6
    np.testing.assert_allclose(w.full_output, torch_pool(x, 3, (6, 5), "min"))


@strict
def test_uint8_inputs_are_pooled_without_wrapping():
    x = np.array([[200, 255, 9, 3], [255, 200, 0, 1]], dtype=np.uint8)
    w = explore_pooling(x, mode="avg")  # in uint8, 200 + 255 would be 199
    assert w.formula == ("window rows 0–1, cols 0–1: avg(200, 255, 255, 200) = 910/4 = 227.5 "
                         "→ output (0, 0)")
    assert html.escape(w.formula) in w.text.value
    w.next_button.click()
    assert w.formula == ("window rows 0–1, cols 2–3: avg(9, 3, 0, 1) = 13/4 = 3.25 "
                         "→ output (0, 1)")
    np.testing.assert_array_equal(w.full_output, [[227.5, 3.25]])
    w.mode = "max"
    np.testing.assert_array_equal(w.full_output, [[255, 9]])
    w.mode = "min"
    np.testing.assert_array_equal(w.full_output, [[200, 0]])
    assert w.formula == "window rows 0–1, cols 2–3: min(9, 3, 0, 1) = 0 → output (0, 1)"
    drawn = texts_of(static_pooling_figure(x, mode="max"))
    assert "255" in drawn and not any(".0" in t for t in drawn)  # integers as integers


@strict
def test_mnist_digit_is_pooled_exactly():
    digit = load_mnist("test", download=False)[0][0]
    assert digit.dtype == np.uint8
    exact = digit.astype(np.int64).reshape(14, 2, 14, 2)
    w = explore_pooling(digit)
    np.testing.assert_array_equal(w.full_output, exact.max(axis=(1, 3)))
    w.mode = "avg"
    np.testing.assert_array_equal(w.full_output * 4, exact.sum(axis=(1, 3)))  # exact quarters
    np.testing.assert_allclose(w.full_output, torch_pool(digit, 2, 2, "avg"), rtol=1e-15)
    w.mode = "min"
    np.testing.assert_array_equal(w.full_output, exact.min(axis=(1, 3)))
    for step in (0, 64, 100, 195):
        w.slider.value = step
        values, result = w.formula.split(": ")[1].split(" → ")[0].split(" = ")
        window = [int(v) for v in values[len("min("):-1].split(", ")]
        assert window == w.window.ravel().tolist() and int(result) == min(window)


# --------------------------------------------------------------------------
# the text
# --------------------------------------------------------------------------


@strict
def test_text_line_names_the_window_values_and_result():
    w = explore_pooling(example_x())
    w.step = 5
    assert w.formula == "window rows 2–3, cols 4–5: max(3, 7, 1, 0) = 7 → output (1, 2)"
    w.mode = "avg"
    assert w.formula == ("window rows 2–3, cols 4–5: avg(3, 7, 1, 0) = 11/4 = 2.75 "
                         "→ output (1, 2)")
    w.mode = "min"
    assert w.formula == "window rows 2–3, cols 4–5: min(3, 7, 1, 0) = 0 → output (1, 2)"
    assert w.lines[0] == w.formula
    assert w.lines[1] == ("output shape (2, 3) from floor((n - size) / stride) + 1: "
                          "rows floor((4 - 2) / 2) + 1 = 2, cols floor((6 - 2) / 2) + 1 = 3")
    assert "tile x, every pixel is read exactly once" in w.lines[2]

    tall = explore_pooling(example_x(), size=(3, 1), stride=(1, 2), mode="min")
    tall.step = 3  # output (1, 0)
    assert tall.formula == "window rows 1–3, col 0: min(5, 8, 0) = 0 → output (1, 0)"
    assert tall.lines[1].endswith("rows floor((4 - 3) / 1) + 1 = 2, "
                                  "cols floor((6 - 1) / 2) + 1 = 3")
    assert tall.lines[2] == ("rows: stride 1 < window 3: windows overlap, "
                             "a row is read up to 2 times")
    assert tall.lines[3] == ("cols: stride 2 > window 1: 1 column skipped between windows; "
                             "the last column fits no window (shaded: never read)")
    wide = explore_pooling(np.ones((2, 9)), size=2, stride=(2, 3))
    assert wide.lines[2:] == ["rows: one window fits in 2 rows, so the stride plays no part",
                              "cols: stride 3 > window 2: 1 column skipped between windows; "
                              "the last column fits no window (shaded: never read)"]
    assert explore_pooling(np.ones((2, 10)), stride=(2, 3)).lines[-1].endswith(
        "the last 2 columns fit no window (shaded: never read)")


@strict
def test_floats_and_long_windows_are_written_briefly():
    x = np.arange(36).reshape(6, 6) / 3
    w = explore_pooling(x, size=(1, 2), mode="avg")
    assert w.formula == ("window row 0, cols 0–1: avg(0, 0.3333) = 0.3333/2 = 0.1667 "
                         "→ output (0, 0)")
    big = explore_pooling(np.arange(36).reshape(6, 6), size=6)  # 36 values: shortened
    assert big.formula == ("window rows 0–5, cols 0–5: max(0, 1, 2, 3, 4, 5, 6, 7, "
                           "… (26 more) …, 34, 35) = 35 → output (0, 0)")


@strict
def test_text_is_shown_once():
    w = explore_pooling(example_x(), stride=1)
    w.next_button.click()
    html_values = [c.value for c in w.children if isinstance(c, widgets.HTML)]
    for line in w.lines:
        assert sum(value.count(html.escape(line)) for value in html_values) == 1
    assert not any("→" in t or "floor" in t for t in texts_of(w.figure))  # picture: no text
    static = squeeze(texts_of(static_pooling_figure(example_x(), stride=1, step=1)))
    for line in w.lines:
        assert static.count(line) == 1  # the fallback keeps it


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, kwargs, message",
    [
        (np.arange(5), {}, "x must be a 2-D array .* got 1-D with shape \\(5,\\)"),
        (np.ones((2, 4, 4)), {}, "x must be a 2-D array .* got 3-D"),
        (np.ones((0, 3)), {}, "must not be empty"),
        (np.array([["a", "b"]]), {}, "real numbers"),
        (np.array([[1.0, np.nan], [0, 1]]), {}, "finite"),
        (np.ones((4, 4)), {"size": 0}, "size must be a positive integer or a \\(height, width\\)"),
        (np.ones((4, 4)), {"size": 2.5}, "size must be a positive integer"),
        (np.ones((4, 4)), {"size": (2,)}, "size must be a positive integer"),
        (np.ones((4, 4)), {"size": (2, 0)}, "size must be a positive integer"),
        (np.ones((4, 4)), {"size": True}, "size must be a positive integer"),
        (np.ones((4, 4)), {"stride": 0}, "stride must be a positive integer"),
        (np.ones((4, 4)), {"stride": (1, -1)}, "stride must be a positive integer"),
        (np.ones((3, 5)), {"size": 4}, "4×4 window must fit inside x .* only 3×5"),
        (np.ones((4, 4)), {"mode": "mean"}, "mode must be 'max', 'avg' or 'min', got 'mean'"),
        (np.ones((4, 4)), {"mode": None}, "mode must be"),
    ],
)
def test_input_validation(x, kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore_pooling(x, **kwargs)
    with pytest.raises(ValueError, match=message):
        static_pooling_figure(x, **kwargs)


@pytest.mark.parametrize("step", [-1, 6, 2.0, "1", True])
def test_step_out_of_range(step):
    message = "step must be an integer between 0 and 5"
    with pytest.raises(ValueError, match=message):
        static_pooling_figure(example_x(), step=step)
    w = explore_pooling(example_x())
    with pytest.raises(ValueError, match=message):
        w.step = step
    assert w.step == 0


def test_setters_validate():
    w = explore_pooling(example_x())
    with pytest.raises(ValueError, match="mode must be"):
        w.mode = "sum"
    with pytest.raises(ValueError, match="stride must be"):
        w.stride = (0, 1)
    assert (w.mode, w.stride) == ("max", (2, 2))


def test_module_exposes_no_exercise_solutions():
    forbidden = {"pool2d", "min_pool2d", "global_avg_pool", "pool2d_torch_semantics",
                 "pool_stack_shapes"}  # chapter 05's graded functions
    public = {name for name in dir(pool_module) if not name.startswith("_")}
    assert not forbidden & public
    assert not any("pool2d" in name for name in public)


# --------------------------------------------------------------------------
# the picture
# --------------------------------------------------------------------------


@strict
@pytest.mark.parametrize("shape, size, stride", SETTINGS[2:] + [((28, 28), 2, None),
                                                               ((28, 28), 3, (1, 4))])
def test_static_figure_renders(shape, size, stride):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=shape, dtype=np.uint8)
    for mode, step in (("max", None), ("avg", 0), ("min", None)):
        fig = static_pooling_figure(x, size, stride, mode, step)
        assert render(fig).startswith(PNG_SIGNATURE)
        drawn = squeeze(texts_of(fig))
        assert f"{mode}(" in drawn and "output shape" in drawn
    w = explore_pooling(x, size, stride)
    assert bundle_png(w).startswith(PNG_SIGNATURE)


@strict
def test_small_arrays_get_values_large_ones_colour_only():
    small = texts_of(static_pooling_figure(example_x(), step=2))
    assert small.count("9") >= 2  # input and output
    digit = np.random.default_rng(0).integers(0, 256, size=(28, 28), dtype=np.uint8)
    fig = static_pooling_figure(digit, step=0)
    cells = [t for t in texts_of(fig) if t.isdigit()]
    assert len(cells) == 4  # only the 2×2 window has its values written


@strict
def test_fast_stepping_draws_what_a_full_redraw_draws():
    x = np.random.default_rng(6).integers(0, 9, size=(6, 7))
    stepped = explore_pooling(x, stride=(1, 3))
    for _ in range(5):
        stepped.next_button.click()
    stepped.mode_buttons.value = "min"
    stepped.prev_button.click()
    jumped = explore_pooling(x, stride=(1, 3), mode="min")
    jumped.slider.value = 4
    assert np.array_equal(png_pixels(bytes(stepped.image.value)),
                          png_pixels(bytes(jumped.image.value)))
    fig = jumped.figure
    for artist in fig.findobj():
        artist.set_animated(False)  # savefig now draws everything, nothing reused
    assert np.array_equal(png_pixels(render(fig)), png_pixels(bytes(jumped.image.value)))


@strict
def test_stepping_a_28x28_digit_is_fast():
    digit = load_mnist("test", download=False)[0][0]
    w = explore_pooling(digit)
    assert w.n_steps == 196 and w.play.interval * w.n_steps <= 30_000  # Play: half a minute
    w.slider.value = 60  # where the digit is
    images = set()
    start = time.perf_counter()
    for _ in range(20):
        w.next_button.click()
        images.add(bytes(w.image.value))
    per_step = (time.perf_counter() - start) / 20
    assert len(images) == 20  # every step drew something new
    # about 0.03 s per step on a 2-core machine, well under Play's interval
    assert per_step < 0.1, f"one step took {per_step:.3f} s"
    w.stride = 1  # 729 steps
    assert w.play.interval == 100
    start = time.perf_counter()
    for _ in range(10):
        w.next_button.click()
    per_step = (time.perf_counter() - start) / 10
    assert per_step < 0.1, f"one step took {per_step:.3f} s"


# --------------------------------------------------------------------------
# the fallback, end to end: execute a notebook without a widget front-end
# --------------------------------------------------------------------------

NOTEBOOK_CELLS = [
    f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport numpy as np\n"
    "from course.widgets.pooling import explore_pooling, static_pooling_figure",
    "explore_pooling(np.arange(24, dtype=np.uint8).reshape(4, 6), size=2, mode='avg')",
    "static_pooling_figure(np.eye(6), size=3, stride=1, mode='min', step=2)",
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
