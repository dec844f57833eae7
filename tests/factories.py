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


# --- notifications --------------------------------------------------------------
# Notifications are normally made by the chat/groups receivers; these shape rows
# directly for the inbox, delivery and admin tests.


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.Notification"

    # No password: hashing one (Argon2) per row would make batches slow.
    recipient = factory.SubFactory(UserFactory, password=None)
    type = "message.new"
    title = factory.Faker("sentence", nb_words=4)
    body = factory.Faker("sentence")
    actor = None


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.Delivery"

    notification = factory.SubFactory(NotificationFactory)
    channel = "email"
    status = "pending"


class PushSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.PushSubscription"

    user = factory.SubFactory(UserFactory, password=None)
    endpoint = factory.Sequence(lambda n: f"https://push.example.com/send/{n}")
    p256dh = (
        "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
    )
    auth = "tBHItJI5svbpez7KI4CCXg"
