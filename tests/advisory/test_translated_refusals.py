"""A refusal is read by the person who tried the action (advisory/forms.py puts exc.message on
the form, the API returns it as is), so its text must be translated: a raised DomainError,
Conflict, NotAllowed, NotFound, ValidationError or PermissionDenied takes a gettext call, never
a bare English literal or an f-string, and every such message has its Chinese translations."""

import ast
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
EXCLUDED_DIRS = {".venv", "tests", "migrations", "bench", "scripts", "node_modules", ".git"}
BASE_REFUSALS = {"DomainError", "Conflict", "NotAllowed", "NotFound", "ValidationError", "PermissionDenied"}
GETTEXT = {
    "_",
    "gettext",
    "gettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
LANGUAGES = ["zh_Hans", "zh_Hant"]

# being changed in parallel; translated next. Files (as "app/module.py") whose bare refusals are
# tolerated for now. Empty: none of the files under parallel edit (clients/services.py,
# clients/due_diligence.py, risk/services/*.py, complaints/services/*.py, complaints/feedback.py,
# audit/disposal.py, planning/services/proposals.py, advisory/admin_locking.py) had one when the
# scan was written.
KNOWN_PENDING: set[str] = set()


def _product_files() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not EXCLUDED_DIRS.intersection(path.relative_to(ROOT).parts[:-1])
    )


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):  # exceptions.ValidationError, serializers.ValidationError
        return func.attr
    return None


def _messages(call: ast.Call) -> list[ast.expr]:
    """The texts the reader gets: the first positional argument, else detail= or message=, and
    fields=; a dict or list of texts (ValidationError({"field": ["..."]})) counts text by text."""
    found = list(call.args[:1])
    for keyword in call.keywords:
        if (keyword.arg in {"detail", "message"} and not call.args) or keyword.arg == "fields":
            found.append(keyword.value)
    leaves = []
    while found:
        node = found.pop(0)
        if isinstance(node, ast.Dict):
            found.extend(node.values)  # the keys are field names
        elif isinstance(node, ast.List | ast.Tuple):
            found.extend(node.elts)
        else:
            leaves.append(node)
    return leaves


def _is_literal(node: ast.expr) -> bool:
    """A text the reader gets in English: a string constant, an f-string, or either one
    %-formatted, concatenated or .format()ted."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _is_literal(node.left) or (isinstance(node.op, ast.Add) and _is_literal(node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _is_literal(node.func.value)
    return False


def _gettext_call(node: ast.expr) -> ast.Call | None:
    """The gettext call producing the message, looking through `% {...}` formatting."""
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        node = node.left
    if isinstance(node, ast.Call) and _name(node.func) in GETTEXT:
        return node
    return None


def _refusal_names() -> set[str]:
    """The refusal classes and the product's subclasses of them (RetentionConflict, Locked, ...)."""
    bases: dict[str, set[str]] = {}
    for path in _product_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(filter(None, map(_name, node.bases)))
    names = set(BASE_REFUSALS)
    while grown := {name for name, parents in bases.items() if parents & names} - names:
        names |= grown
    return names


REFUSALS = _refusal_names()


def _raises(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call)
            and _name(node.exc.func) in REFUSALS
        ):
            for message in _messages(node.exc):
                yield node, message


def _offenders() -> list[tuple[str, int, str]]:
    """(file, line, text) of every refusal raised with an untranslated text."""
    found = []
    for path in _product_files():
        relative = path.relative_to(ROOT).as_posix()
        for node, message in _raises(path):
            if _is_literal(message):
                found.append((relative, node.lineno, ast.unparse(message)[:90]))
    return found


def _translated_msgids() -> list[tuple[str, str, str | None]]:
    """(file:line, msgid, msgctxt) of every constant text given to gettext in a raise."""
    found = []
    for path in _product_files():
        relative = path.relative_to(ROOT).as_posix()
        for node, message in _raises(path):
            call = _gettext_call(message)
            if call is None:
                continue
            name = _name(call.func)
            args = call.args
            context = None
            if name.startswith(("pgettext", "npgettext")) and args:
                context = args[0].value if isinstance(args[0], ast.Constant) else None
                args = args[1:]
            if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
                found.append((f"{relative}:{node.lineno}", args[0].value, context))
    return found


def test_the_scan_recognises_a_bare_refusal():
    sample = ast.parse(
        'raise Conflict("A closed action cannot be changed.")\n'
        'raise NotFound(f"No client {number}.")\n'
        'raise ValidationError(detail="Bad.")\n'
        'raise Conflict(_("Translated."))\n'
        'raise Conflict(_("No client %(n)s.") % {"n": 1})\n'
        'raise ValidationError({"month": ["Use YYYY-MM."]})\n'
        'raise ValidationError({"month": [_("Use YYYY-MM.")]})\n'
        'raise DomainError("Check the filters: " + problems)\n'
    )
    verdicts = [any(_is_literal(m) for m in _messages(node.exc)) for node in sample.body]
    assert verdicts == [True, True, True, False, False, True, False, True]


def test_every_refusal_is_translated():
    found = [f"{path}:{line}: {text}" for path, line, text in _offenders() if path not in KNOWN_PENDING]
    assert not found, "wrap these refusals in gettext (_(...)):\n" + "\n".join(found)


def test_known_pending_files_still_exist():
    missing = [name for name in KNOWN_PENDING if not (ROOT / name).exists()]
    assert not missing, missing


def test_every_translated_refusal_has_its_chinese_translations():
    catalogs = {
        language: polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))
        for language in LANGUAGES
    }
    missing = []
    for where, msgid, context in _translated_msgids():
        for language, catalog in catalogs.items():
            entry = catalog.find(msgid, msgctxt=context) if context else catalog.find(msgid)
            if entry is None or not entry.msgstr.strip() or entry.fuzzy or entry.obsolete:
                missing.append(f"{where}: {language}: {msgid!r}")
    assert not missing, "translate these refusals in locale/*/LC_MESSAGES/django.po:\n" + "\n".join(missing)
