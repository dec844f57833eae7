import factory

from accounts.models import User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted, **kwargs) -> None:
        if create:
            self.save(update_fields=["password"])


# --- chat and groups ----------------------------------------------------------
# Conversations and groups with their members are best made through the actions
# (chat.actions.get_or_create_direct_conversation, groups.actions.create_group);
# these factories cover rows the tests need to shape directly.


class MessageFactory(factory.django.DjangoModelFactory):
    """A message row as stored, without the send action's side effects (unread, events)."""

    class Meta:
        model = "chat.Message"

    conversation = None
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence")
    client_id = factory.Faker("uuid4", cast_to=None)
