from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """The deploy commands (check_deploy, wait_for_db, migrate_locked): they touch no app's
    data, so they live with the settings they check rather than in a domain app."""

    name = "config.operations"
    label = "operations"
