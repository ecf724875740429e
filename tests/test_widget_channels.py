"""Tests for the multichannel-convolution explorer (chapter 04): the maps it shows
(checked against SciPy, TensorFlow and PyTorch), the controls, the validation,
the static figure and the PNG fallback.
"""

import base64
import html
import io
import time
from pathlib import Path

import numpy as np
import pytest
from matplotlib.text import Text
from scipy.signal import correlate2d

from course.widgets import explore_channels, static_channels_figure
from course.widgets import channels as ch_module
from course.widgets._display import WIDGET_VIEW_MIMETYPE
from widget_helpers import execute_without_frontend

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Any warning (missing glyph, layout) would reach a notebook's stderr, which
# nbgrader punishes: make it an error.
strict = pytest.mark.filterwarnings("error")

SOBEL_X = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])


@pytest.fixture(scope="module")
def default():
    """One default explorer, shared by the tests that only read it."""
    return explore_channels()


@pytest.fixture(scope="module")
def random_case():
    """A random uint8 image, random (5, 4, 3, 2) weights and a bias."""
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, size=(13, 17, 3), dtype=np.uint8)
    return image, rng.normal(size=(5, 4, 3, 2)), np.array([0.75, -1.5])


def render(fig):
    """Save ``fig`` as PNG to memory; return the bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def bundle_png(widget):
    """Decode the image/png part of the widget's display bundle."""
    return base64.b64decode(widget._repr_mimebundle_()["image/png"])


def texts_of(fig):
    """Every string drawn in a matplotlib figure."""
    return [t.get_text() for t in fig.findobj(Text)]


def scipy_channel_maps(x, weights, k):
    """Channel c of x cross-correlated with w[:, :, c, k], by SciPy (valid mode)."""
    return [correlate2d(x[:, :, c], weights[:, :, c, k], mode="valid")
            for c in range(x.shape[2])]


def widget_volume(w):
    """Every filter's per-channel maps summed + bias, collected by switching filters."""
    maps = []
    for k in range(len(w.names)):
        w.filter_dropdown.value = k
        maps.append(np.sum(w.channel_maps, axis=0) + w.bias[k])
    return np.stack(maps, axis=-1)


def tf_volume(x, weights, bias):
    """tf.nn.conv2d (NHWC, HWIO), valid, stride 1, in float64, plus the bias."""
    tf = pytest.importorskip("tensorflow")
    out = tf.nn.conv2d(tf.constant(x[None], tf.float64), tf.constant(weights, tf.float64),
                       strides=1, padding="VALID")
    return out.numpy()[0] + bias


def torch_volume(x, weights, bias):
    """PyTorch's F.conv2d (NCHW, OIHW), float64, plus the bias; back to (H', W', C_out)."""
    torch = pytest.importorskip("torch")
    inp = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]
    kernel = torch.from_numpy(np.ascontiguousarray(weights.transpose(3, 2, 0, 1)))
    out = torch.nn.functional.conv2d(inp, kernel, bias=torch.from_numpy(bias))
    return out[0].numpy().transpose(1, 2, 0)


# --------------------------------------------------------------------------
# defaults and what is shown
# --------------------------------------------------------------------------


@strict
def test_defaults_build_and_carry_the_fallback():
    w = explore_channels()
    assert w.x.shape == (80, 68, 3) and w.x.dtype == np.float64
    assert 0 <= w.x.min() and w.x.max() <= 1
    assert w.weights.shape == (3, 3, 3, 4)
    assert w.names == ["red vertical edge", "brightness horizontal edge", "red minus blue",
                       "bright spots"]
    assert w.filter_index == 0 and w.relu is True
    np.testing.assert_array_equal(w.bias, np.zeros(4))
    assert len(w.channel_maps) == 3 and w.channel_maps[0].shape == (78, 66)
    assert w.output.shape == (78, 66, 4)
    assert bytes(w.image.value).startswith(PNG_SIGNATURE)
    bundle = w._repr_mimebundle_()
    assert WIDGET_VIEW_MIMETYPE in bundle and "VBox" not in bundle["text/plain"]
    assert bundle_png(w).startswith(PNG_SIGNATURE)
    for shown in ["3 per-channel maps are added, plus one bias → ONE feature map",
                  ch_module.FORMULA,
                  "(80 − 3 + 1, 68 − 3 + 1, 4) = (78, 66, 4)",
                  "weights w: (3, 3, 3, 4) = (kh, kw, C_in, C_out)",
                  "3·3·3·4 = 108 weights + 4 biases = 112"]:
        assert html.escape(shown) in w.text.value, shown


def test_default_image_is_matplotlibs_photograph_shrunk():
    from matplotlib import cbook
    from PIL import Image

    with cbook.get_sample_data("grace_hopper.jpg") as file:
        photo = np.asarray(Image.open(file).convert("RGB"), dtype=np.float64) / 255
    image = ch_module.default_image()
    assert image.dtype == np.uint8 and image.shape == (80, 68, 3)
    assert photo.shape == (600, 512, 3)  # the shrunk copy keeps the aspect ratio
    # the colours survive the shrinking: same mean colour, to a few grey levels
    np.testing.assert_allclose(image.mean(axis=(0, 1)) / 255, photo.mean(axis=(0, 1)),
                               atol=0.01)
    image[0, 0] = 0  # a copy: the cached image is not changed
    assert ch_module.default_image()[0, 0].any()


def test_default_filters_are_the_named_hand_made_ones(default):
    w = default.weights
    np.testing.assert_array_equal(w[:, :, 0, 0], SOBEL_X)  # red vertical edge: red only
    assert not w[:, :, 1:, 0].any()
    for c in range(3):  # brightness edge: the same kernel on all three channels
        np.testing.assert_array_equal(w[:, :, c, 1], SOBEL_X.T)
    np.testing.assert_allclose(w[:, :, 0, 2], np.full((3, 3), 1 / 9))
    np.testing.assert_allclose(w[:, :, 2, 2], np.full((3, 3), -1 / 9))
    assert not w[:, :, 1, 2].any()
    assert (w[1, 1, :, 3] == 8).all() and w[:, :, :, 3].sum() == 0


def test_default_filters_give_clearly_different_maps(default):
    maps = [default.output[:, :, k].ravel() for k in range(4)]
    correlation = np.corrcoef(maps)
    assert np.abs(correlation[np.triu_indices(4, 1)]).max() < 0.5


@strict
def test_switching_filters_shows_that_filters_maps():
    w = explore_channels()
    pictures = set()
    for k in [1, 3, 2, 0]:
        w.filter_dropdown.value = k
        assert w.filter_index == k
        for shown, expected in zip(w.channel_maps, scipy_channel_maps(w.x, w.weights, k)):
            np.testing.assert_allclose(shown, expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(w.feature_map, np.sum(w.channel_maps, axis=0),
                                   rtol=0, atol=1e-12)
        np.testing.assert_array_equal(w.output[:, :, k], w.feature_map)
        picture = w.picture
        for c in range(3):
            np.testing.assert_array_equal(picture.kernel_images[c].get_array(),
                                          w.weights[:, :, c, k])
            np.testing.assert_array_equal(picture.map_images[c].get_array(), w.channel_maps[c])
        np.testing.assert_array_equal(picture.map_images[3].get_array(), w.feature_map)
        assert picture.info.get_text() == f"filter k = {k}: {w.names[k]}"
        assert html.escape(f"filter k = {k} ({w.names[k]}): w[:, :, :, {k}] is 3×3×3") \
            in w.text.value
        pictures.add(bytes(w.image.value))
    assert len(pictures) == 4
    kernel_texts = [t.get_text() for t in w.picture.kernel_texts[0]]
    assert kernel_texts == ["1", "0", "-1", "2", "0", "-2", "1", "0", "-1"]
    assert w.picture.map_ranges[1].get_text() == "all 0: its kernel is 0"


@strict
def test_selected_filter_is_outlined_in_the_output_volume():
    w = explore_channels()
    for k in range(4):
        w.filter_dropdown.value = k
        x0, y0, x1, y1 = w.picture.outline.get_bbox().extents
        box = w.picture.strip_axes[k].get_position()
        assert x0 < box.x0 < box.x1 < x1 and y0 < box.y0 < box.y1 < y1


@strict
def test_bias_slider_shifts_the_feature_map_by_exactly_the_bias():
    w = explore_channels()
    w.filter_dropdown.value = 1
    before = w.feature_map.copy()
    others = np.delete(w.output, 1, axis=2)
    limit = float(np.abs(before).max())
    assert w.bias_slider.min <= -limit and w.bias_slider.max >= limit
    assert w.bias_slider.description == "bias b[1]"
    w.bias_slider.value = 0.37
    assert w.bias[1] == 0.37
    np.testing.assert_array_equal(w.feature_map, before + 0.37)
    np.testing.assert_array_equal(w.output[:, :, 1], before + 0.37)
    np.testing.assert_array_equal(np.delete(w.output, 1, axis=2), others)
    np.testing.assert_array_equal(w.picture.map_images[3].get_array(), before + 0.37)
    np.testing.assert_array_equal(w.picture.strip_images[1].get_array(),
                                  np.maximum(before + 0.37, 0))
    assert w.picture.bias_text.get_text() == "bias b[1] = 0.37"
    assert html.escape("one bias b[1] = 0.37") in w.text.value
    w.bias_slider.value = -2.5
    np.testing.assert_array_equal(w.feature_map, before - 2.5)
    # each filter keeps its own bias
    w.filter_dropdown.value = 3
    assert w.bias_slider.value == 0 and w.bias_slider.description == "bias b[3]"
    np.testing.assert_array_equal(w.bias, [0, -2.5, 0, 0])
    w.filter_dropdown.value = 1
    assert w.bias_slider.value == -2.5
    np.testing.assert_array_equal(w.feature_map, before - 2.5)


def test_slider_range_follows_the_filter_and_keeps_a_given_bias():
    image = np.zeros((6, 6, 3))
    image[:, 3:] = 1.0
    weights = np.zeros((3, 3, 3, 2))
    weights[:, :, 0, 0] = SOBEL_X  # up to -4 on the red edge
    weights[1, 1, :, 1] = 100.0  # up to 300
    w = explore_channels(image, weights, bias=[7.5, -1.0])
    assert w.bias_slider.value == 7.5  # not clamped to the map's range
    assert w.bias_slider.min <= -7.5 and w.bias_slider.max >= 7.5
    np.testing.assert_array_equal(w.feature_map, w.channel_maps[0] + 7.5)
    w.filter_dropdown.value = 1
    assert w.bias_slider.value == -1.0 and w.bias_slider.max >= 300
    w.filter_dropdown.value = 0
    assert w.bias_slider.value == 7.5 and w.bias_slider.max < 300


@strict
def test_relu_toggle():
    w = explore_channels()
    w.filter_dropdown.value = 2
    w.bias_slider.value = -0.1
    picture = w.picture
    activation = np.maximum(w.feature_map, 0)
    assert w.relu and picture.map_images[4].get_visible()
    np.testing.assert_array_equal(picture.map_images[4].get_array(), activation)
    np.testing.assert_array_equal(picture.strip_images[2].get_array(), activation)
    assert picture.volume_note.get_text() == "after ReLU"
    assert "ReLU: a = max(z, 0)" in w.text.value
    shown = bytes(w.image.value)
    feature_map = w.feature_map.copy()
    w.relu_toggle.value = False
    assert w.relu is False
    assert not picture.map_images[4].get_visible() and picture.relu_off.get_visible()
    np.testing.assert_array_equal(w.feature_map, feature_map)  # before ReLU, either way
    np.testing.assert_array_equal(picture.strip_images[2].get_array(), feature_map)
    assert picture.volume_note.get_text().startswith("before ReLU")
    assert "no ReLU" in w.text.value and bytes(w.image.value) != shown
    assert "before ReLU" in " ".join(texts_of(w.static_figure()))  # the snapshot follows


# --------------------------------------------------------------------------
# the numbers are what the frameworks compute
# --------------------------------------------------------------------------


def test_default_bank_matches_tensorflow_and_pytorch():
    bias = np.array([0.25, -0.5, 0.1, -3.0])
    w = explore_channels(bias=bias)
    shown = widget_volume(w)
    np.testing.assert_allclose(shown, w.output, rtol=0, atol=1e-12)
    np.testing.assert_allclose(shown, tf_volume(w.x, w.weights, bias), rtol=0, atol=1e-9)
    np.testing.assert_allclose(shown, torch_volume(w.x, w.weights, bias), rtol=0, atol=1e-9)


def test_random_weights_on_a_random_uint8_image_match_the_frameworks(random_case):
    image, weights, bias = random_case
    w = explore_channels(image, weights, bias)
    x = image.astype(np.float64) / 255  # uint8 is read as 0 ... 1
    np.testing.assert_array_equal(w.x, x)
    assert w.output.shape == (13 - 5 + 1, 17 - 4 + 1, 2)
    shown = widget_volume(w)
    np.testing.assert_allclose(shown, tf_volume(x, weights, bias), rtol=0, atol=1e-9)
    np.testing.assert_allclose(shown, torch_volume(x, weights, bias), rtol=0, atol=1e-9)
    for k in range(2):
        w.filter_dropdown.value = k
        for got, expected in zip(w.channel_maps, scipy_channel_maps(x, weights, k)):
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert "(13 − 5 + 1, 17 − 4 + 1, 2) = (9, 14, 2)" in html.unescape(w.text.value)


def test_float_images_are_used_as_they_are():
    rng = np.random.default_rng(1)
    image = rng.normal(size=(7, 9, 3)) * 40  # not in 0 ... 1: not rescaled
    weights = rng.normal(size=(2, 3, 3, 1))
    w = explore_channels(image, weights)
    np.testing.assert_array_equal(w.x, image)
    np.testing.assert_allclose(w.feature_map, tf_volume(image, weights, np.zeros(1))[..., 0],
                               rtol=0, atol=1e-9)


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------

GOOD_IMAGE = np.zeros((8, 8, 3))
GOOD_WEIGHTS = np.ones((3, 3, 3, 2))


@pytest.mark.parametrize(
    "image, weights, bias, message",
    [
        (np.zeros((8, 8)), None, None,
         r"colour image \(H, W, 3\), got a 2-D array of shape \(8, 8\): a grey image needs "
         r"\[\.\.\., None\].*a 3-channel filter won't match it"),
        (np.zeros((8, 8, 1)), None, None, r"colour image \(H, W, 3\).*shape \(8, 8, 1\)"),
        (np.zeros((8, 8, 4)), None, None, r"drop alpha"),
        (np.zeros((3, 8, 8)), None, None, r"PyTorch's \(C, H, W\) layout"),
        (np.zeros((1, 8, 8, 3)), None, None, r"not a batch"),
        (np.zeros((0, 8, 3)), None, None, "empty"),
        (np.full((8, 8, 3), "a"), None, None, "real numbers"),
        (np.full((8, 8, 3), np.nan), None, None, "finite"),
        (GOOD_IMAGE, np.ones((3, 3, 3)), None,
         r"4-D array \(kh, kw, C_in, C_out\).*3-D array of shape \(3, 3, 3\)"),
        (GOOD_IMAGE, np.ones((3, 3, 1, 2)), None,
         r"C_in = 1 input channels .*\(kh, kw, C_in, C_out\).* the image has 3 channels"),
        (GOOD_IMAGE, np.ones((2, 3, 1, 1)), None, r"PyTorch's \(C_out, C_in, kh, kw\)"),
        (GOOD_IMAGE, np.ones((9, 3, 3, 2)), None,
         r"kernel \(9×3\) must fit inside the image \(8×8\)"),
        (GOOD_IMAGE, np.ones((3, 3, 3, 0)), None, "empty"),
        (GOOD_IMAGE, GOOD_WEIGHTS, [1.0, 2.0, 3.0],
         r"one number per filter, shape \(2,\) for C_out = 2, got shape \(3,\)"),
        (GOOD_IMAGE, GOOD_WEIGHTS, 1.0, r"shape \(2,\) for C_out = 2, got shape \(\)"),
        (GOOD_IMAGE, None, np.zeros(3), r"shape \(4,\) for C_out = 4"),
        (GOOD_IMAGE, GOOD_WEIGHTS, [np.inf, 0], "finite"),
    ],
)
def test_input_validation(image, weights, bias, message):
    with pytest.raises(ValueError, match=message):
        explore_channels(image, weights, bias)
    with pytest.raises(ValueError, match=message):
        static_channels_figure(image, weights, bias)


@pytest.mark.parametrize("index", [4, -1, 1.0, True, "0"])
def test_filter_index_out_of_range(index):
    with pytest.raises(ValueError, match=r"filter_index must be an integer from 0 to 3 "
                                         r"\(there are 4 filters\)"):
        static_channels_figure(filter_index=index)


# --------------------------------------------------------------------------
# the static figure and the fallback
# --------------------------------------------------------------------------


@strict
@pytest.mark.parametrize("k", range(4))
def test_static_figure_of_each_default_filter_renders(k):
    fig = static_channels_figure(filter_index=k)
    assert render(fig).startswith(PNG_SIGNATURE)
    static = "\n".join(texts_of(fig))
    assert static.count(ch_module.FORMULA) == 1
    assert f"filter k = {k}: {list(ch_module.DEFAULT_FILTERS)[k]}" in static


@strict
@pytest.mark.parametrize("shape, weights_shape", [((13, 17, 3), (5, 4, 3, 2)),
                                                  ((40, 12, 3), (1, 1, 3, 9)),
                                                  ((10, 60, 3), (7, 7, 3, 3))])
def test_static_figure_of_other_shapes_renders(shape, weights_shape):
    rng = np.random.default_rng(0)
    fig = static_channels_figure(rng.random(shape), rng.normal(size=weights_shape),
                                 filter_index=weights_shape[3] - 1)
    assert render(fig).startswith(PNG_SIGNATURE)
    assert len(fig.axes) == 4 + 3 + 5 + weights_shape[3]


@strict
def test_text_is_shown_once_and_the_fallback_keeps_it(random_case):
    w = explore_channels(*random_case)
    w.filter_dropdown.value = 1
    assert w.text.value.count(html.escape(ch_module.FORMULA)) == 1
    assert not any(ch_module.FORMULA in t for t in texts_of(w.figure))  # live: panels only
    static = "\n".join(texts_of(w.static_figure()))
    assert static.count(ch_module.FORMULA) == 1
    assert "filter k = 1: filter 1" in static and "bias b[1] = -1.5" in static


@strict
def test_a_redraw_is_fast_enough_for_dragging():
    w = explore_channels()
    start = time.perf_counter()
    for k in [1, 2, 3, 0]:
        w.filter_dropdown.value = k
    for value in np.linspace(-1, 1, 6):
        w.bias_slider.value = float(value)
    w.relu_toggle.value = False
    elapsed = (time.perf_counter() - start) / 11
    # about 0.06 s per redraw on a 2-core machine (blitting: the input row is drawn once)
    assert elapsed < 0.3, f"one redraw took {elapsed:.2f} s"


NOTEBOOK_CELLS = [
    f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
    "from course.widgets import explore_channels, static_channels_figure",
    "explore_channels()",
    "static_channels_figure(filter_index=2)",
]


def test_notebook_executed_without_frontend_keeps_png(tmp_path):
    nb = execute_without_frontend(NOTEBOOK_CELLS, tmp_path)
    widget, static = nb.cells[1].outputs, nb.cells[2].outputs
    assert len(widget) == 1 and WIDGET_VIEW_MIMETYPE in widget[0].data
    assert base64.b64decode(widget[0].data["image/png"]).startswith(PNG_SIGNATURE)
    assert "VBox" not in widget[0].data["text/plain"]
    assert len(static) == 1 and "image/png" in static[0].data
