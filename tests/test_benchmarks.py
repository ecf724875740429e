"""benchmarks/conv.py, in-process and quick: the table it prints, its exit codes, its checks."""
import importlib.util

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("benchmarks_conv", ROOT / "benchmarks" / "conv.py")
conv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conv)


def table_rows(out):
    """{(layer, dtype, pass, NumPy function): the row's cells} from the printed Markdown table."""
    lines = [line for line in out.splitlines() if line.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = [dict(zip(head, (c.strip() for c in line.strip("|").split("|")))) for line in lines[2:]]
    return {(r["layer"], r["dtype"], r["pass"], r["NumPy function"]): r for r in rows}


def test_quick_run_prints_every_row_with_positive_ratios(capsys):
    assert conv.main(["--quick", "--threads", "1"]) == conv.OK
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "threads: PyTorch 1, NumPy's BLAS 1" in captured.out
    rows = table_rows(captured.out)
    want = {(layer, dtype, pass_, name) for layer in conv.LAYERS for dtype in conv.DTYPES
            for pass_, name in [("forward", "conv2d_nhwc"), ("forward", "conv_forward"),
                                ("backward", "conv_backward"), ("forward", "08 conv_forward"),
                                ("backward", "08 conv_backward")]}
    assert set(rows) == want
    for row in rows.values():
        numpy_ms, torch_ms = float(row["NumPy ms"]), float(row["PyTorch ms"])
        ratio = float(row["NumPy / PyTorch"])
        assert numpy_ms > 0 and torch_ms > 0 and ratio > 0
        if abs(ratio - 1.5) > 0.005:     # the printed ratio is rounded to 2 decimals
            assert row["within 1.5×"] == ("yes" if ratio <= 1.5 else "no")


@pytest.mark.parametrize("goal, code", [("1e9", conv.OK), ("1e-9", conv.PROBLEM)])
def test_check_exits_1_only_when_a_ratio_exceeds_the_goal_and_threads_are_restored(
        capsys, goal, code):
    before = conv.torch.get_num_threads(), conv.numpy_threads()
    argv = ["--quick", "--repeat", "1", "--threads", "3", "--check", "--goal", goal]
    assert conv.main(argv) == code
    out = capsys.readouterr().out
    assert "threads: PyTorch 3, NumPy's BLAS 3" in out
    assert ("Slower than the goal:" in out) == (code == conv.PROBLEM)
    assert (conv.torch.get_num_threads(), conv.numpy_threads()) == before


def test_a_wrong_numpy_result_is_never_timed(monkeypatch, capsys):
    right = conv.load_reference()

    def wrong_backward(dout, cache):
        dx, dw, db = right["conv_backward"](dout, cache)
        return dx, dw[::-1, ::-1], db  # the kernel gradient rotated by 180°

    monkeypatch.setattr(conv, "load_reference", lambda: {**right, "conv_backward": wrong_backward})
    monkeypatch.setattr(conv, "best_time", lambda *a: pytest.fail("timed a wrong result"))
    assert conv.main(["--quick"]) == conv.PROBLEM
    out = capsys.readouterr().out
    assert "disagree, nothing was timed" in out and "conv_backward: dw differs" in out
    assert "|" not in out


grading_spec = importlib.util.spec_from_file_location("benchmarks_grading",
                                                      ROOT / "benchmarks" / "grading.py")
grading = importlib.util.module_from_spec(grading_spec)
grading_spec.loader.exec_module(grading)


@pytest.mark.nbgrader
def test_grading_benchmark_quick_run_agrees_with_plain_nbgrader_and_prints_its_table(capsys):
    assert grading.main(["--quick", "--students", "2", "--no-dask", "--jobs", "2"]) == grading.OK
    out = capsys.readouterr().out
    assert "Every way gave all 2 students the same totals as plain nbgrader." in out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    ways = [r.split("|")[1].strip() for r in rows]
    assert ways[:3] == ["way", "plain nbgrader autograde + generate_feedback",
                        "course grade --jobs 2"]
    for row in rows[1:3]:
        seconds, per, speedup, overhead = (float(c.strip().rstrip("×")) for c in row.split("|")[2:6])
        # wall seconds are printed to 0.1 s, per student to 0.01 s: within 0.05 / 2 + 0.005
        assert seconds > 0 and per == pytest.approx(seconds / 2, abs=0.031) and speedup > 0
    assert "| kernel start, with the libraries' imports the guard snapshots |" in out
    assert "| feedback HTML |" in out and "worker start" in out


def test_grading_benchmark_rejects_bad_arguments(capsys):
    assert grading.main(["--students", "0"]) == 2
    assert "--students and --jobs must be at least 1" in capsys.readouterr().err
