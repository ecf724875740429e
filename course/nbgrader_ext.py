"""nbgrader add-ons used by nbgrader_config.py.

nbgrader gives a test cell 0 points when it writes anything to stderr, even when its
asserts pass. TensorFlow's start-up notices and PyTorch's UserWarnings go to stderr,
so a correct solution could lose points for noise it did not make. ``StderrToStdout``
runs after execution and before the grades are saved: it moves stderr text of every
cell into a stdout stream, marked as such, so it stays visible in the feedback but
does not count as a failure. A failing test still fails: failures are 'error' outputs,
which this leaves alone.

``CoalesceStreams`` merges a cell's consecutive stream outputs. How a kernel splits one
print into messages depends on timing (measured: one `print("...:", True)` arrived as one
output in one run and as two in the next), so without it two gradings of the same notebook
could give different feedback files.
"""
from nbconvert.preprocessors import CoalesceStreamsPreprocessor
from nbgrader.preprocessors import NbGraderPreprocessor

MARK = "[stderr] "


class StderrToStdout(NbGraderPreprocessor):
    """Turn stderr stream outputs into stdout stream outputs."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stderr":
                    output["name"] = "stdout"
                    output["text"] = "".join(MARK + line for line in
                                             output["text"].splitlines(keepends=True))
        return cell, resources


class CoalesceStreams(NbGraderPreprocessor):
    """Merge consecutive stream outputs of the same name (nbconvert's rule, always enabled)."""

    def preprocess_cell(self, cell, resources, cell_index):
        return CoalesceStreamsPreprocessor.preprocess_cell(self, cell, resources, cell_index)
