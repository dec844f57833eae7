from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from realtime import actions
from realtime.models import ApiKey, StoredEvent, Topic, TopicSubscription


class TopicSubscriptionInline(admin.TabularInline):
    model = TopicSubscription
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "is_public", "description", "created_at")
    list_filter = ("is_public",)
    search_fields = ("name", "description")
    inlines = [TopicSubscriptionInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued with `manage.py create_api_key` (the raw key is shown once there)."""

    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "hashed_key", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for api_key in queryset:
            actions.revoke_api_key(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)


@admin.register(StoredEvent)
class StoredEventAdmin(admin.ModelAdmin):
    """The replay log, read-only: for moderators tracing what a client was sent."""

    list_display = ("channel", "seq", "type", "created_at")
    list_filter = ("type",)
    search_fields = ("=channel",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
