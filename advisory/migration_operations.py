"""Migration operations for indexes on large tables.

On PostgreSQL `CREATE INDEX` holds a lock that blocks every write to the table while the index is
built — seconds to minutes on a table of millions of rows. These operations build and drop
indexes CONCURRENTLY there (the migration must say `atomic = False`, as PostgreSQL refuses
CONCURRENTLY inside a transaction) and behave exactly like `AddIndex` / `RemoveIndex` on other
databases (SQLite in development and tests). The migration state is the same as theirs, so
`makemigrations` sees no difference.

`CreateModels` applies several `CreateModel` operations as one (the squashed migrations). Django
re-renders the migration state after every operation, and a new model that points at the user
model re-renders every model related to it: about 0.3 s per model here, half a minute for an
app's squashed migration, paid by every new database (each test worker's included). Adding the
models' states together and rendering once gives the same state and the same tables.
"""

from __future__ import annotations

from django.db import migrations
from django.db.migrations.operations import AddIndex, RemoveIndex
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ModelState


def _concurrently(schema_editor) -> dict:
    return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}


class AddIndexOnline(AddIndex):
    """`AddIndex`, built without blocking writes on PostgreSQL (see the module docstring)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, **_concurrently(schema_editor))


class RemoveIndexOnline(RemoveIndex):
    """`RemoveIndex`, dropped without blocking writes on PostgreSQL (see the module docstring)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.remove_index(model, index, **_concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.add_index(model, index, **_concurrently(schema_editor))


class CreateModels(Operation):
    """The `CreateModel` operations given, in order: the same state and schema as applying them one
    by one (each table is created by `schema_editor.create_model`, foreign keys deferred to the
    end of the migration as usual), with the state re-rendered once."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, models: list[migrations.CreateModel]):
        if not all(isinstance(op, migrations.CreateModel) for op in models):
            raise TypeError("CreateModels takes CreateModel operations only")
        self.models = list(models)

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.models], {})

    def state_forwards(self, app_label, state):
        keys = []
        for op in self.models:
            key = (app_label, op.name_lower)
            state.models[key] = ModelState(
                app_label, op.name, list(op.fields), dict(op.options), tuple(op.bases), list(op.managers)
            )
            if state._relations is not None:
                state.resolve_model_relations(key)
            keys.append(key)
        state.reload_models(keys, delay=False)  # once for all (a no-op on an unrendered state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for op in self.models:
            op.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for op in reversed(self.models):
            op.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Create {len(self.models)} models ({', '.join(op.name for op in self.models)})"

    @property
    def migration_name_fragment(self):
        return "create_models"

    def references_model(self, name, app_label):
        return any(op.references_model(name, app_label) for op in self.models)

    def reduce(self, operation, app_label):
        return False  # written by hand in squashed migrations; nothing to optimise into it
