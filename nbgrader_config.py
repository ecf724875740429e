"""nbgrader configuration for the course. The course root is the repository root:

    nbgrader generate_assignment 02_cross_correlation
    nbgrader autograde 02_cross_correlation       # submissions in submitted/<student>/<name>/

`course build` and `course grade` use this same file (they copy it into their work folders).
"""
import os

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute, LimitOutput,
                                    SaveAutoGrades)

from course.nbgrader_ext import CoalesceStreams, StderrToStdout

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "convnets-from-the-ground-up"
c.CourseDirectory.assignment_id = ""

# Release notebooks carry no outputs and no solution/hidden-test code.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.enforce_metadata = True

# Grading: quiet frameworks in the kernel, never score stderr noise as a failure, and merge
# the stream pieces a print was split into (feedback is the same from one run to the next).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True
# Without stored widget state, HTML feedback shows the widgets' static PNG, which needs no
# widget JavaScript from the network.
c.Execute.store_widget_state = False
c.Autograde.autograde_preprocessors = [
    Execute, StderrToStdout, CoalesceStreams, ClearMetadataPreprocessor, LimitOutput,
    SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
