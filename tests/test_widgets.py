"""Tests for course.widgets: the explorers, their static figures, and the
fallback that leaves a PNG in notebooks executed without a widget front-end.
"""

import base64
import io
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

import course.widgets as cw
from course.widgets import (
    explore_correlation,
    explore_padding,
    static_correlation_figure,
    static_padding_figure,
)
from course.widgets import correlation as corr_module
from course.widgets import padding as pad_module
from course.widgets._display import WIDGET_VIEW_MIMETYPE

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Any warning (missing glyph, layout, pyplot's "More than 20 figures") would
# reach a notebook's stderr, which nbgrader punishes: make it an error.
strict = pytest.mark.filterwarnings("error")


def small_pair():
    """A 5x5 image and a 3x3 kernel with negative values."""
    x = (np.arange(25).reshape(5, 5) * 7) % 11 - 4
    k = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    return x, k


def render(fig):
    """Save ``fig`` as PNG to memory; return the bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def bundle_png(widget):
    """Decode the image/png part of the widget's display bundle."""
    return base64.b64decode(widget._repr_mimebundle_()["image/png"])


# --------------------------------------------------------------------------
# correlation explorer
# --------------------------------------------------------------------------


@strict
def test_correlation_widget_builds_and_carries_fallback():
    x, k = small_pair()
    w = explore_correlation(x, k)
    bundle = w._repr_mimebundle_()
    assert WIDGET_VIEW_MIMETYPE in bundle
    assert bundle_png(w).startswith(PNG_SIGNATURE)
    assert "VBox" not in bundle["text/plain"]
    assert bytes(w.image.value).startswith(PNG_SIGNATURE)
    assert w.step == 0 and w.n_steps == 9
    assert w.prev_button.disabled and not w.next_button.disabled
    assert np.isnan(w.feature_map).sum() == 8  # only the first cell is filled


@strict
@pytest.mark.parametrize("flip", [False, True])
def test_stepping_to_the_end_gives_scipy_result(flip):
    x, k = small_pair()
    w = explore_correlation(x, k, flip=flip)
    for _ in range(w.n_steps - 1):
        w.next_button.click()
    assert w.step == w.n_steps - 1
    assert w.next_button.disabled
    expected = convolve2d(x, k, mode="valid") if flip else correlate2d(x, k, mode="valid")
    np.testing.assert_allclose(w.feature_map, expected)
    w.next_button.click()  # past the end: stays on the last step
    assert w.step == w.n_steps - 1
    w.prev_button.click()
    assert w.step == w.n_steps - 2
    assert np.isnan(w.feature_map[-1, -1])


@strict
def test_flip_toggle_and_play_drive_the_state():
    x, k = small_pair()
    w = explore_correlation(x, k)
    w.play.value = 4  # the Play widget is linked to the step slider
    assert w.step == 4
    w.flip_toggle.value = True
    np.testing.assert_array_equal(w.kernel, k[::-1, ::-1])
    w.step = w.n_steps - 1
    np.testing.assert_allclose(w.feature_map, convolve2d(x, k, mode="valid"))


@strict
def test_sum_is_written_out():
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    k = np.array([[0, 1], [1, 0]])
    w = explore_correlation(x, k)
    assert w.formula == "1·0 + 2·1 + 4·1 + 5·0 = 6"
    w.step = 3
    assert w.formula == "5·0 + 6·1 + 8·1 + 9·0 = 14"
    w.flip = True
    assert w.formula == "5·0 + 6·1 + 8·1 + 9·0 = 14"  # symmetric kernel
    w2 = explore_correlation(np.array([[2, -1]]), np.array([[-3, 1]]))
    assert w2.formula == "2·(-3) + (-1)·1 = -7"


@strict
def test_mnist_sized_input_works():
    rng = np.random.default_rng(0)
    x = rng.random((28, 28))
    k = rng.standard_normal((5, 5))
    w = explore_correlation(x, k)
    w.step = w.n_steps - 1
    np.testing.assert_allclose(w.feature_map, correlate2d(x, k, mode="valid"))
    assert "more terms" not in w.formula  # 25 products: still written out
    big = explore_correlation(x, rng.standard_normal((7, 7)))
    assert "more terms" in big.formula


@strict
@pytest.mark.parametrize(
    "shape_x, shape_k", [((3, 3), (3, 3)), ((6, 8), (2, 3)), ((28, 28), (3, 3))]
)
@pytest.mark.parametrize("flip", [False, True])
def test_static_correlation_figure_renders(shape_x, shape_k, flip):
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 4, size=shape_x)
    k = rng.integers(-2, 3, size=shape_k)
    assert render(static_correlation_figure(x, k, flip=flip)).startswith(PNG_SIGNATURE)
    assert render(static_correlation_figure(x, k, step=0, flip=flip)).startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    "x, k, message",
    [
        (np.arange(5), np.ones((2, 2)), "2-D"),
        (np.ones((4, 4)), np.ones((2, 2, 2)), "2-D"),
        (np.ones((3, 3)), np.ones((4, 2)), "kernel must fit"),
        (np.ones((0, 3)), np.ones((1, 1)), "empty"),
        (np.array([["a", "b"]]), np.ones((1, 1)), "real numbers"),
    ],
)
def test_correlation_input_validation(x, k, message):
    with pytest.raises(ValueError, match=message):
        explore_correlation(x, k)
    with pytest.raises(ValueError, match=message):
        static_correlation_figure(x, k)


def test_static_correlation_step_out_of_range():
    with pytest.raises(ValueError, match="step"):
        static_correlation_figure(np.ones((3, 3)), np.ones((2, 2)), step=4)


# --------------------------------------------------------------------------
# padding explorer
# --------------------------------------------------------------------------


@strict
def test_padding_widget_builds_and_shows_substituted_formula():
    w = explore_padding(n=7, f=3, p=1, s=2, d=1)
    assert bundle_png(w).startswith(PNG_SIGNATURE)
    assert w.counted == 4
    assert (w.geometry.before, w.geometry.after, w.geometry.padded) == (1, 1, 9)
    assert w.geometry.starts == [0, 2, 4, 6]
    assert "floor((7 + 2·1 - 1·(3-1) - 1) / 2) + 1 = floor(6/2) + 1 = 4" in "\n".join(w.lines)
    assert w.window_slider.max == 15
    w.window_slider.value = 15
    w.s_slider.value = 3  # fewer windows: the highlighted one is clamped
    assert w.counted == 3 and w.window_slider.value == 8


@strict
def test_padding_modes_same_and_valid():
    w = explore_padding(n=8, f=4, p=2, s=2, d=2, mode="same")
    g = w.geometry
    assert (g.before, g.after) == (2, 3)  # odd total: the extra pixel bottom/right
    assert w.counted == 4 == math.ceil(8 / 2)
    assert w.p_slider.disabled
    w.mode_buttons.value = "valid"
    assert (w.geometry.before, w.geometry.after) == (0, 0)
    assert w.counted == 1
    w.mode_buttons.value = "explicit"
    assert not w.p_slider.disabled and w.geometry.before == 2


@strict
def test_padding_without_valid_position_shows_a_message():
    w = explore_padding(n=3, f=5, p=0, s=1, d=2)
    assert w.counted == 0
    assert any("no valid output position" in line for line in w.lines)
    assert w.window_slider.disabled
    assert bundle_png(w).startswith(PNG_SIGNATURE)


def test_counted_positions_agree_with_formula():
    for n in range(1, 11):
        for f in range(1, 6):
            for s in range(1, 4):
                for d in range(1, 4):
                    for p in range(0, 4):
                        geo = pad_module._geometry(n, f, p, s, d, "explicit")
                        expected = max(pad_module._formula_output_size(n, f, p, s, d), 0)
                        assert geo.counted == expected, (n, f, p, s, d)
                    same = pad_module._geometry(n, f, 0, s, d, "same")
                    assert same.counted == math.ceil(n / s), (n, f, s, d)
                    assert same.after - same.before in (0, 1)
                    valid = pad_module._geometry(n, f, 3, s, d, "valid")
                    expected = max(pad_module._formula_output_size(n, f, 0, s, d), 0)
                    assert valid.counted == expected, (n, f, s, d)


@strict
def test_student_function_hook():
    def wrong(n, f, p, s, d):
        return n - f + 1  # ignores padding, stride and dilation

    def unfinished(n, f, p, s, d):
        raise NotImplementedError("conv_output_size is not written yet")

    w = explore_padding(7, 3, 1, 2, 1, output_size_fn=wrong)
    assert w.student_ok is False and w.student_text.startswith("✗")
    assert "= 5" in w.student_text and "4 positions" in w.student_text

    w = explore_padding(7, 3, 1, 2, 1, output_size_fn=unfinished)
    assert w.student_ok is False
    assert "NotImplementedError: conv_output_size is not written yet" in w.student_text

    w = explore_padding(7, 3, 1, 2, 1, output_size_fn=lambda n, f, p, s, d: 4)
    assert w.student_ok is True and w.student_text.startswith("✓")
    assert w.student_text in w.lines

    w = explore_padding(7, 3, 1, 2, 1, output_size_fn=lambda n, f, p, s, d: 4.0)
    assert w.student_ok is False and "int" in w.student_text

    w = explore_padding(8, 4, 0, 2, 2, mode="same", output_size_fn=wrong)
    assert w.student_ok is None and "not checked" in w.student_text


@strict
@pytest.mark.parametrize("n, mode", [(5, "explicit"), (16, "same"), (28, "valid")])
def test_static_padding_figure_renders(n, mode):
    fig = static_padding_figure(n=n, f=3, p=2, s=2, d=2, mode=mode,
                                output_size_fn=lambda *args: 1)
    assert render(fig).startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mode": "full"}, "mode"),
        ({"s": 0}, "s must be at least 1"),
        ({"p": -1}, "p must be at least 0"),
        ({"f": 2.5}, "f must be an integer"),
        ({"output_size_fn": 3}, "output_size_fn"),
    ],
)
def test_padding_input_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore_padding(**kwargs)


def test_course_package_exposes_no_exercise_solutions():
    forbidden = {"conv_output_size", "same_padding", "pad2d", "strided_corr2d",
                 "dilate_kernel", "corr2d", "conv2d"}
    for module in (cw, corr_module, pad_module):
        assert not forbidden & set(dir(module)), module.__name__


# --------------------------------------------------------------------------
# the fallback, end to end: execute a notebook without a widget front-end
# --------------------------------------------------------------------------

NOTEBOOK_CELLS = [
    f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport numpy as np\n"
    "from course.widgets import explore_correlation, explore_padding, "
    "static_correlation_figure\nprint(sys.executable)",
    "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()",
    "explore_correlation(np.arange(16).reshape(4, 4), [[1, 0], [0, -1]])",
    "explore_padding(7, 3, 1, 2, 1, output_size_fn=lambda n, f, p, s, d: 3)",
    "static_correlation_figure(np.eye(5), np.ones((2, 2)))",
]


def test_notebook_executed_without_frontend_keeps_png(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from jupyter_client.kernelspec import KernelSpecManager

    # jupyter_client starts a kernelspec whose argv[0] is "python" with
    # sys.executable, i.e. this venv's python; the notebook prints it.
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[0] in ("python", "python3", sys.executable)

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS]
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()

    outputs = [cell.outputs for cell in nb.cells]
    for cell_outputs in outputs:
        for out in cell_outputs:
            assert out.output_type != "error", out
            assert not (out.output_type == "stream" and out.name == "stderr"), out.text
    assert outputs[0][0].text.strip() == sys.executable

    for cell_outputs in outputs[2:4]:  # the two widgets
        assert len(cell_outputs) == 1  # no second copy of the figure
        data = cell_outputs[0].data
        assert WIDGET_VIEW_MIMETYPE in data
        assert base64.b64decode(data["image/png"]).startswith(PNG_SIGNATURE)
        assert "VBox" not in data["text/plain"]
    static = outputs[4]
    assert len(static) == 1 and "image/png" in static[0].data
