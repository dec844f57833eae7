"""Input validation and the documented output shapes of the groups API.

Output bodies are built by groups/events.py (the same dicts the `group.*` events
carry); the output serializers describe them for the OpenAPI schema.
"""

from django.conf import settings
from rest_framework import serializers

from config.api import MAX_ID, StrictCharField, UserRefSerializer
from groups.models import Group, Role

NAME_MAX = Group._meta.get_field("name").max_length
DESCRIPTION_MAX = Group._meta.get_field("description").max_length
AVATAR_MAX = Group._meta.get_field("avatar").max_length


def user_ids_field(*, allow_empty: bool) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=allow_empty,
        max_length=settings.GROUP_MAX_MEMBERS,
    )


# --- inputs ---------------------------------------------------------------------


class CreateGroupInput(serializers.Serializer):
    name = StrictCharField(max_length=NAME_MAX)
    description = StrictCharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)
    avatar = serializers.URLField(max_length=AVATAR_MAX, required=False, allow_blank=True)
    member_ids = user_ids_field(allow_empty=True)


class UpdateGroupInput(serializers.Serializer):
    name = StrictCharField(max_length=NAME_MAX, required=False)
    description = StrictCharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)
    avatar = serializers.URLField(max_length=AVATAR_MAX, required=False, allow_blank=True)


class AddMembersInput(serializers.Serializer):
    user_ids = user_ids_field(allow_empty=False)


class ChangeRoleInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


# --- outputs --------------------------------------------------------------------


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    avatar = serializers.CharField()
    created_by_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    member_count = serializers.IntegerField()
    my_role = serializers.CharField(help_text='The caller\'s role: "owner", "admin" or "member".')


class GroupPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = GroupSerializer(many=True)


class MemberSerializer(serializers.Serializer):
    user = UserRefSerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    joined_at = serializers.DateTimeField()


class GroupDetailSerializer(GroupSerializer):
    members = MemberSerializer(many=True, help_text="Owner first, then admins, then members.")


class AddMembersOutput(GroupDetailSerializer):
    added_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="Who was not a member before."
    )


class MemberPresenceSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    online = serializers.BooleanField()
    last_seen = serializers.DateTimeField(allow_null=True)


class GroupPresenceSerializer(serializers.Serializer):
    group_id = serializers.IntegerField()
    results = MemberPresenceSerializer(many=True)


class PresenceWatchSerializer(serializers.Serializer):
    group_id = serializers.IntegerField()
    expires_in = serializers.IntegerField(help_text="Seconds; renew before then.")
