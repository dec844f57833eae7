"""Every pytest fixture is defined in one place, so a reader finds `carol` or `team` once.

A fixture shared by several packages lives in tests/conftest.py; one used by a single
package lives in that package's conftest.py. Two different things never share a name.
"""

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _is_fixture(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr == "fixture"
    return isinstance(target, ast.Name) and target.id == "fixture"


def _fixture_name(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The name tests ask for: the function's, or `@pytest.fixture(name=...)`'s."""
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and _is_fixture(decorator):
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return keyword.value.value
    return function.name


def fixtures_defined_more_than_once(sources: dict[str, str]) -> dict[str, list[str]]:
    """Fixture name -> the files defining it, for names defined in more than one file."""
    defined_in: dict[str, list[str]] = defaultdict(list)
    for path, source in sources.items():
        for node in ast.walk(ast.parse(source, filename=path)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                _is_fixture(decorator) for decorator in node.decorator_list
            ):
                defined_in[_fixture_name(node)].append(path)
    return {name: paths for name, paths in defined_in.items() if len(paths) > 1}


def test_no_fixture_name_is_defined_twice_under_tests():
    sources = {
        str(path.relative_to(TESTS.parent)): path.read_text()
        for path in sorted(TESTS.rglob("*.py"))
    }
    assert fixtures_defined_more_than_once(sources) == {}, (
        "define each fixture once: in tests/conftest.py when several packages use it, in "
        "the package's conftest.py when one does; rename it if they are different things"
    )


def test_the_check_sees_a_fixture_copied_into_another_file():
    copied = "import pytest\n\n@pytest.fixture\ndef carol(db):\n    return 'carol'\n"
    renamed = "from pytest import fixture\n\n@fixture(name='carol')\ndef other(db):\n    pass\n"
    assert fixtures_defined_more_than_once({"a.py": copied, "b.py": copied}) == {
        "carol": ["a.py", "b.py"]
    }
    assert fixtures_defined_more_than_once({"a.py": copied, "b.py": renamed}) == {
        "carol": ["a.py", "b.py"]
    }
    assert fixtures_defined_more_than_once({"a.py": copied}) == {}
