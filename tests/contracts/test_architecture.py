"""Structural rules of the project, checked from the files themselves (no database).

- observatory_core is framework-free: it never imports Django (nor the Django project).
- Every shipped data file says where its content comes from.
- Every Django app has an apps.py and is installed.
- `make run` and `make test` are the two documented commands.
- Every dependency is pinned exactly.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
CORE = SRC / "observatory_core"
PROJECT = SRC / "observatory"
DATA = CORE / "data"

CORE_FILES = sorted(CORE.rglob("*.py"))
CORE_MODULES = sorted(
    ".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")
    for p in CORE_FILES)
FORBIDDEN_ROOTS = {"django", "ninja", "rules", "crispy_forms", "crispy_forms_gds",
                   "django_tasks", "django_tasks_db", "whitenoise", "observatory",
                   "observatory_demo"}  # the fictional corpus is not core (issue 11.9)


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import anywhere in the file, including inside functions,
    plus importlib.import_module("...") / __import__("...") with a literal name."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def test_core_modules_found():
    assert len(CORE_FILES) >= 5, f"observatory_core looks empty: {CORE_FILES}"


@pytest.mark.parametrize("path", CORE_FILES, ids=[str(p.relative_to(SRC)) for p in CORE_FILES])
def test_core_never_imports_django(path):
    bad = [f"line {line}: {module}" for line, module in _imported_modules(path)
           if module.split(".")[0] in FORBIDDEN_ROOTS]
    assert not bad, f"{path.relative_to(ROOT)} imports framework code: {bad}"


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_imports_without_django(module):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    code = (f"import {module}, sys; "
            "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'));"
            " assert not loaded, loaded")
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"importing {module} loaded Django:\n{result.stderr}"


# -- data files cite their sources ----------------------------------------------------------
DATA_FILES = sorted(p for p in DATA.rglob("*") if p.is_file()
                    and not p.name.endswith(".SOURCE.md"))


def test_data_files_found():
    assert any(p.suffix == ".toml" for p in (DATA / "vocab").iterdir())


@pytest.mark.parametrize("path", DATA_FILES, ids=[str(p.relative_to(DATA)) for p in DATA_FILES])
def test_every_data_file_cites_a_source(path):
    if path.suffix == ".toml":
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        source = data.get("source")
        assert isinstance(source, str) and len(source.strip()) >= 10, (
            f"{path.relative_to(ROOT)} has no top-level `source` citing where it comes from")
    else:
        note = path.with_name(f"{path.stem}.SOURCE.md")
        assert note.is_file(), (
            f"{path.relative_to(ROOT)} needs {note.name} describing its source and licence")
        text = note.read_text(encoding="utf-8")
        assert re.search(r"(?i)\bsources?\b", text) and re.search(r"(?i)licen[cs]e", text), (
            f"{note.relative_to(ROOT)} does not state the source and licence")


def test_no_rule_is_written_against_the_demo_corpus():
    """Ingestion rules answer to real documents (the gold sets), not to the fictional corpus
    made to exercise them: no rule file names it, and the core does not import it."""
    mentions = [str(p.relative_to(DATA)) for p in DATA_FILES
                if p.suffix in (".toml", ".csv", ".md")
                and re.search(r"(?i)\bdemo\b|observatory_demo", p.read_text(encoding="utf-8"))]
    assert mentions == []
    assert not (CORE / "demo.py").exists()


def test_every_vocabulary_file_is_a_vocabulary_with_terms():
    for path in sorted((DATA / "vocab").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert data.get("key") == path.stem, f"{path.name}: key does not match the file name"
        assert data.get("terms"), f"{path.name}: no terms"


# -- Django apps ----------------------------------------------------------------------------
APPS = sorted(p.parent for p in PROJECT.glob("*/__init__.py"))


def test_apps_found():
    assert {p.name for p in APPS} >= {"web", "audit", "accounts", "vocabularies", "repository"}


@pytest.mark.parametrize("app", APPS, ids=[p.name for p in APPS])
def test_every_app_has_apps_py_and_is_installed(app, settings):
    apps_py = app / "apps.py"
    assert apps_py.is_file(), f"{app.relative_to(ROOT)} has no apps.py"
    dotted = f"observatory.{app.name}"
    tree = ast.parse(apps_py.read_text(encoding="utf-8"))
    names = [node.value.value for node in ast.walk(tree)
             if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
             and any(isinstance(t, ast.Name) and t.id == "name" for t in node.targets)]
    assert names == [dotted], f"{apps_py.relative_to(ROOT)}: AppConfig.name should be {dotted!r}"
    installed = set(settings.INSTALLED_APPS)
    assert dotted in installed or any(a.startswith(f"{dotted}.apps.") for a in installed), (
        f"{dotted} is not in INSTALLED_APPS")


def test_every_installed_project_app_exists(settings):
    for app in settings.INSTALLED_APPS:
        if app.startswith("observatory."):
            folder = PROJECT / app.split(".")[1]
            assert (folder / "__init__.py").is_file(), f"INSTALLED_APPS names missing {app}"


# -- the two commands -----------------------------------------------------------------------
def test_makefile_has_run_and_test_targets():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, re.M))
    assert {"run", "test"} <= targets, f"Makefile targets: {sorted(targets)}"
    phony = re.search(r"^\.PHONY\s*:(.*)$", text, re.M)
    assert phony and {"run", "test"} <= set(phony.group(1).split()), (
        "run and test should be .PHONY (they are commands, not files)")


def test_readme_starts_with_make_run_and_make_test():
    readme = ROOT / "README.md"
    if not readme.is_file():
        pytest.skip("README.md does not exist yet (it is being written)")
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", readme.read_text(encoding="utf-8"),
                        re.M | re.S)
    # Shell prompts ("$ ") and trailing comments are not part of a command.
    commands = [re.sub(r"\s+#.*$", "", line.strip().removeprefix("$ ")).strip()
                for block in blocks for line in block.splitlines()
                if line.strip() and not line.strip().startswith("#")]
    assert commands[:2] == ["make run", "make test"], (
        f"README.md's first commands are {commands[:2]}")


# -- pinned dependencies --------------------------------------------------------------------
REQUIREMENTS = sorted(ROOT.glob("requirements*.txt"))
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9_,.-]+\])?==[A-Za-z0-9.+!-]+"
                 r"(\s*;.*)?(\s+--hash=\S+)*$")


def test_requirements_files_found():
    assert ROOT / "requirements.txt" in REQUIREMENTS


@pytest.mark.parametrize("path", REQUIREMENTS, ids=[p.name for p in REQUIREMENTS])
def test_requirements_pinned(path):
    loose = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "-c ")):
            assert (path.parent / line.split(maxsplit=1)[1]).is_file(), f"{path.name}: {line}"
            continue
        if not PIN.match(line):
            loose.append(f"line {number}: {raw}")
    assert not loose, f"{path.name} has unpinned dependencies: {loose}"


def test_analysis_reads_coded_data_only_through_the_coding_apps_counting_api():
    """Which codes count is the coding app's rule: the analysis app imports it from
    ``coding.counting`` and never reaches into coding's tables by name (``get_model``) or
    its other modules."""
    problems = []
    for path in sorted((PROJECT / "analysis").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"get_model\(\s*['\"]coding['\"]", text):
            problems.append(f"{path.name}: get_model('coding', ...)")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and (
                    node.module.startswith("coding") and node.level >= 2
                    or node.module.startswith("observatory.coding")) and node.module not in (
                    "coding.counting", "observatory.coding.counting"):
                problems.append(f"{path.name}:{node.lineno} imports {node.module}")
    assert not problems, problems
