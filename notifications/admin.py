from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import Truncator

from notifications.delivery import actions as delivery_actions
from notifications.models import (
    ConversationMute,
    Delivery,
    DeliveryDailyStat,
    Notification,
    NotificationPreferences,
    PushSubscription,
)


class ReadFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "read"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", "Read"), ("no", "Unread")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        return queryset


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ("channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "recipient", "actor", "title", "created_at", "is_read")
    list_filter = ("type", ReadFilter, "created_at")
    search_fields = ("title", "recipient__username")
    list_select_related = ("recipient", "actor")
    raw_id_fields = ("recipient", "actor")
    readonly_fields = ("created_at",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    inlines = [DeliveryInline]
    actions = ["mark_read"]

    @admin.display(boolean=True, description="read")
    def is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None

    @admin.action(description="Mark selected notifications read")
    def mark_read(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = queryset.filter(read_at__isnull=True).update(read_at=timezone.now())
        self.message_user(request, f"Marked {count} notification(s) read.", messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Outbound deliveries; filter status=dead for the dead letters."""

    list_display = (
        "id",
        "channel",
        "status",
        "attempts",
        "recipient",
        "notification_type",
        "next_attempt_at",
        "updated_at",
        "error",
    )
    list_filter = ("status", "channel", "updated_at")
    search_fields = ("notification__recipient__username", "provider_message_id")
    list_select_related = ("notification__recipient",)
    raw_id_fields = ("notification",)
    readonly_fields = (
        "notification",
        "channel",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "provider_message_id",
        "created_at",
        "updated_at",
        "sent_at",
    )
    ordering = ("-updated_at", "-id")
    show_full_result_count = False
    actions = ["retry_selected", "discard_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="recipient", ordering="notification__recipient__username")
    def recipient(self, delivery: Delivery) -> str:
        return delivery.notification.recipient.username

    @admin.display(description="type")
    def notification_type(self, delivery: Delivery) -> str:
        return delivery.notification.type

    @admin.display(description="last error")
    def error(self, delivery: Delivery) -> str:
        lines = delivery.last_error.strip().splitlines()
        return Truncator(lines[-1] if lines else "").chars(80)

    @admin.action(description="Retry selected dead/skipped deliveries")
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = delivery_actions.retry_deliveries(deliveries=queryset.values_list("pk", flat=True))
        self.message_user(request, f"Requeued {count} delivery(ies).", messages.SUCCESS)

    @admin.action(description="Discard selected dead deliveries")
    def discard_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = delivery_actions.discard_deliveries(deliveries=queryset)
        self.message_user(request, f"Discarded {count} dead delivery(ies).", messages.SUCCESS)


@admin.register(DeliveryDailyStat)
class DeliveryDailyStatAdmin(admin.ModelAdmin):
    """Analytics: sent / failed attempts / dead / skipped per channel per day (UTC)."""

    list_display = ("day", "channel", "sent", "failed", "dead", "skipped")
    list_filter = ("channel", "day")
    ordering = ("-day", "channel")
    date_hierarchy = "day"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "short_endpoint", "created_at", "last_success_at")
    search_fields = ("user__username", "endpoint")
    list_select_related = ("user",)
    raw_id_fields = ("user",)

    @admin.display(description="endpoint")
    def short_endpoint(self, subscription: PushSubscription) -> str:
        return Truncator(subscription.endpoint).chars(60)


@admin.register(NotificationPreferences)
class NotificationPreferencesAdmin(admin.ModelAdmin):
    list_display = ("user", "time_zone", "quiet_hours_start", "quiet_hours_end", "updated_at")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(ConversationMute)
class ConversationMuteAdmin(admin.ModelAdmin):
    list_display = ("user", "conversation", "until", "created_at")
    search_fields = ("user__username",)
    list_select_related = ("user", "conversation")
    raw_id_fields = ("user", "conversation")
