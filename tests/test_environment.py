"""One source of truth for the pins: pyproject.toml; environment.yml and the machine agree."""
import importlib.metadata as metadata
import re
import tomllib

from conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)$")


def pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return dict(PIN.match(r).groups() for r in project["dependencies"])


def environment_pins():
    lines = [ln.strip()[2:].strip() for ln in (ROOT / "environment.yml").read_text().splitlines()
             if ln.strip().startswith("- ")]
    return dict(PIN.match(ln).groups() for ln in lines if PIN.match(ln))


def test_every_dependency_is_an_exact_pin():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    loose = [r for r in project["dependencies"] if not PIN.match(r)]
    assert not loose, f"pin these exactly (==): {loose}"


def test_environment_yml_agrees_with_pyproject():
    assert environment_pins() == pyproject_pins()


def test_environment_yml_is_python_311_with_the_cpu_torch_index():
    text = (ROOT / "environment.yml").read_text()
    assert "python=3.11" in text
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    assert "-e ." in text


def test_installed_versions_match_the_pins():
    wrong = {}
    for name, version in pyproject_pins().items():
        installed = metadata.version(name).split("+")[0]
        if installed != version:
            wrong[name] = installed
    assert not wrong, f"installed versions differ from the pins: {wrong}"


def test_course_env_reads_the_same_pins():
    from course import env
    assert {k.lower(): v for k, v in pyproject_pins().items()} == env.pins()
