from django.core.management.base import BaseCommand

from accounts.models import User

DEMO_PASSWORD = "parley-demo-2026"  # noqa: S105 - printed for the quick start on purpose
DEMO_USERS = [("alice", "Alice Liddell"), ("bob", "Bob Marley")]


class Command(BaseCommand):
    help = "Create the demo users (alice, bob) for the quick start; safe to run again."

    def handle(self, *args, **options) -> None:
        for username, display_name in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"display_name": display_name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            self.stdout.write(f"{'created' if created else 'exists '}  {username}")
        self.stdout.write(self.style.SUCCESS(f"Demo logins: alice / bob, password {DEMO_PASSWORD}"))
