"""The "Moderators" auth group: view and change conversations, messages, groups and users.

Staff users in this group can read conversations and soft-delete or restore
messages in the admin; they cannot delete rows outright. Other apps may add
their own permissions to the same group.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATORS = "Moderators"
MODELS = [
    ("chat", "conversation"),
    ("chat", "membership"),
    ("chat", "message"),
    ("chat", "messagereceipt"),
    ("groups", "group"),
    ("accounts", "user"),
]


def create_moderators(apps, schema_editor) -> None:
    # Permissions are normally made after all migrations ran; make them now.
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions needs.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name=MODERATORS)
    codenames = [
        (app_label, f"{action}_{model}")
        for app_label, model in MODELS
        for action in ("view", "change")
    ]
    for app_label, codename in codenames:
        permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
        moderators.permissions.add(permission)


def remove_moderators(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators = Group.objects.filter(name=MODERATORS).first()
    if moderators is None:
        return
    for app_label, model in MODELS:
        moderators.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label, content_type__model=model)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
        ("groups", "0001_initial"),
        ("accounts", "0002_user_send_read_receipts"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
