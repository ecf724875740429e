"""Draw a digit and watch a classifier's probabilities (chapter 08).

``explore_drawing(predict_proba, images, grid)``: a board of square cells (a
click inks a cell; "thick pen" also its 4 neighbours; the eraser clears;
buttons report clicks only, so strokes are drawn cell by cell).  After each
change the drawing is preprocessed like MNIST (``grid_to_image``) and the ten
probabilities from ``predict_proba`` are drawn as bars next to the image the
model sees.  "Load a held-out digit" puts one of ``images`` on the board.

``static_drawing_figure(predict_proba, images)``: a few held-out digits as
they look on the grid, with their probabilities; the static fallback.
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from scipy import ndimage

from ._display import ExplorerBox, blit_png, html_pre, new_figure
from ._inputs import is_int, real_matrix

FRAME, BOX = 28, 20  # MNIST: a digit fits in 20 x 20 pixels, centred in 28 x 28
CENTRE = 14.0  # where MNIST puts the centre of mass (test set: 14.0 ± 0.3 per axis)
MIN_GRID, MAX_GRID = 7, 28  # cells per side
BLUR = 0.6  # sigma of the Gaussian blur, in pixels
INK = 0.35  # digit_to_grid inks a cell when this fraction of its area is ink
PAPER, INKED = "#f4f4f4", "#222222"  # the cells' colours
BAR, TOP = "#9ecae1", "#d62728"  # probability bars; the predicted digit's bar
CELL = 20  # pixels per cell on the board
WIDTH, HEIGHT = 7.0, 2.9  # the live picture, in inches
HEADER, ROW, FOOT = 0.75, 2.0, 0.45  # the static figure: title, one row per digit, bottom


# --------------------------------------------------------------------------
# preprocessing
# --------------------------------------------------------------------------


def _area_weights(n_in, n_out, scale):
    """Matrix (n_out, n_in): the overlap of input cell i, stretched to
    [i·scale, (i+1)·scale), with output pixel [j, j+1); ``W @ a`` resamples by areas."""
    edges = np.arange(n_in + 1) * scale
    pixels = np.arange(n_out)[:, None]
    return np.clip(np.minimum(edges[1:], pixels + 1) - np.maximum(edges[:-1], pixels), 0, None)


def _check_grid(grid):
    """Return ``grid`` as a float64 array of ink values in [0, 1], or raise ValueError."""
    grid = real_matrix(grid, "grid", layout="rows x columns of cells", finite=True)
    if min(grid.shape) < MIN_GRID:
        raise ValueError(f"grid must have at least {MIN_GRID} rows and {MIN_GRID} columns "
                         f"of cells, got shape {grid.shape}")
    if grid.min() < 0 or grid.max() > 1:
        raise ValueError(f"grid must hold ink values between 0 and 1 (booleans or 0/1), "
                         f"got values from {grid.min():g} to {grid.max():g}")
    return grid


def _place(box):
    """Put ``box`` (h, w ≤ 20) in a 28 x 28 frame with its centre of mass at pixel (14, 14)
    (a sub-pixel, bilinear shift; kept inside the frame, so a very lopsided shape
    may stay off-centre)."""
    frame = np.zeros((FRAME, FRAME))
    target = CENTRE - np.array(ndimage.center_of_mass(box))  # where the box's corner goes
    top, left = np.clip(np.floor(target), 0, FRAME - 1 - np.array(box.shape)).astype(int)
    frame[top:top + box.shape[0], left:left + box.shape[1]] = box
    return ndimage.shift(frame, np.clip(target - (top, left), 0, 1), order=1,
                         mode="grid-constant")


def grid_to_image(grid):
    """Turn a drawing on the grid into a 28 x 28 image preprocessed like MNIST.

    Inputs: ``grid``, array (g, h) of ink in [0, 1] (bools or 0/1), g, h ≥ 7.
    Returns: float32 array (28, 28) in [0, 1]: the inked cells cropped,
    scaled to fit 20 x 20 pixels (aspect ratio kept, areas averaged, so edges
    are grey), shifted to put the centre of mass at pixel (14, 14) as in
    MNIST (the frame's centre is 13.5: MNIST's digits sit half a pixel lower
    and to the right), blurred (sigma 0.6 px), brightest pixel 1.  An empty
    grid gives zeros.
    Raises ValueError unless grid is 2-D, at least 7 x 7, with values in [0, 1].
    """
    grid = _check_grid(grid)
    rows, cols = np.flatnonzero(grid.any(axis=1)), np.flatnonzero(grid.any(axis=0))
    if rows.size == 0:
        return np.zeros((FRAME, FRAME), dtype=np.float32)
    crop = grid[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = BOX / max(crop.shape)
    height, width = (int(np.ceil(n * scale - 1e-9)) for n in crop.shape)
    box = (_area_weights(crop.shape[0], height, scale) @ crop
           @ _area_weights(crop.shape[1], width, scale).T)
    image = ndimage.gaussian_filter(_place(box), BLUR, mode="constant")
    return np.clip(image / image.max(), 0, 1).astype(np.float32)


def digit_to_grid(image, grid=14):
    """Downsample a 28 x 28 digit to a ``grid`` x ``grid`` board of inked cells.

    Inputs: ``image``, array (28, 28), uint8 0..255 (or floats in [0, 1]);
    ``grid``, cells per side.
    Returns: bool array (grid, grid), True where ≥ 35 % of the cell's area is ink.
    """
    image = np.asarray(image, dtype=np.float64)
    image = image / 255 if image.max() > 1 else image
    weights = _area_weights(FRAME, grid, grid / FRAME)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights @ image @ weights.T >= INK


def _check_size(grid):
    """Return ``grid`` (cells per side, an int from 7 to 28), or raise ValueError."""
    if not is_int(grid) or not MIN_GRID <= grid <= MAX_GRID:
        raise ValueError(f"grid must be an integer from {MIN_GRID} to {MAX_GRID} "
                         f"(cells per side), got {grid!r}")
    return int(grid)


def _check_images(images):
    """Return ``images`` as an array (N, 28, 28), N ≥ 1, or raise ValueError."""
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (FRAME, FRAME) or len(images) == 0:
        raise ValueError(f"images must be an array (N, 28, 28) of held-out digits, N ≥ 1, "
                         f"got shape {images.shape}")
    return images


def _predict(predict_proba, batch):
    """Call ``predict_proba`` on ``batch`` (N, 28, 28) and check its answer.

    Returns: float64 array (N, 10), rows of probabilities.
    Raises TypeError if predict_proba is not callable, ValueError unless it
    returns N rows of 10 numbers ≥ 0 that sum to 1.
    """
    if not callable(predict_proba):
        raise TypeError(f"predict_proba must be a function (N, 28, 28) -> (N, 10), "
                        f"got {type(predict_proba).__name__}")
    batch = np.ascontiguousarray(batch, dtype=np.float32)
    out = predict_proba(batch)
    try:
        p = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"predict_proba must return a NumPy array of shape (N, 10), "
                         f"got {type(out).__name__}") from None
    if p.shape != (len(batch), 10):
        raise ValueError(f"predict_proba must return probabilities of shape (N, 10), one row "
                         f"per image: for N = {len(batch)} images it returned shape {p.shape}")
    sums = p.sum(axis=1)
    if not np.all(np.isfinite(p)) or p.min() < 0 or not np.allclose(sums, 1, atol=1e-3):
        raise ValueError(f"predict_proba must return probabilities: rows of 10 numbers ≥ 0 "
                         f"that sum to 1, got row sums {np.round(sums[:4], 3)} and values from "
                         f"{p.min():.3g} to {p.max():.3g} (softmax missing?)")
    return p


def _top_line(p):
    """The three most probable digits, e.g. 'top 3: 7 (0.931), 9 (0.040), 4 (0.012)'."""
    if p is None:
        return "the grid is empty: click cells to draw a digit"
    return "top 3: " + ", ".join(f"{d} ({p[d]:.3f})" for d in np.argsort(-p, kind="stable")[:3])


# --------------------------------------------------------------------------
# drawing
# --------------------------------------------------------------------------


def _grid_panel(ax, grid):
    """Draw ``grid`` (g, h) as dark cells on paper, thin lines between the cells."""
    rows, cols = grid.shape
    ax.imshow(grid, cmap="Greys", vmin=0, vmax=1.15)
    ax.vlines(np.arange(0.5, cols - 1), -0.5, rows - 0.5, color="0.85", linewidth=0.5)
    ax.hlines(np.arange(0.5, rows - 1), -0.5, cols - 0.5, color="0.85", linewidth=0.5)
    ax.set(xticks=[], yticks=[])


class _Panels:
    """The model's input (28 x 28) and its probability bars, on two axes."""

    def __init__(self, ax_input, ax_bars):
        ax_input.set(xticks=[], yticks=[])
        ax_input.set_title("what the model sees (28×28)", fontsize=10)
        self.image = ax_input.imshow(np.zeros((FRAME, FRAME)), cmap="gray", vmin=0, vmax=1)
        self.bars = list(ax_bars.bar(range(10), np.zeros(10), color=BAR))
        ax_bars.set(ylim=(0, 1), xlim=(-0.6, 9.6), xticks=range(10), xlabel="digit",
                    ylabel="probability")
        self.title = ax_bars.set_title("", fontsize=10, y=1.0)

    def artists(self):
        """What ``show`` changes."""
        return [self.image, *self.bars, self.title]

    def show(self, model_input, p):
        """Show the image (28, 28) and the probabilities ``p`` (10,) or None (no bars)."""
        self.image.set_data(model_input)
        best = None if p is None else int(np.argmax(p))
        for digit, bar in enumerate(self.bars):
            bar.set_height(0.0 if p is None else p[digit])
            bar.set_color(TOP if digit == best else BAR)
        self.title.set_text("draw a digit" if p is None
                            else f"prediction: {best} (p = {p[best]:.2f})")


class _Picture:
    """The live picture: drawn once, then updated by blitting (see _display.blit_png)."""

    def __init__(self):
        self.fig = new_figure(WIDTH, HEIGHT)
        axes = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.7]})
        self.fig.subplots_adjust(left=0.02, right=0.98, top=0.89, bottom=0.17, wspace=0.2)
        self.panels = _Panels(*axes)
        self.canvas, self.background = FigureCanvasAgg(self.fig), None
        for artist in self.panels.artists():
            artist.set_animated(True)

    def png(self, model_input, p):
        """Show ``model_input`` and ``p``; return the picture as PNG bytes."""
        self.panels.show(model_input, p)
        png, self.background = blit_png(self.canvas, self.background, self.panels.artists())
        return png


def _rows_figure(predict_proba, grids, title):
    """A Figure with one row per grid (g, g): the grid, the model's input, the bars."""
    inputs = np.stack([grid_to_image(g) for g in grids])
    inked = np.array([np.any(g) for g in grids])
    probabilities = np.zeros((len(grids), 10))
    if inked.any():
        probabilities[inked] = _predict(predict_proba, inputs[inked])
    height = HEADER + ROW * len(grids) + FOOT
    fig = new_figure(WIDTH, height)
    axes = fig.subplots(len(grids), 3, squeeze=False, gridspec_kw={"width_ratios": [1, 1, 1.7]})
    fig.subplots_adjust(left=0.02, right=0.98, wspace=0.3, hspace=0.5,
                        top=1 - HEADER / height, bottom=FOOT / height)
    for i, (row, grid, p) in enumerate(zip(axes, grids, probabilities)):
        _grid_panel(row[0], np.asarray(grid, dtype=float))
        _Panels(row[1], row[2]).show(inputs[i], p if inked[i] else None)
        if i > 0:
            row[1].set_title("")
    axes[0, 0].set_title(f"the {len(grids[0])}×{len(grids[0][0])} grid", fontsize=10)
    fig.suptitle(title, fontsize=12, y=1 - 0.1 / height, va="top")
    return fig


def static_drawing_figure(predict_proba, images, n=4, grid=14):
    """Return a matplotlib Figure of ``n`` held-out digits as they look drawn on the grid.

    Inputs: ``predict_proba``, a function: float32 array (N, 28, 28) in [0, 1]
    -> NumPy array (N, 10) of probabilities; ``images``, array (N, 28, 28) of
    digits (uint8 0..255); ``n``, how many of the first images to show;
    ``grid``, cells per side (7 to 28).
    Returns: the Figure, one row per digit: the digit downsampled to the grid
    (``digit_to_grid``), the model's input (``grid_to_image``), the bars.
    """
    images, grid = _check_images(images), _check_size(grid)
    if not is_int(n) or not 1 <= n <= len(images):
        raise ValueError(f"n must be an integer from 1 to {len(images)}, got {n!r}")
    grids = [digit_to_grid(image, grid) for image in images[:n]]
    return _rows_figure(predict_proba, grids, "held-out digits drawn on the grid, classified")


# --------------------------------------------------------------------------
# the widget
# --------------------------------------------------------------------------


class DrawingExplorer(ExplorerBox):
    """Drawing board; build it with ``explore_drawing(predict_proba, images, grid)``.

    Controls: ``cells`` (``cells[row][col]``, Buttons), ``pen`` ('pen' or
    'eraser'), ``thick`` (Checkbox), ``clear_button``, ``load_button`` (None
    without images).  State, updated at every change: ``grid`` (bool (g, g)),
    ``model_input`` (float32 (28, 28)), ``probabilities`` ((10,), None while
    the grid is empty), ``prediction`` and ``example`` (the last loaded
    digit's index).  ``image`` shows the picture, ``text`` the top-3 line.
    """

    summary = "explore_drawing"

    def __init__(self, predict_proba, images=None, grid=14):
        size = _check_size(grid)
        self.images = None if images is None else _check_images(images)
        _predict(predict_proba, np.zeros((2, FRAME, FRAME), dtype=np.float32))  # fail early
        self.predict_proba, self.example = predict_proba, None
        self.grid = np.zeros((size, size), dtype=bool)
        self.cells = [[self._new_cell(r, c) for c in range(size)] for r in range(size)]
        board = widgets.GridBox([cell for row in self.cells for cell in row], layout=widgets.Layout(
            grid_template_columns=f"repeat({size}, {CELL}px)", grid_gap="1px",
            width="max-content", margin="0 12px 0 0"))
        auto = widgets.Layout(width="auto")
        self.pen = widgets.ToggleButtons(options=["pen", "eraser"], style={"button_width": "70px"})
        self.thick = widgets.Checkbox(value=False, description="thick pen", indent=False,
                                      layout=auto)
        self.clear_button = widgets.Button(description="Clear", layout=auto)
        self.clear_button.on_click(lambda _button: self.clear())
        controls, self.load_button = [self.pen, self.thick, self.clear_button], None
        if self.images is not None:
            self.load_button = widgets.Button(description="Load a held-out digit", layout=auto)
            self.load_button.on_click(lambda _button: self.load_example())
            controls.append(self.load_button)
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.text, self.picture = widgets.HTML(), _Picture()
        self.figure = self.picture.fig
        body = widgets.HBox([board, widgets.VBox([self.image, self.text])],
                            layout=widgets.Layout(align_items="flex-start", flex_flow="row wrap"))
        row = widgets.Layout(align_items="center", flex_flow="row wrap")
        super().__init__(children=[widgets.HBox(controls, layout=row), body])
        self._refresh()

    def _new_cell(self, row, col):
        """One square Button that paints cell (row, col) when clicked."""
        cell = widgets.Button(layout=widgets.Layout(width=f"{CELL}px", height=f"{CELL}px",
                                                    padding="0", margin="0"),
                              style={"button_color": PAPER})
        cell.on_click(lambda _button: self.paint(row, col))
        return cell

    def paint(self, row, col):
        """Ink (pen) or clear (eraser) cell (row, col), and its 4 neighbours if thick."""
        spots = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)] if self.thick.value else [(0, 0)]
        for r, c in ((row + dr, col + dc) for dr, dc in spots):
            if 0 <= r < len(self.grid) and 0 <= c < len(self.grid):
                self.grid[r, c] = self.pen.value == "pen"
        self._refresh()

    def clear(self):
        """Empty the grid."""
        self.grid[:] = False
        self._refresh()

    def load_example(self, index=None):
        """Put held-out digit ``index`` (None: the next one; wraps around) on the grid."""
        if self.images is None:
            raise ValueError("no held-out digits: pass images to explore_drawing")
        if index is None:
            index = 0 if self.example is None else self.example + 1
        self.example = int(index) % len(self.images)
        self.grid[:] = digit_to_grid(self.images[self.example], len(self.grid))
        self._refresh()

    def _refresh(self):
        """Recolour the cells, preprocess the grid, predict, redraw."""
        for row, grid_row in zip(self.cells, self.grid):
            for cell, inked in zip(row, grid_row):
                cell.style.button_color = INKED if inked else PAPER  # sent only if changed
        self.model_input = grid_to_image(self.grid)
        p = _predict(self.predict_proba, self.model_input[None])[0] if self.grid.any() else None
        self.probabilities, self.prediction = p, None if p is None else int(np.argmax(p))
        self.image.value = self.picture.png(self.model_input, p)
        loaded = "" if self.example is None else f"  ·  last loaded: held-out digit {self.example}"
        self.text.value = html_pre([_top_line(p) + loaded])

    def static_figure(self):
        """Fallback snapshot: the current drawing, or else a few held-out digits."""
        if self.grid.any() or self.images is None:
            return _rows_figure(self.predict_proba, [self.grid], "the drawing, classified")
        return static_drawing_figure(self.predict_proba, self.images, min(4, len(self.images)),
                                     len(self.grid))


def explore_drawing(predict_proba, images=None, grid=14):
    """Return a widget to draw a digit on a grid and see a model's probabilities.

    Inputs: ``predict_proba``, a function taking a float32 NumPy array
    (N, 28, 28) in [0, 1] (preprocessed like MNIST) and returning a NumPy
    array (N, 10) of probabilities (wrap the model: tensor, forward, softmax,
    ``.numpy()``); ``images``, optional array (N, 28, 28) of held-out digits
    (uint8 0..255) for "Load a held-out digit"; ``grid``, cells per side (7-28).
    Returns: a DrawingExplorer (an ipywidgets VBox).  Put the call last in a
    cell; without a widget front-end the cell shows a static figure instead.
    Raises ValueError for a bad grid or images, or if predict_proba (called
    once on two blank images) does not return (N, 10) rows that sum to 1.
    """
    return DrawingExplorer(predict_proba, images=images, grid=grid)
