"""Time the course's NumPy convolution against PyTorch on the conv layers of the MNIST CNN.

    python benchmarks/conv.py                  # batch 64, 1 thread, best of 5
    python benchmarks/conv.py --threads 2 --repeat 9
    python benchmarks/conv.py --quick          # batch 8, best of 2: a smoke test (the tests)
    python benchmarks/conv.py --check          # exit 1 when a ratio exceeds the goal

The NumPy side is the reference solutions themselves, taken from the source notebooks (never
copied): chapter 04's conv2d_nhwc and chapter 06's conv_forward for the forward pass, chapter 06's
conv_backward for the backward pass, and the locked layers chapter 08's NumPy CNN trains with
("08 conv_forward", "08 conv_backward": one tensordot over sliding windows, dtype kept). The PyTorch side is F.conv2d under torch.no_grad() for the
forward pass and, for the backward pass, torch.autograd.grad(out, (x, w, b), dout) on a graph
built outside the timer: both sides then time exactly "gradients from dout and what the forward
pass kept" (NumPy's conv_backward gets its cache from a conv_forward call made outside the
timer too). Each side uses its own layout (NumPy NHWC / HWIO, PyTorch NCHW / OIHW, contiguous);
no conversion is timed. The reference solutions cast to float64, so on float32 rows NumPy
computes in float64 while PyTorch computes in float32: the "NumPy computes in" column says so.

Before anything is timed, every NumPy result (out, or dx, dw and db) is compared with PyTorch's:
the largest absolute difference over the largest absolute value of PyTorch's result must be at
most 1e-4 (float32 rows) or 1e-10 (float64 rows). If one disagrees, nothing is timed.

Timing: one warm-up call, then the number of calls per measurement doubles until a measurement
lasts --min-time seconds; the figure is the best of --repeat measurements, per call, with
garbage collection off (as timeit does). Each side of a row is one block of measurements, after
a pause (--pause, 0.2 s) that lets the other library's idle threads stop spinning. The last
column, worst / best, is the largest ratio of the slowest to the fastest measurement on either
side: far above 1 means the machine was noisy and the row's figures are not to be trusted.

Both libraries get the same thread count: PyTorch's through torch.set_num_threads, NumPy's by
calling its OpenBLAS's set_num_threads through ctypes (what threadpoolctl does). Environment
variables such as OPENBLAS_NUM_THREADS are not used: OpenBLAS reads them only when NumPy is
first imported, too late for a run started in-process. The thread counts in effect are read
back and printed; the previous ones are restored on exit. The default is 1 thread: on the
course's 2-vCPU machines two busy threads get less than one core's worth of time, and with 2
threads the same row measured 10-100x apart from run to run (pass --threads 2 elsewhere).

Exit status: 0 when every row agreed and was timed, even if NumPy is slower than the goal (this
is a report); 1 when NumPy and PyTorch disagree, or, with --check, when a ratio exceeds --goal;
2 for bad arguments.
"""
import argparse
import contextlib
import ctypes
import functools
import gc
import io
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

OK, PROBLEM, USAGE = 0, 1, 2
GOAL = 1.5
DTYPES = ("float32", "float64")
TOLERANCE = {"float32": 1e-4, "float64": 1e-10}
NOISY = 2.0  # worst / best measurement above which a row is flagged
# The conv layers of chapter 08's MNIST CNN (course/nets.py, SEEDS), stride 1, no padding:
# name: (input height = width, C_in, C_out, kernel size).
LAYERS = {"conv1": (28, 1, 16, 3),   # Conv2d(1, 16, 3) on the 28×28 image
          "conv2": (14, 16, 32, 3)}  # Conv2d(16, 32, 3) after MaxPool2d(2, 2, padding=1): 26 → 14


class Disagreement(Exception):
    """A NumPy result differs from PyTorch's: that row's time would mean nothing."""


@functools.cache
def load_reference():
    """{name: function} of the reference NumPy convolutions, run from the source notebooks."""
    from course import build
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        ch04 = build.solution_namespace("04_multichannel")
        ch06 = build.solution_namespace("06_backprop")
        ch08 = build.solution_namespace("08_mnist_cnn")
    return {"conv2d_nhwc": ch04["conv2d_nhwc"], "conv_forward": ch06["conv_forward"],
            "conv_backward": ch06["conv_backward"], "08 conv_forward": ch08["conv_forward"],
            "08 conv_backward": ch08["conv_backward"]}


@functools.cache
def _openblas():
    """(get, set) of NumPy's bundled OpenBLAS thread count, or None when not found."""
    libs = Path(np.__file__).parent.parent / "numpy.libs"
    for path in sorted(libs.glob("*openblas*")) if libs.is_dir() else []:
        lib = ctypes.CDLL(str(path))  # already loaded by NumPy: the same handle
        for prefix, suffix in [("scipy_openblas_", "64_"), ("scipy_openblas_", ""),
                               ("openblas_", "64_"), ("openblas_", "")]:
            get = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}set_num_threads{suffix}", None)
            if get and put:
                return get, put
    return None


def numpy_threads(n=None):
    """Set NumPy's BLAS thread count to n (if given); return the count in effect, or None."""
    blas = _openblas()
    if blas is None:
        return None
    if n is not None:
        blas[1](ctypes.c_int(n))
    return blas[0]()


def make_inputs(layer, batch, dtype, seed=0):
    """Random x (N, H, W, C_in), w (kh, kw, C_in, C_out), b (C_out,), dout (N, H', W', C_out)."""
    size, c_in, c_out, k = LAYERS[layer]
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, size, size, c_in)).astype(dtype)
    w = (rng.normal(size=(k, k, c_in, c_out)) / np.sqrt(k * k * c_in)).astype(dtype)
    b = rng.normal(size=c_out).astype(dtype)
    dout = rng.normal(size=(batch, size - k + 1, size - k + 1, c_out)).astype(dtype)
    return x, w, b, dout


def to_torch(x, w, b, dout):
    """The same arrays as contiguous PyTorch tensors: NCHW, OIHW, (C_out,), NCHW."""
    return (torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))),
            torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1))),
            torch.from_numpy(b.copy()),
            torch.from_numpy(np.ascontiguousarray(dout.transpose(0, 3, 1, 2))))


def torch_calls(xt, wt, bt, doutt):
    """(forward(), backward()): F.conv2d under no_grad; autograd.grad on a graph built here."""
    leaves = [t.clone().requires_grad_() for t in (xt, wt, bt)]
    graph = F.conv2d(*leaves)

    def forward():
        with torch.no_grad():
            return F.conv2d(xt, wt, bt)

    def backward():
        return torch.autograd.grad(graph, leaves, doutt, retain_graph=True)

    return forward, backward


def cases(ref, layer, batch, dtype):
    """The rows of one layer and dtype: [(pass, NumPy name, numpy_call, torch_call, compare)].

    numpy_call() and torch_call() take no argument; compare() raises Disagreement or returns
    the dtype NumPy computed in.
    """
    x, w, b, dout = make_inputs(layer, batch, dtype)
    torch_forward, torch_backward = torch_calls(*to_torch(x, w, b, dout))
    _, cache = ref["conv_forward"](x, w, b)
    _, cache08 = ref["08 conv_forward"](x, w, b)
    dx, dw, db = torch_backward()
    want = {"forward": [torch_forward().permute(0, 2, 3, 1).numpy()],  # back to NHWC / HWIO
            "backward": [dx.permute(0, 2, 3, 1).numpy(), dw.permute(2, 3, 1, 0).numpy(),
                         db.numpy()]}
    numpy_calls = [("forward", "conv2d_nhwc", lambda: ref["conv2d_nhwc"](x, w, b)),
                   ("forward", "conv_forward", lambda: ref["conv_forward"](x, w, b)[0]),
                   ("backward", "conv_backward", lambda: ref["conv_backward"](dout, cache)),
                   ("forward", "08 conv_forward", lambda: ref["08 conv_forward"](x, w, b)[0]),
                   ("backward", "08 conv_backward", lambda: ref["08 conv_backward"](dout, cache08))]
    return [(pass_, name, call, torch_forward if pass_ == "forward" else torch_backward,
             functools.partial(compare, call, want[pass_], TOLERANCE[dtype],
                               f"{layer} {dtype} {name}"))
            for pass_, name, call in numpy_calls]


def compare(call, want, tol, label):
    """Run call() and compare each of its results with want; return the dtype it computed in."""
    got = call()
    got = list(got) if isinstance(got, tuple) else [got]
    for part, mine, theirs in zip(("dx", "dw", "db") if len(got) == 3 else ("out",), got, want):
        if np.shape(mine) != theirs.shape:
            raise Disagreement(f"{label}: {part} has shape {np.shape(mine)}, "
                               f"PyTorch's {theirs.shape}")
        error = np.max(np.abs(mine - theirs)) / max(np.max(np.abs(theirs)), 1e-30)
        if not error <= tol:
            raise Disagreement(f"{label}: {part} differs from PyTorch's by {error:.1e} "
                               f"(relative to its largest value; tolerance {tol:g})")
    return np.result_type(*got).name


def calls_per_measurement(call, min_time):
    """After a warm-up call: how many calls (a power of 2) last at least min_time seconds."""
    call()
    number = 1
    while measure(call, number) < min_time:
        number *= 2
    return number


def measure(call, number):
    """Seconds that `number` calls take, garbage collection off (as timeit does)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(number):
            call()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def best_time(call, repeat, min_time):
    """(seconds per call, worst / best): the best of `repeat` timed measurements (timeit style)."""
    number = calls_per_measurement(call, min_time)
    times = [measure(call, number) / number for _ in range(repeat)]
    return min(times), max(times) / min(times)


def run(batch, repeat, min_time, pause):
    """Check then time every row; return [dict(layer, dtype, pass, numpy, numpy_ms, ...)].

    Each side of a row is measured as one block, after sleeping `pause` seconds: OpenBLAS's
    and OpenMP's idle workers spin for a while before they sleep, and measuring NumPy and
    PyTorch in turns made each side run against the other's spinning threads.
    """
    ref = load_reference()
    plan = [(layer, dtype, row) for layer in LAYERS for dtype in DTYPES
            for row in cases(ref, layer, batch, dtype)]
    computes_in = [row[4]() for _, _, row in plan]  # raises Disagreement before any timing
    results = []
    for (layer, dtype, (pass_, name, numpy_call, torch_call, _)), inner in zip(plan, computes_in):
        figures = []
        for call in (numpy_call, torch_call):
            time.sleep(pause)
            figures.append(best_time(call, repeat, min_time))
        (numpy_s, numpy_spread), (torch_s, torch_spread) = figures
        results.append({"layer": layer, "dtype": dtype, "pass": pass_, "numpy": name,
                        "computes_in": inner, "numpy_ms": numpy_s * 1e3,
                        "torch_ms": torch_s * 1e3, "ratio": numpy_s / torch_s,
                        "spread": max(numpy_spread, torch_spread)})
    return results


def table(results, goal):
    """The results as a Markdown table, one row per layer, dtype and NumPy function."""
    head = ["layer", "dtype", "pass", "NumPy function", "NumPy computes in", "NumPy ms",
            "PyTorch ms", "NumPy / PyTorch", f"within {goal:g}×", "worst / best"]
    body = [[r["layer"], r["dtype"], r["pass"], r["numpy"], r["computes_in"],
             f"{r['numpy_ms']:.3f}", f"{r['torch_ms']:.3f}", f"{r['ratio']:.2f}",
             "yes" if r["ratio"] <= goal else "no", f"{r['spread']:.2f}"] for r in results]
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    numeric = {5, 6, 7, 9}
    lines = [head, ["-" * (w - 1) + (":" if i in numeric else "-") for i, w in enumerate(widths)],
             *body]
    return "\n".join("| " + " | ".join(c.rjust(w) if i in numeric else c.ljust(w)
                                       for i, (c, w) in enumerate(zip(row, widths))) + " |"
                     for row in lines)


def gaps(results, goal):
    """One line per row slower than the goal: by how much, and how far from the goal."""
    return [f"- {r['layer']} {r['dtype']} {r['pass']} ({r['numpy']}): NumPy is {r['ratio']:.1f}× "
            f"PyTorch, {r['ratio'] / goal:.1f}× over the {goal:g}× goal"
            for r in results if r["ratio"] > goal]


def parse(argv):
    parser = argparse.ArgumentParser(prog="benchmarks/conv.py", description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="threads for both libraries (1)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="measurements per figure, the best is kept (5)")
    parser.add_argument("--batch", type=int, default=64, help="images per batch (64)")
    parser.add_argument("--min-time", type=float, default=0.1,
                        help="seconds each measurement lasts at least (0.1)")
    parser.add_argument("--pause", type=float, default=0.2,
                        help="seconds of sleep before each block of measurements (0.2)")
    parser.add_argument("--goal", type=float, default=GOAL, help="NumPy / PyTorch goal (1.5)")
    parser.add_argument("--quick", action="store_true",
                        help="batch 8, best of 2, 5 ms measurements, 10 ms pauses: a smoke test")
    parser.add_argument("--check", action="store_true", help="exit 1 when a ratio exceeds the goal")
    args = parser.parse_args(argv)
    if args.quick:
        args.batch, args.repeat, args.min_time, args.pause = 8, 2, 0.005, 0.01
    if min(args.threads, args.repeat, args.batch) < 1:
        parser.error("--threads, --repeat and --batch must be at least 1")
    if min(args.min_time, args.pause) < 0 or args.goal <= 0:
        parser.error("--min-time and --pause must not be negative, --goal must be positive")
    return args


def main(argv=None):
    try:
        args = parse(sys.argv[1:] if argv is None else argv)
    except SystemExit as stop:  # argparse: --help is 0, a bad argument 2
        return stop.code
    before = torch.get_num_threads(), numpy_threads()
    try:
        torch.set_num_threads(args.threads)
        blas = numpy_threads(args.threads)
        try:
            results = run(args.batch, args.repeat, args.min_time, args.pause)
        except Disagreement as err:
            print(f"NumPy and PyTorch disagree, nothing was timed: {err}")
            return PROBLEM
    finally:
        torch.set_num_threads(before[0])
        if before[1] is not None:
            numpy_threads(before[1])
    report(args, blas, results)
    return PROBLEM if args.check and gaps(results, args.goal) else OK


def report(args, blas, results):
    """Print the settings, the table, the rows slower than the goal and the noisy rows."""
    print(f"batch {args.batch}; threads: PyTorch {args.threads}, NumPy's BLAS "
          f"{blas if blas is not None else 'not controlled (OpenBLAS not found)'}; "
          f"best of {args.repeat}, ms per call; goal NumPy / PyTorch <= {args.goal:g}")
    print("layers: " + "; ".join(f"{name} Conv2d({c_in}, {c_out}, {k}) on {size}×{size}"
                                 for name, (size, c_in, c_out, k) in LAYERS.items()) + "\n")
    print(table(results, args.goal))
    over = gaps(results, args.goal)
    print("\n" + ("\n".join(["Slower than the goal:", *over]) if over
                  else f"Every row is within {args.goal:g}× of PyTorch."))
    noisy = [f"{r['layer']} {r['dtype']} {r['numpy']}" for r in results if r["spread"] > NOISY]
    if noisy:
        print(f"\nNoisy (worst / best > {NOISY:g}), rerun before trusting: " + "; ".join(noisy))


if __name__ == "__main__":
    sys.exit(main())
