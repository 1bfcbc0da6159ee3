"""Migration operations for indexes on large tables.

On PostgreSQL `CREATE INDEX` holds a lock that blocks every write to the table while the index is
built — seconds to minutes on a table of millions of rows. These operations build and drop
indexes CONCURRENTLY there (the migration must say `atomic = False`, as PostgreSQL refuses
CONCURRENTLY inside a transaction) and behave exactly like `AddIndex` / `RemoveIndex` on other
databases (SQLite in development and tests). The migration state is the same as theirs, so
`makemigrations` sees no difference.
"""

from __future__ import annotations

from django.db.migrations.operations import AddIndex, RemoveIndex


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
