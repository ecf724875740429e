"""The first cell of every chapter: quiet frameworks, check versions, seed everything."""
import importlib
import importlib.metadata as metadata
import os
import random
import re

import numpy as np

PACKAGE = "convnets-course"
IMPORT_NAMES = {"tensorflow-cpu": "tensorflow"}


def pins():
    """{distribution: version} of the exact pins in the course's own package metadata."""
    try:
        requirements = metadata.requires(PACKAGE) or []
    except metadata.PackageNotFoundError:
        return {}
    found = (re.match(r"^([A-Za-z0-9_.-]+)==([^;\s]+)\s*$", r) for r in requirements)
    return {m.group(1).lower(): m.group(2) for m in found if m}


def quiet_frameworks():
    """Keep TensorFlow's C++ start-up notices out of the notebook (set before importing it)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def setup(seed=0, frameworks=("torch", "tensorflow")):
    """Quiet, check and seed: NumPy, Python's random and the given frameworks.

    Raises RuntimeError when an installed version differs from the course's pins,
    because then the numbers in the text (and the reference outputs) may not match.
    Returns {package: installed version}.
    """
    quiet_frameworks()
    versions = {"numpy": np.__version__}
    random.seed(seed)
    np.random.seed(seed)
    for name in frameworks:
        module = importlib.import_module(name)
        versions[name] = module.__version__.split("+")[0]
        if name == "torch":
            module.manual_seed(seed)
        elif name == "tensorflow":
            module.random.set_seed(seed)
            module.get_logger().setLevel("ERROR")
    _check(versions)
    return versions


def _check(versions):
    wanted = {IMPORT_NAMES.get(k, k): v for k, v in pins().items()}
    wrong = [f"{name} {have} (the course pins {wanted[name]})"
             for name, have in versions.items() if name in wanted and have != wanted[name]]
    if wrong:
        raise RuntimeError("this environment differs from the course's pins: " + "; ".join(wrong)
                           + ". Reinstall with `pip install -e .` from the repository root.")
