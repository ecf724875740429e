"""Tests for the transposed-convolution stamper (chapter 07): the controls
drive the state, the finished output is what Keras's Conv2DTranspose returns
('valid' and 'same', kernels smaller and larger than the stride), the full
canvas is PyTorch's conv_transpose2d, the classic example's cross, the stamp
counts, the text, the validation, the static figure, fast stepping, and the
PNG fallback without a widget front-end.
"""

import base64
import html
import io
import time
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.text import Text
from PIL import Image

from course.widgets import transposed as tc_module
from course.widgets._display import WIDGET_VIEW_MIMETYPE
from course.widgets.transposed import (
    TransposedExplorer,
    explore_transposed,
    static_transposed_figure,
)
from widget_helpers import execute_without_frontend

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Any warning (missing glyph, layout, pyplot's "More than 20 figures") would
# reach a notebook's stderr, which nbgrader punishes: make it an error.
strict = pytest.mark.filterwarnings("error")

CLASSIC_X = np.array([[1, 2], [3, 4]])
CLASSIC_K = np.ones((3, 3))
# the classic example at stride 2, 'valid': four 3×3 stamps overlapping on a cross
CLASSIC_FULL = np.array([[1, 1, 3, 2, 2],
                         [1, 1, 3, 2, 2],
                         [4, 4, 10, 6, 6],
                         [3, 3, 7, 4, 4],
                         [3, 3, 7, 4, 4]])

# (x shape, k shape, stride): non-square inputs and kernels, kernels larger than
# the stride, equal to it, smaller on one axis and smaller on both, 1×1 kernels
RANDOM_SETTINGS = [
    ((3, 4), (2, 3), 3),  # kernel < stride on both axes: Keras adds zeros
    ((2, 5), (4, 2), 3),  # rows: cropped ('same'); cols: zeros added
    ((4, 3), (3, 5), 2),  # kernel > stride: overlaps
    ((2, 3), (5, 4), 1),  # stride 1: crops on every side
    ((3, 3), (1, 1), 2),
    ((1, 4), (3, 2), 2),  # one row of pixels
]


# --------------------------------------------------------------------------
# the frameworks
# --------------------------------------------------------------------------

_KERAS_LAYERS = {}


def keras_transposed(x, k, stride, padding):
    """Keras's Conv2DTranspose(1, k.shape, strides=stride, padding=padding, use_bias=False)
    on the 2-D ``x``, in float64; one layer per setting, its kernel set each call.

    Keras's kernel layout is (kh, kw, C_out, C_in), and the kernel is used as it
    is (not flipped): see test_keras_stamps_the_kernel_unflipped.
    """
    keras = pytest.importorskip("keras")
    k = np.asarray(k, dtype=np.float64)
    key = (k.shape, stride, padding)
    if key not in _KERAS_LAYERS:
        layer = keras.layers.Conv2DTranspose(1, k.shape, strides=stride, padding=padding,
                                             use_bias=False, dtype="float64")
        layer.build((None, None, None, 1))
        _KERAS_LAYERS[key] = layer
    layer = _KERAS_LAYERS[key]
    layer.set_weights([k[:, :, None, None]])
    x = np.asarray(x, dtype=np.float64)
    return np.asarray(layer(x[None, :, :, None]))[0, :, :, 0]


def torch_full(x, k, stride):
    """PyTorch's F.conv_transpose2d (padding 0, weight (C_in, C_out, kh, kw)) in float64."""
    torch = pytest.importorskip("torch")
    inp = torch.tensor(np.asarray(x, dtype=np.float64))[None, None]
    weight = torch.tensor(np.asarray(k, dtype=np.float64))[None, None]
    return torch.nn.functional.conv_transpose2d(inp, weight, stride=stride)[0, 0].numpy()


def scatter_counts(x_shape, k_shape, stride):
    """Stamps per cell, counted independently: the scatter-add of all-ones arrays."""
    return torch_full(np.ones(x_shape), np.ones(k_shape), stride).round().astype(int)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


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
    """Every string drawn in a matplotlib figure as text (titles, the lines underneath)."""
    return [t.get_text() for t in fig.findobj(Text)]


def numbers_of(fig):
    """Every value written in a cell (drawn as glyph outlines, one collection per panel)."""
    return [string for c in fig.findobj(PathCollection) if c.get_label() == "cell values"
            for string in c.strings if string]


def squeeze(texts):
    """The strings joined with single spaces (undoes the figure's line wrapping)."""
    return " ".join(" ".join(texts).split())


def finish(w):
    """Move the step slider to the last pixel (every stamp added)."""
    w.slider.value = w.slider.max
    assert w.step == w.n_steps - 1 and w.next_button.disabled


def click_to_the_end(w):
    """Click Next until the last pixel has stamped."""
    while not w.next_button.disabled:
        w.next_button.click()
    assert w.step == w.n_steps - 1


def shown(w):
    """Everything that tells the state of a step."""
    return (w.step, w.pixel, w.stamp.tolist(), w.canvas.tolist(), w.output.tolist(),
            w.formula, bytes(w.image.value))


# --------------------------------------------------------------------------
# the controls and the state
# --------------------------------------------------------------------------


@strict
def test_widget_builds_with_the_classic_example_and_carries_fallback():
    w = explore_transposed()
    assert isinstance(w, TransposedExplorer) and isinstance(w, widgets.VBox)
    bundle = w._repr_mimebundle_()
    assert WIDGET_VIEW_MIMETYPE in bundle
    assert bundle_png(w).startswith(PNG_SIGNATURE)
    assert "explore_transposed" in bundle["text/plain"] and "VBox" not in bundle["text/plain"]
    assert bytes(w.image.value).startswith(PNG_SIGNATURE)
    np.testing.assert_array_equal(w.x, CLASSIC_X)
    np.testing.assert_array_equal(w.k, CLASSIC_K)
    assert (w.step, w.stride, w.padding, w.pixel) == (0, 2, "valid", (0, 0))
    assert w.n_steps == 4 and w.slider.max == w.play.max == 3
    assert w.full_shape == w.output_shape == (5, 5)
    assert w.crop == (0, 0, 0, 0) and w.extra == (0, 0)
    assert w.prev_button.disabled and not w.next_button.disabled
    assert (w.stride_slider.min, w.stride_slider.max) == (1, 4)
    assert list(w.padding_buttons.options) == ["valid", "same"]
    expected = np.zeros((5, 5))
    expected[:3, :3] = 1  # only the first stamp, 1·k
    np.testing.assert_array_equal(w.canvas, expected)
    np.testing.assert_array_equal(w.output, expected)
    np.testing.assert_array_equal(w.full, CLASSIC_FULL)


@strict
def test_next_clicks_add_the_stamps_one_pixel_at_a_time():
    x = np.array([[2, -1, 3], [0, 1, -2]])
    k = np.array([[1, 2], [-1, 0], [3, 1]])
    w = explore_transposed(x, k, stride=2, padding="same")
    canvas = np.zeros(w.full_shape)
    for step in range(w.n_steps):
        i, j = divmod(step, 3)
        assert w.step == step and w.pixel == (i, j)
        np.testing.assert_array_equal(w.stamp, x[i, j] * k)
        canvas[2 * i:2 * i + 3, 2 * j:2 * j + 2] += x[i, j] * k
        np.testing.assert_array_equal(w.canvas, canvas)
        w.next_button.click()
    assert w.step == w.n_steps - 1 and w.next_button.disabled  # past the end: stays there
    np.testing.assert_array_equal(w.canvas, w.full)
    np.testing.assert_array_equal(w.output, w.final_output)
    w.prev_button.click()
    assert w.step == w.n_steps - 2 and not w.next_button.disabled
    assert not np.array_equal(w.canvas, w.full)


def test_partial_output_is_keras_on_the_pixels_stamped_so_far():
    x = np.array([[1, -2, 3], [2, 1, -1]])
    k = np.array([[1, 2, 0, -1], [0, 1, 1, 2], [3, -1, 1, 0], [1, 1, -2, 1]])
    w = explore_transposed(x, k, stride=2, padding="same")
    for step in range(w.n_steps):
        w.step = step
        so_far = np.where(np.arange(x.size).reshape(x.shape) <= step, x, 0)
        np.testing.assert_allclose(w.output, keras_transposed(so_far, k, 2, "same"),
                                   rtol=0, atol=1e-12)
        np.testing.assert_allclose(w.canvas, torch_full(so_far, k, 2), rtol=0, atol=1e-12)


@strict
def test_previous_next_play_and_slider_agree():
    x = np.arange(6).reshape(2, 3) - 2
    k = np.array([[1, -1], [2, 1]])
    by_click, by_slider, by_play = (explore_transposed(x, k, stride=1, padding="same")
                                    for _ in range(3))
    for _ in range(5):
        by_click.next_button.click()
    for _ in range(2):
        by_click.prev_button.click()
    by_slider.slider.value = 3
    by_play.play.value = 3  # the Play widget is linked to the step slider
    assert by_play.step == 3
    assert shown(by_click) == shown(by_slider) == shown(by_play)
    assert by_click.pixel == (1, 0)
    by_play.step = 4
    assert by_play.slider.value == by_play.play.value == 4


@strict
def test_stride_and_padding_controls_recompute_and_keep_the_step():
    w = explore_transposed()
    w.slider.value = 2  # pixel (1, 0)
    w.padding_buttons.value = "same"
    assert (w.step, w.padding, w.output_shape, w.crop) == (2, "same", (4, 4), (0, 1, 0, 1))
    w.stride_slider.value = 1
    assert (w.step, w.stride, w.full_shape, w.output_shape) == (2, 1, (4, 4), (2, 2))
    assert w.crop == (1, 1, 1, 1)
    assert w.slider.max == w.play.max == 3  # one step per input pixel, whatever the stride
    np.testing.assert_array_equal(w.full, torch_full(CLASSIC_X, CLASSIC_K, 1))
    w.stride_slider.value = 4
    assert (w.full_shape, w.output_shape, w.crop, w.extra) == ((7, 7), (8, 8), (0, 0, 0, 0),
                                                               (1, 1))
    w.stride = 6  # beyond the slider's range: the slider grows
    assert w.stride == 6 and w.stride_slider.max == 6 and w.full_shape == (9, 9)
    w.padding = "valid"
    assert w.output_shape == (12, 12) and w.step == 2
    finish(w)
    w.stride = 2
    assert w.step == 3  # still the last pixel, the output is finished
    np.testing.assert_array_equal(w.output, CLASSIC_FULL)
    assert w.next_button.disabled and not w.prev_button.disabled


def test_setters_validate():
    w = explore_transposed()
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        w.padding = "full"
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        w.stride = 0
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        w.stride = 1.5
    assert (w.padding, w.stride) == ("valid", 2)


# --------------------------------------------------------------------------
# the numbers are what the frameworks compute
# --------------------------------------------------------------------------


def test_keras_stamps_the_kernel_unflipped():
    """A one-hot input gives the stamp k itself (not k rotated by 180°), and so does the widget."""
    k = np.arange(1, 7).reshape(2, 3)  # no symmetry
    x = np.zeros((3, 3))
    x[1, 1] = 1
    expected = np.zeros((6, 7))  # 'valid': ((3 − 1)·2 + 2, (3 − 1)·2 + 3)
    expected[2:4, 2:5] = k  # corner at (1·2, 1·2)
    np.testing.assert_array_equal(keras_transposed(x, k, 2, "valid"), expected)
    np.testing.assert_array_equal(torch_full(x, k, 2), expected)
    w = explore_transposed(x, k)
    finish(w)
    np.testing.assert_array_equal(w.output, expected)
    np.testing.assert_array_equal(w.full, expected)


def test_keras_crops_the_floor_half_at_the_top_left():
    """'same' crops floor((k − s) / 2) at the top / left, the rest at the bottom / right."""
    x = np.random.default_rng(0).integers(-3, 4, size=(3, 4))
    k = np.random.default_rng(1).integers(-3, 4, size=(4, 7))  # k − s = 3 and 6 at stride 1
    w = explore_transposed(x, k, stride=1, padding="same")
    assert w.crop == (1, 2, 3, 3) and w.output_shape == (3, 4)
    np.testing.assert_array_equal(keras_transposed(x, k, 1, "same"), w.full[1:-2, 3:-3])
    w.stride = 2  # k − s = 2 and 5
    assert w.crop == (1, 1, 2, 3)
    np.testing.assert_array_equal(keras_transposed(x, k, 2, "same"), w.full[1:-1, 2:-3])


def test_kernel_smaller_than_stride_gets_zeros_at_the_bottom_right():
    x = np.array([[1, 2], [3, 4]])
    k = np.array([[1, -1], [2, 1]])
    for padding in ("valid", "same"):
        w = explore_transposed(x, k, stride=3, padding=padding)
        assert w.full_shape == (5, 5) and w.output_shape == (6, 6)
        assert w.crop == (0, 0, 0, 0) and w.extra == (1, 1)
        finish(w)
        expected = np.zeros((6, 6))
        expected[:5, :5] = w.full
        np.testing.assert_array_equal(w.output, expected)
        np.testing.assert_array_equal(keras_transposed(x, k, 3, padding), expected)


@pytest.mark.parametrize("stride", [1, 2, 3])
def test_classic_example_matches_keras_and_torch(stride):
    w = explore_transposed(stride=stride)
    for padding in ("valid", "same"):
        w.padding_buttons.value = padding
        w.slider.value = 0
        click_to_the_end(w)
        expected = keras_transposed(CLASSIC_X, CLASSIC_K, stride, padding)
        assert w.output_shape == expected.shape
        np.testing.assert_array_equal(w.output, expected)
        np.testing.assert_array_equal(w.final_output, expected)
        np.testing.assert_array_equal(w.full, torch_full(CLASSIC_X, CLASSIC_K, stride))
        np.testing.assert_array_equal(w.counts, scatter_counts((2, 2), (3, 3), stride))


@pytest.mark.parametrize("x_shape, k_shape, stride", RANDOM_SETTINGS)
def test_random_inputs_match_keras_and_torch(x_shape, k_shape, stride):
    rng = np.random.default_rng(sum(x_shape) * 10 + sum(k_shape) + stride)
    x, k = rng.standard_normal(x_shape), rng.standard_normal(k_shape)
    w = explore_transposed(x, k, stride=stride)
    full = torch_full(x, k, stride)
    for padding in ("valid", "same"):
        w.padding = padding
        if padding == "valid":
            finish(w)  # "same" keeps the step: the last one
        expected = keras_transposed(x, k, stride, padding)
        assert w.output_shape == expected.shape
        np.testing.assert_allclose(w.output, expected, rtol=0, atol=1e-12)
        assert w.full.shape == full.shape == w.full_shape
        np.testing.assert_allclose(w.full, full, rtol=0, atol=1e-12)
        np.testing.assert_allclose(w.canvas, full, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(w.counts, scatter_counts(x_shape, k_shape, stride))
        # the sizes the text gives: full (n − 1)·s + f; Keras n·s (+ max(f − s, 0) if valid)
        for axis in (0, 1):
            n, f = x_shape[axis], k_shape[axis]
            assert w.full_shape[axis] == (n - 1) * stride + f
            assert w.output_shape[axis] == n * stride + (max(f - stride, 0)
                                                         if padding == "valid" else 0)
            cut = w.crop[2 * axis:2 * axis + 2]
            if padding == "same" and f > stride:
                assert cut == ((f - stride) // 2, f - stride - (f - stride) // 2)
            else:
                assert cut == (0, 0)
            assert w.extra[axis] == max(stride - f, 0)


def test_uint8_input_is_stamped_without_wrapping():
    x = np.array([[200, 255], [100, 250]], dtype=np.uint8)
    k = np.array([[2, 3], [1, 1]], dtype=np.uint8)  # in uint8, 255·3 would be 253
    w = explore_transposed(x, k, stride=1)
    finish(w)
    exact = torch_full(x.astype(np.int64), k.astype(np.int64), 1)
    np.testing.assert_array_equal(w.full, exact)
    assert w.full[1, 1] == 200 * 1 + 255 * 1 + 100 * 3 + 250 * 2
    np.testing.assert_array_equal(w.output, keras_transposed(x, k, 1, "valid"))


# --------------------------------------------------------------------------
# the classic example: the cross, and stride 3
# --------------------------------------------------------------------------


@strict
def test_classic_cross_holds_the_overlap_sums():
    w = explore_transposed()
    click_to_the_end(w)
    np.testing.assert_array_equal(w.output, CLASSIC_FULL)
    # the centre row and column are where neighbouring stamps overlap
    np.testing.assert_array_equal(w.output[2], [1 + 3, 1 + 3, 1 + 2 + 3 + 4, 2 + 4, 2 + 4])
    np.testing.assert_array_equal(w.output[:, 2], [1 + 2, 1 + 2, 1 + 2 + 3 + 4, 3 + 4, 3 + 4])
    expected_counts = np.ones((5, 5), dtype=int)
    expected_counts[2, :] = expected_counts[:, 2] = 2
    expected_counts[2, 2] = 4
    np.testing.assert_array_equal(w.counts, expected_counts)
    # away from the cross, each cell holds one pixel's value: the stamps' corners
    assert [w.output[0, 0], w.output[0, 4], w.output[4, 0], w.output[4, 4]] == [1, 2, 3, 4]
    w.padding = "same"  # 4×4: the last row and column are cropped
    assert w.crop == (0, 1, 0, 1)
    np.testing.assert_array_equal(w.output, CLASSIC_FULL[:4, :4])


@strict
def test_stride_3_gives_the_same_numbers_for_same_and_valid():
    w = explore_transposed(stride=3)
    finish(w)
    valid = w.output.copy()
    w.padding = "same"
    np.testing.assert_array_equal(w.output, valid)
    np.testing.assert_array_equal(valid, np.kron(CLASSIC_X, np.ones((3, 3))))  # no overlap
    assert w.crop == (0, 0, 0, 0) and (w.counts == 1).all()


# --------------------------------------------------------------------------
# the text
# --------------------------------------------------------------------------


@strict
def test_text_names_the_pixel_its_stamp_and_the_overlaps():
    w = explore_transposed()
    assert w.formula == ("pixel (0, 0) = 1 stamps 1·k at rows 0–2, cols 0–2 "
                         "(corner (0·2, 0·2) = (0, 0)); cells where stamps overlap add up "
                         "(this is the first stamp)")
    w.next_button.click()
    assert w.formula == ("pixel (0, 1) = 2 stamps 2·k at rows 0–2, cols 2–4 "
                         "(corner (0·2, 1·2) = (0, 2)); cells where stamps overlap add up: "
                         "3 cells already held earlier stamps, now (0, 2) = 3, (1, 2) = 3, "
                         "(2, 2) = 3")
    assert html.escape(w.formula) in w.text.value
    w.step = 3
    assert w.formula.startswith("pixel (1, 1) = 4 stamps 4·k at rows 2–4, cols 2–4")
    assert w.formula.endswith("5 cells already held earlier stamps, now (2, 2) = 10, "
                              "(2, 3) = 6, (2, 4) = 6, (3, 2) = 7, … (1 more)")
    assert w.lines[0] == w.formula
    assert w.lines[1] == ("full canvas ((H − 1)·s + kh, (W − 1)·s + kw) = "
                          "((2 − 1)·2 + 3, (2 − 1)·2 + 3) = (5, 5)")
    assert w.lines[2] == ("Keras 'valid': (H·s + max(kh − s, 0), W·s + max(kw − s, 0)) = "
                          "(2·2 + 1, 2·2 + 1) = (5, 5): the whole canvas")
    assert w.lines[3] == ("rows: stride 2 < kernel 3: neighbouring stamps overlap by 1 row, "
                          "a row gets up to 2 stamps")
    assert w.lines[-1].startswith("stamps per canvas cell: 1, 2, 4")
    assert "checkerboard" in w.lines[-1]
    w.padding = "same"
    assert w.lines[2] == ("Keras 'same': (H·s, W·s) = (2·2, 2·2) = (4, 4): the canvas cropped "
                          "by (top, bottom, left, right) = (0, 1, 0, 1), floor((k − s) / 2) "
                          "at the top / left and the rest at the bottom / right (veiled)")
    w.stride = 3
    assert w.lines[2] == "Keras 'same': (H·s, W·s) = (2·3, 2·3) = (6, 6): the whole canvas"
    assert w.lines[3] == "rows: stride 3 = kernel 3: the stamps tile, no overlap"
    assert w.lines[-1] == ("every canvas cell gets exactly 1 stamp: even coverage, "
                           "no checkerboard")


@strict
def test_text_for_negative_and_fractional_values_and_small_kernels():
    x = np.array([[-2, 0.5, 3]])
    k = np.array([[1, -1], [0.25, 2]])
    w = explore_transposed(x, k, stride=3, padding="same")
    assert w.formula.startswith("pixel (0, 0) = -2 stamps (-2)·k at rows 0–1, cols 0–1")
    w.next_button.click()
    assert w.formula.startswith("pixel (0, 1) = 0.5 stamps 0.5·k at rows 0–1, cols 3–4")
    assert w.formula.endswith("(no earlier stamp reaches these cells)")
    assert w.lines[2] == ("Keras 'same': (H·s, W·s) = (1·3, 3·3) = (3, 9): kernel < stride, "
                          "so Keras adds 1 row and 1 column of zeros at the bottom / right "
                          "(pale blue)")
    assert w.lines[3] == "rows: one pixel, one stamp: the stride plays no part"
    assert w.lines[4] == "cols: stride 3 > kernel 2: 1 column of zeros between stamps"
    assert w.lines[-1].endswith("cells no stamp reaches stay 0 (a grid of gaps)")
    drawn = numbers_of(static_transposed_figure(x, k, stride=3, padding="same"))
    # the kernel 0.25; the canvas -2·0.25 = -0.5, -2·2 = -4, 3·0.25 = 0.75, 0.5·0.25 = 0.125
    assert {"0.25", "-0.5", "-4", "0.75", "0.12"} <= set(drawn)


@strict
def test_whole_numbers_are_written_as_integers():
    w = explore_transposed(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((3, 3)) * 2.0)
    finish(w)
    assert ".0" not in " ".join(w.lines)
    drawn = numbers_of(static_transposed_figure(np.array([[1.0, 2.0], [3.0, 4.0]])))
    assert "10" in drawn and not any(t.endswith(".0") for t in drawn)


@strict
def test_text_is_shown_once():
    w = explore_transposed(padding="same")
    w.next_button.click()
    html_values = [c.value for c in w.children if isinstance(c, widgets.HTML)]
    for line in w.lines:
        assert sum(value.count(html.escape(line)) for value in html_values) == 1
    assert not any("stamps per canvas cell" in t or "corner" in t for t in texts_of(w.figure))
    static = squeeze(texts_of(static_transposed_figure(padding="same", step=1)))
    for line in w.lines:
        assert static.count(line) == 1  # the fallback keeps it


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"x": np.arange(5)}, "x \\(the input\\) must be a 2-D array .* got 1-D"),
        ({"x": np.ones((2, 2, 1))}, "x \\(the input\\) must be a 2-D array .* got 3-D"),
        ({"k": np.ones(3)}, "k \\(the kernel\\) must be a 2-D array .* got 1-D"),
        ({"k": np.ones((1, 3, 3))}, "k \\(the kernel\\) must be a 2-D array .* got 3-D"),
        ({"x": np.ones((0, 3))}, "must not be empty"),
        ({"k": [["a"]]}, "real numbers"),
        ({"x": [[1.0, np.inf]]}, "finite"),
        ({"stride": 0}, "stride must be a positive integer .* got 0"),
        ({"stride": -2}, "stride must be a positive integer"),
        ({"stride": 1.5}, "stride must be a positive integer"),
        ({"stride": True}, "stride must be a positive integer"),
        ({"stride": "2"}, "stride must be a positive integer"),
        ({"stride": (2, 2)}, "stride must be a positive integer"),
        ({"padding": "full"}, "padding must be 'valid' or 'same' .* got 'full'"),
        ({"padding": "SAME"}, "padding must be 'valid' or 'same'"),
        ({"padding": None}, "padding must be 'valid' or 'same'"),
    ],
)
def test_input_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore_transposed(**kwargs)
    with pytest.raises(ValueError, match=message):
        static_transposed_figure(**kwargs)


def test_step_out_of_range():
    message = "step must be an integer between 0 and 3"
    w = explore_transposed()
    for step in (-1, 4, 2.0, "1", True, None):
        with pytest.raises(ValueError, match=message):
            w.step = step
        assert w.step == 0
        if step is not None:  # None means "every stamp" in the static figure
            with pytest.raises(ValueError, match=message):
                static_transposed_figure(step=step)


# --------------------------------------------------------------------------
# the picture
# --------------------------------------------------------------------------


@strict
@pytest.mark.parametrize("kwargs", [
    {},
    {"padding": "same"},
    {"stride": 3},
    {"x": np.arange(6).reshape(2, 3) - 2, "k": [[1, -2], [3, 1]], "stride": 3,
     "padding": "same", "step": 3},
    {"x": np.random.default_rng(0).integers(-3, 4, (4, 5)),
     "k": np.random.default_rng(1).normal(size=(4, 3)), "stride": 4, "padding": "same"},
    {"x": np.random.default_rng(2).integers(0, 256, (8, 8), dtype=np.uint8), "stride": 4},
])
def test_static_figure_renders(kwargs):
    fig = static_transposed_figure(**kwargs)
    assert render(fig).startswith(PNG_SIGNATURE)
    drawn = squeeze(texts_of(fig))
    assert "stamps" in drawn and "full canvas ((H − 1)·s + kh" in drawn
    assert "Keras '" in drawn


@strict
def test_picture_marks_the_pixel_the_stamp_and_the_crop():
    w = explore_transposed(padding="same")
    w.step = 1  # pixel (0, 1): stamp at rows 0–2, cols 2–4
    picture = w.picture
    assert picture.pixel_box.get_xy() == pytest.approx((1 - 0.5, 0 - 0.5))
    assert picture.canvas_box.get_xy() == pytest.approx((2 - 0.5, 0 - 0.5))
    # in the 4×4 output the stamp keeps rows 0–2, cols 2–3
    box = picture.out_box
    assert (box.get_xy(), box.get_width(), box.get_height()) == ((1.5, -0.5), 2, 3)
    titles = [panel.ax.get_title() for panel in (picture.out, picture.counts)]
    assert titles[0] == "Keras 'same' output 4×4\ncropped: top 0, bottom 1, left 0, right 1"
    assert titles[1] == "stamps per cell (all stamps)\n1 to 4: uneven → checkerboard"
    # canvas: cells no stamp has reached yet are blank; the values in the others
    canvas_strings = picture.canvas.strings
    assert canvas_strings[:5] == ["1", "1", "3", "2", "2"] and canvas_strings[-5:] == [""] * 5
    assert picture.out.strings == ["1", "1", "3", "2"] * 3 + [""] * 4
    assert picture.counts.strings == [str(c) for c in w.counts.ravel()]
    # what the collection draws: one outline per written cell, at the cell's centre
    numbers = picture.canvas.numbers.collection
    assert numbers.strings == canvas_strings and len(numbers.get_paths()) == 15
    assert numbers.get_offsets()[7].tolist() == [2, 1]  # the 8th written cell: (1, 2)


@strict
def test_small_cells_get_colour_only():
    x = np.random.default_rng(0).integers(0, 9, (8, 8))
    fig = static_transposed_figure(x, stride=3, step=0)  # a 24×24 canvas
    assert len(numbers_of(fig)) == 64 + 9 + 9  # the input, the kernel and the stamp only


@strict
def test_fast_stepping_draws_what_a_full_redraw_draws():
    x = np.random.default_rng(6).integers(-3, 4, size=(3, 4))
    k = np.random.default_rng(7).integers(-2, 3, size=(3, 2))
    stepped = explore_transposed(x, k, stride=2, padding="same")
    for _ in range(6):
        stepped.next_button.click()
    stepped.padding_buttons.value = "valid"
    stepped.prev_button.click()
    jumped = explore_transposed(x, k, stride=2)
    jumped.slider.value = 5
    assert np.array_equal(png_pixels(bytes(stepped.image.value)),
                          png_pixels(bytes(jumped.image.value)))
    fig = jumped.figure
    for artist in fig.findobj():
        artist.set_animated(False)  # savefig now draws everything, nothing reused
    assert np.array_equal(png_pixels(render(fig)), png_pixels(bytes(jumped.image.value)))


@strict
def test_stepping_is_fast():
    w = explore_transposed()
    assert w.play.interval * w.n_steps <= 30_000
    x = np.random.default_rng(3).integers(0, 5, size=(4, 4))
    big = explore_transposed(x, stride=2, padding="same")  # a 9×9 canvas, numbers in cells
    for widget, clicks in ((w, 3), (big, 8)):
        images = set()
        start = time.perf_counter()
        for _ in range(clicks):
            widget.next_button.click()
            images.add(bytes(widget.image.value))
        per_step = (time.perf_counter() - start) / clicks
        assert len(images) == clicks  # every step drew something new
        # about 0.03 s per step on a 2-core machine (cell values: one collection per panel)
        assert per_step < 0.1, f"one step took {per_step:.3f} s"


# --------------------------------------------------------------------------
# the fallback, end to end: execute a notebook without a widget front-end
# --------------------------------------------------------------------------

NOTEBOOK_CELLS = [
    f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport numpy as np\n"
    "from course.widgets.transposed import explore_transposed, static_transposed_figure",
    "explore_transposed(padding='same')",
    "static_transposed_figure(np.eye(3), [[1, -1], [2, 0]], stride=3, step=2)",
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


def test_module_reads_no_notebook():
    source = Path(tc_module.__file__).read_text(encoding="utf-8")
    assert "ipynb" not in source and "import course.notebook" not in source


@strict
def test_going_back_to_a_setting_reuses_its_picture():
    w = explore_transposed()
    w.step = 1
    valid = (w.figure, bytes(w.image.value))
    w.padding = "same"
    assert w.figure is not valid[0]
    w.padding = "valid"
    assert (w.figure, bytes(w.image.value)) == valid
    w.stride = 3
    w.stride = 2
    assert (w.figure, bytes(w.image.value)) == valid
    np.testing.assert_array_equal(w.full, torch_full(CLASSIC_X, CLASSIC_K, 2))


def test_only_the_recent_settings_keep_their_picture():
    w = explore_transposed()
    first = w.figure
    for stride in (1, 3, 4):
        w.stride = stride
    w.padding = "same"  # five settings seen: the first one's picture is dropped
    assert len(w._pictures) == tc_module.PICTURES_KEPT
    w.padding = "valid"
    w.stride = 2
    assert w.figure is not first
    np.testing.assert_array_equal(w.full, CLASSIC_FULL)


def test_module_exposes_no_exercise_solutions():
    forbidden = {"trans_conv2d", "conv_transpose_output_size", "overlap_counts",
                 "conv_transpose_nhwc", "conv_matrix", "upsample_nearest", "upsample_bilinear",
                 "torch_same_ports"}  # chapter 07's graded functions
    assert not forbidden & set(vars(tc_module))
