"""Full-text search over message bodies (PostgreSQL only; SQLite searches with LIKE).

A stored generated column keeps the tsvector in step with every insert and edit without
any code on the write path; the GIN index serves `search_vector @@ websearch_to_tsquery(...)`.
The text search configuration is fixed here because a generated column needs an immutable
expression; chat/search.py uses the same one for queries and highlights.
"""

from django.db import migrations

SEARCH_CONFIG = "english"


def add_search_vector(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE chat_message ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS (to_tsvector('{SEARCH_CONFIG}'::regconfig, body)) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX message_search_vector ON chat_message USING GIN (search_vector)"
    )


def drop_search_vector(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS message_search_vector")
    schema_editor.execute("ALTER TABLE chat_message DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("chat", "0003_chat_essentials")]

    operations = [migrations.RunPython(add_search_vector, drop_search_vector)]
