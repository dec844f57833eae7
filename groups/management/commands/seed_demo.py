import uuid

from django.core.management.base import BaseCommand

from accounts.models import User
from chat import actions as chat_actions
from chat.models import Conversation
from groups import actions as group_actions
from groups.models import Group

DEMO_PASSWORD = "parley-demo-2026"  # noqa: S105 - printed for the quick start on purpose
DEMO_USERS = [("alice", "Alice Liddell"), ("bob", "Bob Marley")]
DEMO_GROUP = "Parley team"

# (author, body): the same client ids on every run keep the seed idempotent.
DIRECT_MESSAGES = [
    ("alice", "Hi Bob! Welcome to Parley."),
    ("bob", "Hey Alice, thanks! Messages arrive instantly here."),
    ("alice", "Try opening a second tab: receipts and typing show up live."),
]
GROUP_MESSAGES = [
    ("alice", "Welcome to the Parley team group."),
    ("bob", "Glad to be here!"),
]
SEED_NAMESPACE = uuid.UUID("6f1c1d7e-2f0a-4d36-9a51-5d0c2b6f3a10")


class Command(BaseCommand):
    help = (
        "Create the demo users (alice, bob), a conversation between them and the "
        f'"{DEMO_GROUP}" group for the quick start; safe to run again.'
    )

    def handle(self, *args, **options) -> None:
        users = {}
        for username, display_name in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"display_name": display_name}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users[username] = user
            self.stdout.write(f"{'created' if created else 'exists '}  {username}")
        self._seed_conversations(users["alice"], users["bob"])
        self.stdout.write(self.style.SUCCESS(f"Demo logins: alice / bob, password {DEMO_PASSWORD}"))

    def _seed_conversations(self, alice: User, bob: User) -> None:
        # Through the actions, as the app itself would: unread counts and events included.
        users = {"alice": alice, "bob": bob}
        direct, _ = chat_actions.get_or_create_direct_conversation(user=alice, other_id=bob.pk)
        self._send(direct, DIRECT_MESSAGES, users, "direct")
        group = Group.objects.filter(name=DEMO_GROUP, created_by=alice).first()
        if group is None:
            group = group_actions.create_group(
                creator=alice,
                name=DEMO_GROUP,
                description="Everyone working on Parley.",
                member_ids=[bob.pk],
            )
        self._send(group.conversation, GROUP_MESSAGES, users, "group")
        self.stdout.write(f"ready    conversation alice-bob, group {DEMO_GROUP!r}")

    def _send(self, conversation: Conversation, messages: list, users: dict, label: str) -> None:
        for index, (author, body) in enumerate(messages):
            chat_actions.send_message(
                author=users[author],
                conversation_id=conversation.pk,
                body=body,
                client_id=uuid.uuid5(SEED_NAMESPACE, f"{label}-{index}"),
            )
