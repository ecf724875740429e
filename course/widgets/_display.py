"""One display mechanism shared by every explorer in ``course.widgets``.

An explorer is an ipywidgets ``VBox`` (buttons, sliders and an ``Image``
widget holding a matplotlib drawing).  When a notebook cell ends with an
explorer, IPython asks it for its *mime bundle*, and we answer with three
representations of the same thing:

``application/vnd.jupyter.widget-view+json``
    the live widget.  Every widget front-end (JupyterLab, Notebook 7,
    classic Notebook, Binder, VS Code, Colab) ranks this type first, so
    with a kernel attached you get the interactive explorer.
``image/png``
    a static matplotlib snapshot.  Front-ends with a widget manager ignore
    it.  Tools without one (``jupyter nbconvert --execute``, nbclient,
    nbgrader autograde, static viewers) keep it in the saved notebook,
    so the cell still shows a useful figure.
``text/plain``
    one readable line instead of ``VBox(children=(...))``.

We never guess which front-end is present: the front-end picks the richest
type it understands.  Two known limits, both outside our control: ``nbconvert
--to html`` prefers the widget view whenever the executed notebook stored the
widget state (nbclient does by default) and then needs the widget JavaScript
from a CDN; and JupyterLab shows "model not found" rather than the PNG for a
saved widget whose kernel is gone and whose state was not saved.  (ipympl's
``Canvas._repr_mimebundle_`` ships a static image next to the widget view for
the same reason.)

Figures are made with ``matplotlib.figure.Figure`` (``StaticFigure``)
directly, never with ``pyplot``: such figures are not registered with
pyplot, so the inline backend never shows them a second time, nothing needs
closing and pyplot's "More than 20 figures" warning cannot fire.

Each explorer writes its formula once: as text under the live picture (an
``HTML`` widget, see ``html_pre``) and, in the static snapshot, inside the
figure, since the snapshot is all a notebook run without widgets keeps.
"""

import base64
import html
import io

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from PIL import Image

DPI = 80

WIDGET_VIEW_MIMETYPE = "application/vnd.jupyter.widget-view+json"


class StaticFigure(Figure):
    """A matplotlib Figure that shows itself as a PNG in a notebook.

    A Figure made without pyplot displays as the text "<Figure size ...>"
    until matplotlib's inline backend happens to be loaded; ``_repr_png_``
    lets IPython show the picture in every case.
    """

    def _repr_png_(self):
        """PNG bytes for IPython's display system."""
        return figure_to_png(self)


def new_figure(width, height):
    """Return an empty StaticFigure of ``width`` x ``height`` inches (not in pyplot)."""
    return StaticFigure(figsize=(width, height), dpi=DPI)


def figure_to_png(fig):
    """Render ``fig`` and return the PNG file as bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def rgba_to_png(rgba):
    """Encode an RGBA pixel buffer (height x width x 4 bytes, e.g. an Agg canvas's
    ``buffer_rgba()``) as PNG bytes, quickly: the live widgets send one per step."""
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(rgba)).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def png_to_base64(png):
    """Encode PNG bytes the way a notebook stores them (base64 text)."""
    return base64.b64encode(png).decode("ascii")


class ExplorerBox(widgets.VBox):
    """A VBox whose display also carries a static PNG and a readable text.

    Subclasses implement ``static_figure()`` (the snapshot) and set
    ``summary`` (the text/plain line).
    """

    summary = "interactive explorer"

    def static_figure(self):
        """Return the matplotlib Figure used as the static fallback."""
        raise NotImplementedError

    def snapshot_png(self):
        """Return the static fallback rendered as PNG bytes."""
        return figure_to_png(self.static_figure())

    def _repr_mimebundle_(self, **kwargs):
        """Widget view + PNG snapshot + text, for IPython's display system."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:  # only for widgets without a view; kept for safety
            bundle = {}
        bundle["image/png"] = png_to_base64(self.snapshot_png())
        bundle["text/plain"] = (
            f"<{self.summary}: interactive in Jupyter with a live kernel; "
            "static snapshot saved as image/png>"
        )
        return bundle


def html_pre(lines):
    """Return ``lines`` (strings) as an HTML <pre> block for an ``HTML`` widget.

    Long lines wrap at the widget's edge instead of adding a scroll bar.
    """
    text = "\n".join(html.escape(line) for line in lines)
    return f"<pre style='margin: 0; font-size: 0.9em; white-space: pre-wrap'>{text}</pre>"


def blit_png(canvas, background, artists):
    """Draw ``artists`` over a saved background and return the picture as PNG bytes.

    Inputs: ``canvas`` (a ``FigureCanvasAgg``), ``background`` (what an
    earlier call returned, or None: then the whole figure is drawn once,
    without its animated artists, and saved) and ``artists`` (the animated
    ones, drawn in this order).  This is matplotlib's "blitting": a step
    redraws only what it changes.
    Returns: (PNG bytes, the background to pass next time).
    """
    if background is None:
        canvas.draw()  # everything but the animated artists
        background = canvas.copy_from_bbox(canvas.figure.bbox)
    canvas.restore_region(background)
    for artist in artists:
        canvas.figure.draw_artist(artist)
    return rgba_to_png(canvas.buffer_rgba()), background
