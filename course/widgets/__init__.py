"""Interactive explorers for the course notebooks.

Each ``explore_*`` function returns an ipywidgets widget: put the call last
in a cell.  With a live kernel in JupyterLab, Notebook 7 or Binder you get
the interactive widget; when the notebook is executed without a widget
front-end (nbconvert --execute, nbclient, nbgrader) the cell keeps a static
PNG figure instead (see ``_display.py``).  The ``static_*_figure``
functions return that figure as a matplotlib ``Figure``.
"""

from .backprop import explore_backprop, static_backprop_figure
from .channels import explore_channels, static_channels_figure
from .correlation import explore_correlation, static_correlation_figure
from .drawing import explore_drawing, grid_to_image, static_drawing_figure
from .padding import explore_padding, static_padding_figure
from .pooling import explore_pooling, static_pooling_figure
from .receptive import explore_receptive_field, static_receptive_field_figure
from .transposed import explore_transposed, static_transposed_figure

__all__ = [
    "explore_backprop",
    "static_backprop_figure",
    "explore_drawing",
    "grid_to_image",
    "static_drawing_figure",
    "explore_correlation",
    "static_correlation_figure",
    "explore_padding",
    "static_padding_figure",
    "explore_pooling",
    "static_pooling_figure",
    "explore_receptive_field",
    "static_receptive_field_figure",
    "explore_channels",
    "static_channels_figure",
    "explore_transposed",
    "static_transposed_figure",
]
