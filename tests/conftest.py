"""Shared test set-up: offline data, the repository root, a scratch copy of the course."""
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"

# Tests never touch the network: the loader reads the offline MNIST test split.
if SHARED_MNIST.is_dir():
    os.environ.setdefault("COURSE_MNIST_DIR", str(SHARED_MNIST))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # as course.env sets it for the notebooks


def chapters():
    from course import build
    return build.available(ROOT)


@pytest.fixture
def course_copy(tmp_path):
    """A scratch copy of everything `course build` reads and writes."""
    for part in ("source", "release", "autograder"):
        shutil.copytree(ROOT / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    return tmp_path
