"""A text translated when a module is imported stays in the language of that moment (English)
for every reader: labels in module-level tables and class bodies must use gettext_lazy."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["advisory", "clients", "risk", "planning", "complaints", "audit", "control"]
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def _eager_calls_at_import(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue  # runs when called, in the reader's language
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id in names:
                found.append(f"{path.relative_to(ROOT)}:{child.lineno}: {ast.unparse(child)[:70]}")
            visit(child)

    if names:
        visit(tree)
    return found


def test_no_text_is_translated_when_a_module_is_imported():
    found = [
        hit
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for hit in _eager_calls_at_import(path)
    ]
    assert not found, "use gettext_lazy for texts defined at import time:\n" + "\n".join(found)
