"""`CreateModels` (advisory/migration_operations.py): the squashed migrations' models, created in
one step, give the same migration state as Django's `CreateModel` one by one."""

from __future__ import annotations

import importlib

import pytest
from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from advisory.migration_operations import CreateModels

SQUASHED = ["clients", "risk", "planning", "complaints"]


def _state_before(app: str) -> ProjectState:
    """The state the squash starts from: its dependencies migrated, nothing of the app yet."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return loader.project_state((app, "0001_squashed"), at_end=False)


def _groups(app: str) -> list[CreateModels]:
    module = importlib.import_module(f"{app}.migrations.0001_squashed")
    grouped = [op for op in module.Migration.operations if isinstance(op, CreateModels)]
    assert grouped, f"{app}'s squash creates its models with CreateModels"
    return grouped


@pytest.mark.parametrize("app", SQUASHED)
def test_the_squash_gives_the_same_model_states_as_creating_each_model_on_its_own(app):
    # given the state the app's squash starts from
    batched = _state_before(app)
    one_by_one = batched.clone()
    # when its models are added in one step, and one by one
    for group in _groups(app):
        group.state_forwards(app, batched)
        for op in group.models:
            op.state_forwards(app, one_by_one)
    # then the model states are equal
    assert batched.models == one_by_one.models


def test_a_rendered_state_is_reloaded_once_with_the_same_models():
    # given a rendered state (as during `migrate`) before planning's squash
    app = "planning"
    batched = _state_before(app)
    one_by_one = batched.clone()
    batched.apps, one_by_one.apps  # noqa: B018 - render both
    # when the models are added in one step, and one by one
    for group in _groups(app):
        group.state_forwards(app, batched)
        for op in group.models:
            op.state_forwards(app, one_by_one)
    # then each rendered model has the same columns and the same models pointing at it
    for op in (op for group in _groups(app) for op in group.models):
        a, b = batched.apps.get_model(app, op.name), one_by_one.apps.get_model(app, op.name)
        assert [f.deconstruct()[1:] for f in a._meta.concrete_fields] == [
            f.deconstruct()[1:] for f in b._meta.concrete_fields
        ]
        assert {r.related_model._meta.label_lower for r in a._meta.related_objects} == {
            r.related_model._meta.label_lower for r in b._meta.related_objects
        }
    # and the user model knows the new models' references to it, in both
    users = [s.apps.get_model("advisory", "User") for s in (batched, one_by_one)]
    assert {r.related_model._meta.label_lower for r in users[0]._meta.related_objects} == {
        r.related_model._meta.label_lower for r in users[1]._meta.related_objects
    }


def test_only_create_model_operations_are_accepted():
    with pytest.raises(TypeError, match="CreateModel operations only"):
        CreateModels([migrations.AddField(model_name="x", name="y", field=None)])


def test_it_describes_itself_and_is_not_optimised_away():
    op = CreateModels(
        [migrations.CreateModel(name="A", fields=[]), migrations.CreateModel(name="B", fields=[])]
    )
    assert op.describe() == "Create 2 models (A, B)"
    assert op.references_model("a", "x") and not op.references_model("c", "x")
    assert op.reduce(migrations.DeleteModel(name="A"), "x") is False
    assert op.deconstruct()[0] == "CreateModels"
