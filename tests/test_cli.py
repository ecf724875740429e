"""The `course` command, in-process: exit codes and output."""
import re
import shutil

import pytest

from course import build, cli, grade, sandbox


def test_no_command_is_a_usage_error(capsys):
    assert cli.main([]) == cli.USAGE
    assert "usage" in capsys.readouterr().err


def test_help_exits_zero(capsys):
    assert cli.main(["--help"]) == cli.OK
    assert "build" in capsys.readouterr().out


def test_unknown_assignment_is_a_usage_error_listing_the_names(capsys):
    assert cli.main(["build", "99_nonsense"]) == cli.USAGE
    assert "02_cross_correlation" in capsys.readouterr().err


def test_assignment_without_source_is_a_usage_error(capsys, monkeypatch):
    missing = build.ASSIGNMENTS[-1]   # every chapter has a source now: pretend the last has not
    monkeypatch.setattr(build, "available", lambda root=build.ROOT: list(build.ASSIGNMENTS[:-1]))
    assert cli.main(["build", missing]) == cli.USAGE
    assert "no source notebook" in capsys.readouterr().err


def test_grade_with_missing_submissions_is_a_usage_error(capsys, tmp_path):
    code = cli.main(["grade", "02_cross_correlation", "--submissions", str(tmp_path / "nope")])
    assert code == cli.USAGE
    assert "no such file or folder" in capsys.readouterr().err


def test_grade_with_an_empty_folder_is_a_problem(capsys, tmp_path):
    code = cli.main(["grade", "02_cross_correlation", "--submissions", str(tmp_path)])
    assert code == cli.PROBLEM
    assert "no student submissions" in capsys.readouterr().err


def test_grade_with_an_impossible_isolation_is_a_problem_that_says_what_to_install(
        capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_works", lambda: False)
    code = cli.main(["grade", "02_cross_correlation", "--submissions", str(tmp_path),
                     "--isolation", "bwrap"])
    assert code == cli.PROBLEM
    assert "apt-get install bubblewrap" in capsys.readouterr().err


def test_grade_with_a_student_id_pattern_without_its_group_is_a_usage_error(capsys, tmp_path):
    (tmp_path / "ann").mkdir()
    code = cli.main(["grade", "02_cross_correlation", "--submissions", str(tmp_path),
                     "--student-id", r"(\w+)_hw", "--isolation", "none"])
    assert code == cli.USAGE
    assert "(?P<student>...)" in capsys.readouterr().err


@pytest.mark.parametrize("stale, code", [([], cli.OK), (["release/x.ipynb"], cli.PROBLEM)])
def test_build_check_exit_codes(monkeypatch, capsys, stale, code):
    monkeypatch.setattr(build, "stale", lambda names: stale)
    assert cli.main(["build", "--check"]) == code
    out = capsys.readouterr().out
    assert ("stale: release/x.ipynb" in out) == bool(stale)


def test_demo_prints_a_table_per_chapter(monkeypatch, capsys):
    monkeypatch.setattr(build, "build", lambda names, log: ["release/x.ipynb"])
    fake = [grade.Result("ada", scores={"corr2d": 4.0}), grade.Result("cy", status="missing: x")]
    monkeypatch.setattr(grade, "grade", lambda *a, **k: fake)
    assert cli.main(["demo"]) == cli.OK
    out = capsys.readouterr().out
    assert "rebuilt 1 generated file(s)" in out
    assert "ada" in out and "4/4" in out and "cy: missing: x" in out


@pytest.mark.nbgrader
def test_check_grades_a_learners_notebook_with_every_test_and_says_what_failed(capsys, tmp_path):
    sample = build.ROOT / "autograder" / "samples" / "02_cross_correlation"
    mine = tmp_path / "work" / "02_cross_correlation.ipynb"
    mine.parent.mkdir()
    shutil.copyfile(sample / "dee-plausible-mistakes" / "02_cross_correlation.ipynb", mine)
    assert cli.main(["check", "02_cross_correlation", str(mine)]) == cli.PROBLEM
    out = capsys.readouterr().out
    assert out.startswith("isolation: ") and "kernels run in" not in out
    assert re.search(r"your-notebook +2/4 +0/3 .* 10/16", out), out
    # every failing test with its message, hidden ones included (test_conv2d_hidden)
    assert re.search(r"^  test_conv2d_hidden: \w+Error: .+", out, re.M), out
    assert f"feedback: {mine.with_name('02_cross_correlation-feedback.html')}" in out
    assert "<html" in mine.with_name("02_cross_correlation-feedback.html").read_text()[:2000].lower()
    shutil.copyfile(sample / "ada-complete" / "02_cross_correlation.ipynb", mine)
    assert cli.main(["check", "02_cross_correlation", str(mine)]) == cli.OK
    assert "16/16" in capsys.readouterr().out


def test_check_of_a_missing_notebook_is_a_usage_error(capsys, tmp_path):
    assert cli.main(["check", "02_cross_correlation", str(tmp_path / "nope.ipynb")]) == cli.USAGE
    assert "nope.ipynb: no such notebook" in capsys.readouterr().err
