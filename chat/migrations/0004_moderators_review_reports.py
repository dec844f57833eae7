"""Moderators work the report queue: view and change message reports."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATORS = "Moderators"


def grant(apps, schema_editor) -> None:
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name=MODERATORS)
    moderators.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="chat",
            codename__in=["view_messagereport", "change_messagereport"],
        )
    )


def revoke(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators = Group.objects.filter(name=MODERATORS).first()
    if moderators is not None:
        moderators.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="chat", content_type__model="messagereport"
            )
        )


class Migration(migrations.Migration):
    dependencies = [("chat", "0003_reports_and_blocked_conversations")]

    operations = [migrations.RunPython(grant, revoke)]
