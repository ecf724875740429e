"""Inside a graded kernel: keep the tools the tests use as they were before any student code.

When grading, the kernel imports this module at start-up (before the notebook's first cell)
and ``seal`` records the attributes of the modules the tests rely on: NumPy (and its testing
and linear-algebra modules), SciPy's signal module, PyTorch's functional API, TensorFlow, the
course's own checks and references, and Python's builtins. Before every test cell the grader
runs ``restore``, which puts back every recorded attribute a student's cell rebound
(``np.allclose = lambda *a, **k: True``, ``checks.assert_close = ...``,
``builtins.AssertionError = ...``) and the modules in ``sys.modules``; the test cell's own
imports then rebind the notebook's names (``np``, ``checks``...).

This defends the tests against tampering with their tools. It cannot stop a student who
attacks this module itself or the interpreter: any code that runs in a process can change
that process. The confinement around the kernel (course.sandbox) is what guarantees that
such a student can only change their own score, and ``course grade`` flags notebooks that
reach for the interpreter's internals so that an instructor can read them.
"""
import builtins
import importlib
import inspect
import sys
import types

SHELL_CLASSES = ("IPython.core.interactiveshell:InteractiveShell",
                 "ipykernel.zmqshell:ZMQInteractiveShell", "ipykernel.ipkernel:IPythonKernel",
                 "ipykernel.kernelbase:Kernel")
SHELL_LISTS = ("input_transformers_cleanup", "input_transformers_post", "ast_transformers")
MODULES = ("numpy", "numpy.testing", "numpy.linalg", "scipy.signal", "torch",
           "torch.nn.functional", "tensorflow", "course.checks", "course.reference")
_saved, _classes, _shell_state = {}, {}, {}


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def seal(modules=MODULES):
    """Record the current attributes of ``modules`` (those that import) and of builtins."""
    for name in modules:
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a chapter that does not use a framework
            continue
        _saved[name] = (module, dict(vars(module)))
    # Python's own builtins only: IPython adds and removes get_ipython, display, exit... itself.
    _saved["builtins"] = (builtins, {k: v for k, v in vars(builtins).items()
                                     if isinstance(v, (type, types.BuiltinFunctionType))})
    for path in SHELL_CLASSES:
        module, name = path.split(":")
        cls = getattr(importlib.import_module(module), name)
        _classes[path] = (cls, dict(vars(cls)))
    shell = _shell()
    if shell is not None:
        _shell_state.update(dict=dict(vars(shell)),
                            lists={n: list(getattr(shell, n)) for n in SHELL_LISTS},
                            manager={k: list(v) for k, v in vars(shell.input_transformer_manager).items()
                                     if isinstance(v, list)},
                            callbacks={k: list(v) for k, v in shell.events.callbacks.items()})


def guard(bindings):
    """Before a test cell: ``restore()``, then rebind the notebook's own import names.

    ``bindings`` maps a name of the notebook's namespace to (module, attribute or None),
    from the instructor's import lines: ``{"np": ("numpy", None), "checks": ("course",
    "checks")}``. The grader evaluates this as a user expression, which IPython evaluates
    without the input transformers a student's code could have installed.
    """
    changed = restore()
    shell = _shell()
    for name, (module, attribute) in bindings.items():
        try:
            value = importlib.import_module(module)
            if attribute:
                value = getattr(value, attribute, None) or importlib.import_module(
                    f"{module}.{attribute}")
        except Exception:  # noqa: BLE001 - leave a name the notebook never managed to import
            continue
        before = shell.user_ns.get(name, value) if shell is not None else value
        if before is not value and not _lazy(before, value):
            changed.append(name)          # rebound by the student's code
        if shell is not None:
            shell.user_ns[name] = value
    return changed


def restore():
    """Put back every recorded module, attribute and the shell's machinery; return what changed."""
    changed = _restore_shell()
    for name, (module, attrs) in _saved.items():
        if sys.modules.get(name) is not module:
            sys.modules[name] = module
            changed.append(name)
        current = vars(module)
        for key, value in attrs.items():
            now = current.get(key, _saved)
            if now is value:
                continue
            if getattr(now, "__wrapped__", None) is value and _library(now) or _lazy(value, now):
                attrs[key] = now     # a library wrapping its own function (torch._dynamo does)
                continue             # or loading a lazy module (tensorflow.keras)
            setattr(module, key, value)
            changed.append(f"{name}.{key}")
    return changed


def _lazy(before, after):
    """True when ``after`` is the module that the lazy loader ``before`` stood for."""
    return "LazyLoader" in type(before).__name__ and isinstance(after, types.ModuleType)


def _library(callback):
    """True for a function of an installed module (matplotlib registers its figure flushing
    after start-up); False for code of the notebook's, a lambda, a partial, a builtin."""
    module = inspect.getmodule(callback)
    return (inspect.isfunction(getattr(callback, "__func__", callback)) and module is not None
            and module.__name__ != "__main__" and getattr(module, "__file__", None) is not None)


def _restore_shell():
    """The IPython shell and kernel as they were: class methods, instance overrides,
    input and AST transformers, event callbacks, and no trace or profile function."""
    changed = []
    for path, (cls, attrs) in _classes.items():
        for key, value in attrs.items():
            if vars(cls).get(key, _saved) is not value:
                setattr(cls, key, value)
                changed.append(path)
    shell = _shell()
    if shell is None or not _shell_state:
        return changed
    before = _shell_state["dict"]
    for key, value in list(vars(shell).items()):   # methods overridden on the instance
        if key not in before and callable(value):
            delattr(shell, key)
            changed.append(f"shell.{key}")
        elif key in before and callable(before[key]) and value is not before[key]:
            setattr(shell, key, before[key])
            changed.append(f"shell.{key}")
    for name, items in _shell_state["lists"].items():
        if getattr(shell, name) != items:
            getattr(shell, name)[:] = items
            changed.append(f"shell.{name}")
    for key, items in _shell_state["manager"].items():
        current = getattr(shell.input_transformer_manager, key)
        if current != items:
            current[:] = items
            changed.append(f"shell.input_transformer_manager.{key}")
    for event, items in shell.events.callbacks.items():
        kept = [cb for cb in items if cb in _shell_state["callbacks"].get(event, ()) or _library(cb)]
        if kept != items:
            items[:] = kept
            changed.append(f"shell.events.{event}")
    if sys.gettrace() or sys.getprofile():
        sys.settrace(None)
        sys.setprofile(None)
        changed.append("sys.settrace")
    return changed
