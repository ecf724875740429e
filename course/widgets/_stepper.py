"""The stepper row shared by the explorers that walk through numbered steps.

Previous / Next buttons, an ``IntSlider`` holding the step and a ``Play``
widget linked to it; the buttons are disabled at either end.
"""

import ipywidgets as widgets


def play_interval(n_steps, slowest=600):
    """Milliseconds between Play steps: ``slowest`` for a few steps, down to 100 for many.

    Inputs: ``n_steps`` (a positive int), ``slowest`` (ms).  Returns: an int.
    """
    return int(max(100, min(slowest, 30000 // n_steps)))


class StepperMixin:
    """Gives an explorer ``prev_button``, ``next_button``, ``slider`` and ``play``.

    The class attribute ``PLAY_SLOWEST`` sets the slowest Play interval.
    The explorer observes ``slider`` itself and calls
    ``_update_step_buttons()`` whenever it redraws.
    """

    PLAY_SLOWEST = 600

    def _make_step_controls(self, last, description="step", auto_width=False):
        """Build and wire the four controls for steps 0 ... ``last``.

        Inputs: ``last`` (the last step), ``description`` (the slider's label),
        ``auto_width`` (buttons as wide as their text).
        Returns: [prev_button, next_button, play, slider], in display order.
        """
        layout = {"layout": widgets.Layout(width="auto")} if auto_width else {}
        self.prev_button = widgets.Button(description="◀ Previous", **layout)
        self.next_button = widgets.Button(description="Next ▶", **layout)
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description=description)
        self.play = widgets.Play(value=0, min=0, max=last,
                                 interval=play_interval(last + 1, self.PLAY_SLOWEST),
                                 description="play")
        widgets.link((self.play, "value"), (self.slider, "value"))
        self.prev_button.on_click(self._on_previous)
        self.next_button.on_click(self._on_next)
        return [self.prev_button, self.next_button, self.play, self.slider]

    def _on_previous(self, _button):
        self.slider.value = max(self.slider.value - 1, 0)

    def _on_next(self, _button):
        self.slider.value = min(self.slider.value + 1, self.slider.max)

    def _update_step_buttons(self):
        """Disable Previous at the first step and Next at the last.

        Inputs: none (reads ``slider``).  Returns: None.
        """
        self.prev_button.disabled = self.slider.value == 0
        self.next_button.disabled = self.slider.value == self.slider.max
