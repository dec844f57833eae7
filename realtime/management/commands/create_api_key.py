from django.core.management.base import BaseCommand, CommandParser

from realtime import actions


class Command(BaseCommand):
    help = "Issue an API key for a server-to-server topic publisher. The key is shown once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Who the key is for, e.g. 'billing-service'")

    def handle(self, *args, name: str, **options) -> None:
        api_key, raw_key = actions.create_api_key(name=name)
        self.stdout.write(f"API key for {api_key.name} (prefix {api_key.prefix}):")
        self.stdout.write(raw_key)
        self.stderr.write("Store it now: only its hash is kept. Revoke it in the admin.")
