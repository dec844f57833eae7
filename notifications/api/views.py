"""The notification inbox, preferences and push subscriptions (API.md, "Notifications")."""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from notifications import actions, selectors
from notifications.api.serializers import (
    CountSerializer,
    InboxQuery,
    NotificationSerializer,
    PreferencesInput,
    PreferencesSerializer,
    PushConfigSerializer,
    PushSubscriptionInput,
    PushSubscriptionSerializer,
    PushUnsubscribeInput,
    ReadAllInput,
)
from notifications.errors import InvalidPreferences
from notifications.models import NotificationType
from notifications.preferences import merged_channels

TAGS = ["notifications"]


class NotificationListView(generics.ListAPIView):
    serializer_class = NotificationSerializer

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("unread", bool, description="1: only unread notifications"),
            OpenApiParameter(
                "type",
                str,
                many=True,
                enum=NotificationType.values,
                description="only these types (repeat the parameter or separate by commas)",
            ),
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        types = [kind for value in params.getlist("type") for kind in value.split(",") if kind]
        query = InboxQuery(data={"unread": params.get("unread", "0"), "type": types})
        query.is_valid(raise_exception=True)
        return selectors.inbox(
            user_id=self.request.user.pk,
            unread_only=query.validated_data["unread"],
            types=query.validated_data.get("type"),
        )


class UnreadCountView(APIView):
    @extend_schema(tags=TAGS, responses=CountSerializer)
    def get(self, request: Request) -> Response:
        return Response({"count": selectors.unread_count(user_id=request.user.pk)})


class NotificationReadView(APIView):
    @extend_schema(tags=TAGS, request=None, responses=NotificationSerializer)
    def post(self, request: Request, pk: int) -> Response:
        notification = actions.mark_read(user=request.user, notification_id=pk)
        return Response(NotificationSerializer(notification).data)


class ReadAllView(APIView):
    @extend_schema(
        tags=TAGS,
        request=ReadAllInput,
        responses=CountSerializer,
        description="Marks the caller's unread notifications read (optionally only one "
        "conversation's or some types'); `count` is how many changed.",
    )
    def post(self, request: Request) -> Response:
        data = ReadAllInput(data=request.data or {})
        data.is_valid(raise_exception=True)
        count = actions.mark_all_read(
            user=request.user,
            conversation_id=data.validated_data.get("conversation_id"),
            types=data.validated_data.get("type"),
        )
        return Response({"count": count})


class NotificationDetailView(APIView):
    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        actions.delete_notification(user=request.user, notification_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def preferences_data(user: User) -> dict:
    stored = selectors.preferences_of(user_id=user.pk)
    quiet = None
    if stored.quiet_hours_start is not None and stored.quiet_hours_end is not None:
        quiet = {"start": stored.quiet_hours_start, "end": stored.quiet_hours_end}
    mutes = selectors.active_mutes(user_id=user.pk, now=timezone.now())
    return PreferencesSerializer(
        {
            "channels": merged_channels(stored.channels),
            "mutes": [{"conversation_id": m.conversation_id, "until": m.until} for m in mutes],
            "quiet_hours": quiet,
            "time_zone": stored.time_zone,
            "sms_number": stored.sms_number,
            "send_read_receipts": user.send_read_receipts,
        }
    ).data


class PreferencesView(APIView):
    @extend_schema(tags=TAGS, responses=PreferencesSerializer)
    def get(self, request: Request) -> Response:
        return Response(preferences_data(request.user))

    @extend_schema(tags=TAGS, request=PreferencesInput, responses=PreferencesSerializer)
    def put(self, request: Request) -> Response:
        data = PreferencesInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "quiet_hours" in changes:
            quiet = changes["quiet_hours"]
            changes["quiet_hours"] = (quiet["start"], quiet["end"]) if quiet else None
        if "mutes" in changes:
            changes["mutes"] = [
                actions.Mute(conversation_id=m["conversation_id"], until=m["until"])
                for m in changes["mutes"]
            ]
        try:
            actions.update_preferences(user=request.user, **changes)
        except InvalidPreferences as exc:
            raise serializers.ValidationError(exc.fields) from exc
        return Response(preferences_data(request.user))


class PushConfigView(APIView):
    @extend_schema(
        tags=TAGS,
        responses=PushConfigSerializer,
        description="The VAPID public key: applicationServerKey for pushManager.subscribe().",
    )
    def get(self, request: Request) -> Response:
        key = settings.VAPID_PUBLIC_KEY
        return Response(
            {"enabled": bool(key and settings.VAPID_PRIVATE_KEY), "vapid_public_key": key}
        )


class PushSubscriptionListView(APIView):
    @extend_schema(tags=TAGS, responses=PushSubscriptionSerializer(many=True))
    def get(self, request: Request) -> Response:
        subscriptions = selectors.push_subscriptions(user_id=request.user.pk)
        return Response(PushSubscriptionSerializer(subscriptions, many=True).data)

    @extend_schema(
        tags=TAGS,
        request=PushSubscriptionInput,
        responses={201: PushSubscriptionSerializer, 200: PushSubscriptionSerializer},
        description="Register this browser (PushSubscription.toJSON()); 200 when known.",
    )
    def post(self, request: Request) -> Response:
        data = PushSubscriptionInput(data=request.data)
        data.is_valid(raise_exception=True)
        subscription, created = actions.register_push_subscription(
            user=request.user,
            endpoint=data.validated_data["endpoint"],
            p256dh=data.validated_data["keys"]["p256dh"],
            auth=data.validated_data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(
            PushSubscriptionSerializer(subscription).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        tags=TAGS,
        request=PushUnsubscribeInput,
        responses={204: None},
        operation_id="notifications_push_subscriptions_unsubscribe",
        description="Forget this browser's subscription by its endpoint.",
    )
    def delete(self, request: Request) -> Response:
        data = PushUnsubscribeInput(data=request.data)
        data.is_valid(raise_exception=True)
        actions.unregister_push_subscription(
            user=request.user, endpoint=data.validated_data["endpoint"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PushSubscriptionDetailView(APIView):
    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        actions.unregister_push_subscription(user=request.user, subscription_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
