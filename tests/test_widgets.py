"""Tests for course.widgets: the explorers, their static figures, and the
fallback that leaves a PNG in notebooks executed without a widget front-end.
"""

import base64
import html
import io
import math
import sys
import time
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.text import Text
from scipy.signal import convolve2d, correlate2d

import course.widgets as cw
from course.widgets import (
    explore_correlation,
    explore_padding,
    static_correlation_figure,
    static_padding_figure,
)
from course import build, notebook
from course.data import load_mnist
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


def texts_of(fig):
    """Every string drawn in a matplotlib figure."""
    return [t.get_text() for t in fig.findobj(Text)]


def squeeze(texts):
    """The strings joined with single spaces (undoes the figure's line wrapping)."""
    return " ".join(" ".join(texts).split())


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
def test_uint8_inputs_give_true_sums():
    x = np.array([[200, 180], [7, 9]], dtype=np.uint8)
    k = np.array([[3, 2]], dtype=np.uint8)  # in uint8, 200·3 + 180·2 would be 192
    w = explore_correlation(x, k)
    assert w.formula == "200·3 + 180·2 = 960"
    assert html.escape(w.formula) in w.text.value
    w.next_button.click()
    assert w.formula == "7·3 + 9·2 = 39"
    np.testing.assert_array_equal(w.feature_map, [[960], [39]])
    drawn = texts_of(static_correlation_figure(x, k))
    assert "960" in drawn and "600" in texts_of(static_correlation_figure(x, k, step=0))
    assert not any(".0" in t for t in drawn)  # integers are written as integers


@strict
def test_mnist_digit_sums_are_exact():
    images, _labels = load_mnist("test", download=False)
    digit = images[0]
    assert digit.dtype == np.uint8
    k = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.uint8)  # sums up to 4080
    w = explore_correlation(digit, k)
    exact = correlate2d(digit.astype(np.int64), k.astype(np.int64), mode="valid")
    for step in (0, 150, 200, 400):
        w.slider.value = step
        row, col = divmod(step, exact.shape[1])
        terms, total = w.formula.split(" = ")
        assert int(total) == exact[row, col]
        assert sum(int(a) * int(b) for a, b in
                   (term.split("·") for term in terms.split(" + "))) == exact[row, col]
        assert ".0" not in w.formula


@strict
def test_correlation_formula_is_shown_once():
    x, k = small_pair()
    w = explore_correlation(x, k)
    w.next_button.click()
    shown = [c.value for c in w.children if isinstance(c, widgets.HTML)]
    assert sum(value.count(html.escape(w.formula)) for value in shown) == 1
    assert not any("·" in t for t in texts_of(w.figure))  # the picture has no sum
    static = texts_of(static_correlation_figure(x, k, step=1))
    assert sum(t.count(w.formula) for t in static) == 1  # the fallback keeps it


def png_pixels(png):
    """Decode PNG bytes to an array of pixels."""
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)))


@strict
def test_fast_stepping_draws_what_a_full_redraw_draws():
    x, k = small_pair()
    stepped = explore_correlation(x, k)
    for _ in range(5):
        stepped.next_button.click()
    stepped.flip_toggle.value = True
    stepped.prev_button.click()
    jumped = explore_correlation(x, k, flip=True)
    jumped.slider.value = 4
    assert np.array_equal(png_pixels(bytes(stepped.image.value)),
                          png_pixels(bytes(jumped.image.value)))
    fig = jumped.figure
    for artist in fig.findobj():
        artist.set_animated(False)  # savefig now draws everything, nothing reused
    assert np.array_equal(png_pixels(render(fig)), png_pixels(bytes(jumped.image.value)))


@strict
def test_stepping_a_28x28_digit_is_fast():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 256, size=(28, 28), dtype=np.uint8)
    w = explore_correlation(x, np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]]))
    assert w.n_steps == 676 and w.play.interval <= 100  # Play crosses 676 steps in about a minute
    images = set()
    start = time.perf_counter()
    for _ in range(20):
        w.next_button.click()
        images.add(bytes(w.image.value))
    elapsed = time.perf_counter() - start
    assert len(images) == 20  # every step drew something new
    # about 0.7 s on a 2-core machine; the old full redraw per step took 4.5 s
    assert elapsed < 4.0, f"20 steps took {elapsed:.1f} s"


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


def conv_output_size(n, f, p=0, s=1, d=1):
    """A correct student answer: raises ValueError where no window fits."""
    span = d * (f - 1) + 1
    if n + 2 * p < span:
        raise ValueError(f"a window spanning {span} pixels does not fit in {n + 2 * p}")
    return (n + 2 * p - span) // s + 1


def set_axis(w, axis, n=None, f=None, p=None, s=None, d=None):
    """Move the sliders of one axis (0: height, 1: width), as a student would."""
    for pair, value in ((w.n_sliders, n), (w.f_sliders, f), (w.p_sliders, p),
                        (w.s_sliders, s), (w.d_sliders, d)):
        if value is not None:
            pair[axis].value = value


@strict
def test_padding_widget_builds_and_shows_substituted_formula():
    w = explore_padding(n=7, f=3, p=1, s=2, d=1)
    assert bundle_png(w).startswith(PNG_SIGNATURE)
    assert w.counted == (4, 4)
    for axis in w.geometry.axes:
        assert (axis.before, axis.after, axis.padded) == (1, 1, 9)
        assert axis.starts == [0, 2, 4, 6]
    assert "floor((7 + 2·1 - 1·(3-1) - 1) / 2) + 1 = floor(6/2) + 1 = 4" in "\n".join(w.lines)
    assert w.window_slider.max == 15
    w.window_slider.value = 15
    w.s_sliders[0].value = 3  # fewer windows: the highlighted one is clamped
    assert w.counted == (3, 4) and w.window_slider.max == 11 and w.window_slider.value == 11
    w.s_sliders[1].value = 3
    assert w.counted == (3, 3) and w.window_slider.value == 8


@strict
def test_padding_modes_same_and_valid():
    w = explore_padding(n=8, f=4, p=2, s=2, d=2, mode="same")
    rows, cols = w.geometry.axes
    assert (rows.before, rows.after) == (cols.before, cols.after) == (2, 3)  # odd: extra after
    assert w.counted == (4, 4) == (math.ceil(8 / 2),) * 2
    # the padding controls say what 'same' really uses instead of a stale slider value
    assert all(slider.disabled and slider.layout.display == "none" for slider in w.p_sliders)
    assert [label.value for label in w.p_labels] == ["auto: 2 top, 3 bottom",
                                                     "auto: 2 left, 3 right"]
    w.n_sliders[1].value = 7  # width 7: total padding 6, evenly split
    assert w.p_labels[1].value == "auto: 3 left, 3 right"
    w.mode_buttons.value = "valid"
    assert [(a.before, a.after) for a in w.geometry.axes] == [(0, 0), (0, 0)]
    assert w.counted == (1, 1)
    assert [label.value for label in w.p_labels] == ["0 ('valid')"] * 2
    w.mode_buttons.value = "explicit"
    assert not w.p_sliders[0].disabled and w.p_sliders[0].layout.display is None
    assert [label.layout.display for label in w.p_labels] == ["none", "none"]
    assert w.geometry.rows.before == 2  # the slider kept the explicit P


@strict
def test_padding_label_and_mode_buttons_share_a_row():
    w = explore_padding()
    mode_row = w.children[0]
    assert [type(c).__name__ for c in mode_row.children[:2]] == ["Label", "ToggleButtons"]
    assert mode_row.children[0].value == "padding" and not w.mode_buttons.description


@strict
def test_padding_without_valid_position_shows_a_message():
    w = explore_padding(n=3, f=5, p=0, s=1, d=2)
    assert w.counted == (0, 0)
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
                        assert geo.counted == (expected, expected), (n, f, p, s, d)
                    same = pad_module._geometry(n, f, 0, s, d, "same")
                    assert same.counted == (math.ceil(n / s),) * 2, (n, f, s, d)
                    assert same.rows.after - same.rows.before in (0, 1)
                    valid = pad_module._geometry(n, f, 3, s, d, "valid")
                    expected = max(pad_module._formula_output_size(n, f, 0, s, d), 0)
                    assert valid.counted == (expected, expected), (n, f, s, d)


def torch_output_shape(n, f, p, s, d):
    """(height, width) of PyTorch's conv2d output for (h, w) settings; (0, 0) if it refuses."""
    torch = pytest.importorskip("torch")
    try:
        out = torch.nn.functional.conv2d(torch.zeros(1, 1, *n), torch.zeros(1, 1, *f),
                                         stride=s, padding=p, dilation=d)
    except RuntimeError:  # the kernel does not fit
        return None
    return tuple(out.shape[2:])


def test_non_square_counts_match_torch():
    rng = np.random.default_rng(3)
    for _ in range(400):
        n, f, p, s, d = (tuple(int(v) for v in rng.integers(low, high, size=2))
                         for low, high in ((1, 13), (1, 6), (0, 4), (1, 5), (1, 4)))
        counted = pad_module._geometry(n, f, p, s, d, "explicit").counted
        want = torch_output_shape(n, f, p, s, d)
        if want is None:
            assert 0 in counted, (n, f, p, s, d)
        else:
            assert counted == want, (n, f, p, s, d)


@strict
def test_sliders_per_axis_match_torch():
    w = explore_padding(n=(5, 9), f=(3, 2), p=(1, 0), s=(1, 3), d=(1, 2))
    assert w.settings() == ((5, 9), (3, 2), (1, 0), (1, 3), (1, 2), "explicit")
    assert w.counted == torch_output_shape((5, 9), (3, 2), (1, 0), (1, 3), (1, 2)) == (5, 3)
    for n, f, p, s, d in [((7, 12), (3, 5), (1, 2), (2, 3), (1, 2)),
                          ((16, 4), (7, 1), (0, 5), (4, 1), (2, 4)),
                          ((10, 6), (4, 3), (2, 0), (3, 2), (3, 1))]:
        for axis in (0, 1):
            set_axis(w, axis, *(pair[axis] for pair in (n, f, p, s, d)))
        assert w.settings()[:5] == (n, f, p, s, d)
        assert w.counted == torch_output_shape(n, f, p, s, d), (n, f, p, s, d)
        assert w.window_slider.max == w.counted[0] * w.counted[1] - 1


@strict
def test_correct_function_raising_value_error_gets_a_tick():
    w = explore_padding(n=7, f=3, p=1, s=2, d=1, output_size_fn=conv_output_size)
    assert w.student_ok is True
    assert [ok for ok, _text in w.checks] == [True, True]
    assert w.student_text.splitlines()[0].startswith("✓ height")
    set_axis(w, 0, n=3, f=5, p=0, d=2)  # the height axis: no window fits
    assert w.counted == (0, 4)
    ok, text = w.checks[0]
    assert ok is True and text.startswith("✓") and "raised ValueError" in text
    assert "conv_output_size(3, 5, 0, 2, 2)" in text
    assert w.checks[1][0] is True and w.student_ok is True
    assert text in w.lines and "✓" in w.text.value
    assert squeeze([text]) in squeeze(texts_of(w.static_figure()))  # the fallback keeps it


@strict
@pytest.mark.parametrize("returned", [-5, 0, 1])
def test_wrong_number_where_no_window_fits_gets_a_cross(returned):
    def no_check(n, f, p, s, d):  # forgot the ValueError: returns a number anyway
        return returned

    w = explore_padding(n=3, f=5, p=0, s=1, d=2, output_size_fn=no_check)
    assert w.student_ok is False
    for ok, text in w.checks:
        assert ok is False and text.startswith("✗")
        assert f"returned {returned}, but no window fits: it should raise ValueError" in text


@strict
def test_formula_without_the_check_gets_a_cross_where_nothing_fits():
    def formula_only(n, f, p, s, d):
        return (n + 2 * p - d * (f - 1) - 1) // s + 1

    w = explore_padding(n=7, f=3, p=1, s=2, d=1, output_size_fn=formula_only)
    assert w.student_ok is True
    w.d_sliders[1].value = 4  # width: the span 4·(3-1)+1 = 9 just fits in 7 + 2·1
    assert w.counted == (4, 1) and w.student_ok is True
    w.f_sliders[1].value = 4  # span 13 > 9: nothing fits, formula gives -1
    assert w.counted == (4, 0)
    ok, text = w.checks[1]
    assert ok is False and "returned -1, but no window fits: it should raise ValueError" in text
    assert w.student_ok is False


@strict
def test_student_function_hook():
    def wrong(n, f, p, s, d):
        return n - f + 1  # ignores padding, stride and dilation

    def unfinished(n, f, p, s, d):
        raise NotImplementedError()

    def crashes(n, f, p, s, d):
        return n + "2"

    w = explore_padding(7, 3, 1, 2, 1, output_size_fn=wrong)
    assert w.student_ok is False and w.student_text.startswith("✗")
    assert "= 5" in w.student_text and "4 positions" in w.student_text

    w = explore_padding(7, 3, 1, 2, 1, output_size_fn=unfinished)
    assert w.student_ok is None
    assert all(ok is None and "not written yet" in text and not text.startswith(("✓", "✗"))
               for ok, text in w.checks)

    w = explore_padding(7, 3, 1, 2, 1, output_size_fn=crashes)
    assert w.student_ok is False and "✗" in w.student_text
    assert "raised TypeError" in w.student_text

    w = explore_padding(7, 3, 1, 2, 1, output_size_fn=lambda n, f, p, s, d: 4)
    assert w.student_ok is True and w.student_text.startswith("✓")
    assert "output_size_fn(7, 3, 1, 2, 1) = 4" in w.student_text
    assert all(text in w.lines for _ok, text in w.checks)

    w = explore_padding(7, 3, 1, 2, 1, output_size_fn=lambda n, f, p, s, d: 4.0)
    assert w.student_ok is False and "int" in w.student_text

    def refuses(n, f, p, s, d):
        raise ValueError("does not fit")

    w = explore_padding(7, 3, 1, 2, 1, output_size_fn=refuses)
    assert w.student_ok is False and "but the window fits at 4 positions" in w.student_text

    w = explore_padding(8, 4, 0, 2, 2, mode="same", output_size_fn=wrong)
    assert w.student_ok is None and "not checked" in w.student_text
    w.n_sliders[1].value = 9  # width: 'same' pads 3 and 3, which one P expresses
    assert w.checks[0][0] is None and w.checks[1][0] is False and w.student_ok is False


@strict
def test_padding_formula_is_shown_once():
    w = explore_padding(n=7, f=3, p=1, s=2, d=1, output_size_fn=conv_output_size)
    rule = "O = floor((N + 2P - D·(F-1) - 1) / S) + 1"
    shown = [c.value for c in w.children if isinstance(c, widgets.HTML)]
    assert sum(value.count(html.escape(rule)) for value in shown) == 1
    assert not any("floor" in t for t in texts_of(w.figure))  # the live picture: grids only
    static = "\n".join(texts_of(w.static_figure()))
    assert static.count(rule) == 1 and static.count("✓ height") == 1


@strict
@pytest.mark.parametrize("n, mode", [(5, "explicit"), (16, "same"), (28, "valid"),
                                     ((3, 12), "explicit"), ((20, 6), "same")])
def test_static_padding_figure_renders(n, mode):
    fig = static_padding_figure(n=n, f=(3, 2), p=2, s=(2, 1), d=2, mode=mode,
                                output_size_fn=lambda *args: 1)
    assert render(fig).startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mode": "full"}, "mode"),
        ({"s": 0}, "s must be at least 1"),
        ({"s": (1, 0)}, "s must be at least 1"),
        ({"p": -1}, "p must be at least 0"),
        ({"f": 2.5}, "f must be an integer"),
        ({"n": (3, 4, 5)}, "n must be an integer or a"),
        ({"d": (1, True)}, "d must be an integer or a"),
        ({"output_size_fn": 3}, "output_size_fn"),
    ],
)
def test_padding_input_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        explore_padding(**kwargs)


def test_course_package_exposes_no_exercise_solutions():
    """No module of the course package defines a name that a chapter asks students to write."""
    import importlib
    import pkgutil

    import course
    exercises = {ex for name in build.available(ROOT)
                 for ex in notebook.solutions(notebook.read(build.source_path(name, ROOT)))}
    for info in pkgutil.walk_packages(course.__path__, "course."):
        module = importlib.import_module(info.name)
        clash = exercises & set(vars(module))
        assert not clash, f"{info.name} defines {sorted(clash)}, the name of an exercise"


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
