from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from accounts.models import User


class UserSerializer(serializers.ModelSerializer):
    """A user as other people see them; `online` comes from the presence map in context."""

    online = serializers.SerializerMethodField()
    initials = serializers.CharField(read_only=True)
    avatar_url = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "initials",
            "avatar_colour",
            "avatar_url",
            "online",
            "last_seen",
        ]
        read_only_fields = fields

    def get_online(self, user: User) -> bool:
        return user.pk in self.context.get("online_ids", ())


class MeSerializer(serializers.ModelSerializer):
    initials = serializers.CharField(read_only=True)
    avatar_url = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id", "username", "display_name", "email", "initials", "avatar_colour", "avatar_url",
            "send_read_receipts", "last_seen", "date_joined", "is_staff",
        ]  # fmt: skip
        read_only_fields = [
            "id", "username", "initials", "avatar_colour", "avatar_url", "send_read_receipts",
            "last_seen", "date_joined", "is_staff",
        ]  # fmt: skip


class SignupInput(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        error_messages={"invalid": "Letters, digits and @/./+/-/_ only."},
    )
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    display_name = serializers.CharField(
        required=False, allow_blank=True, max_length=80, default=""
    )


class LoginInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class RefreshInput(serializers.Serializer):
    refresh = serializers.CharField()


class RefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh (rotation, blacklisting), where the token of a deleted user is
    refused like a deactivated user's: simplejwt looks the user up with `.get()`, so it
    would raise DoesNotExist, a 500."""

    def validate(self, attrs: dict) -> dict:
        try:
            return super().validate(attrs)
        except User.DoesNotExist as exc:
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from exc


class LogoutInput(serializers.Serializer):
    refresh = serializers.CharField(
        required=False, help_text="The refresh token to end; optional with `all: true`."
    )
    all = serializers.BooleanField(
        required=False, default=False, help_text="End every token and session of the user."
    )


class PasswordChangeInput(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)
    refresh = serializers.CharField(
        required=False,
        help_text=(
            "This device's refresh token, to keep it working (the others end). The device "
            "that logged in is kept without it; this is for a token from before device ids."
        ),
    )


class PasswordResetInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class AccountDeleteInput(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class AvatarInput(serializers.Serializer):
    file = serializers.FileField(help_text="A JPEG, PNG, GIF or WebP picture.")


class UserSearchQuery(serializers.Serializer):
    # A CharField, so a NUL byte (which PostgreSQL cannot compare as text) is a 400.
    search = serializers.CharField(required=False, allow_blank=True, default="")


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class AuthOutput(TokenPairOutput):
    user = MeSerializer()


def access_lifetime_seconds() -> int:
    return int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds())
