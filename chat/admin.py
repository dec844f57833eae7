"""The moderators' view of chat: conversations with their members, messages with receipts.

Rows are read-only here: every change a moderator makes goes through chat.actions
(soft delete, restore), so members' clients hear of it like any other change.
"""

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from chat import actions
from chat.actions import reports
from chat.models import Conversation, Membership, Message, MessageReceipt, MessageReport


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = (
        "user", "role", "joined_at", "left_at", "removed_by", "unread_count",
        "last_delivered_message_id", "last_read_message_id",
    )  # fmt: skip
    readonly_fields = fields
    ordering = ("left_at", "joined_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user", "removed_by")


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "title", "member_count", "last_message_at", "created_at")
    list_filter = ("kind", ("last_message_at", admin.DateFieldListFilter))
    search_fields = ("=id", "group__name", "memberships__user__username")
    list_select_related = ("group",)
    readonly_fields = (
        "kind",
        "direct_key",
        "created_at",
        "last_message_at",
        "last_message",
        "messages_link",
    )
    fields = readonly_fields
    inlines = [MembershipInline]
    ordering = ("-last_message_at",)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count("memberships", filter=Q(memberships__left_at__isnull=True))
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Deleting would bypass the group.deleted events; groups are deleted by their owner.
        return False

    @admin.display(description="title")
    def title(self, conversation: Conversation) -> str:
        group = getattr(conversation, "group", None)
        return group.name if group is not None else f"direct {conversation.direct_key}"

    @admin.display(description="members", ordering="member_count")
    def member_count(self, conversation: Conversation) -> int:
        return conversation.member_count

    @admin.display(description="messages")
    def messages_link(self, conversation: Conversation) -> str:
        url = reverse("admin:chat_message_changelist")
        return format_html(
            '<a href="{}?conversation={}">View its messages</a>', url, conversation.pk
        )


class ReceiptInline(ReadOnlyInline):
    model = MessageReceipt
    fields = ("user", "delivered_at", "read_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[MessageReceipt]:
        return super().get_queryset(request).select_related("user")


class ConversationFilter(admin.SimpleListFilter):
    """?conversation=<id>: one conversation's messages (linked from the conversation page)."""

    title = "conversation"
    parameter_name = "conversation"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        value = self.value()
        return [(value, f"conversation #{value}")] if value and value.isdigit() else []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Message]) -> QuerySet[Message]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(conversation_id=int(value))
        return queryset


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", "Deleted"), ("no", "Visible")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Message]) -> QuerySet[Message]:
        if self.value() in ("yes", "no"):
            return queryset.filter(deleted_at__isnull=self.value() == "no")
        return queryset


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "conversation",
        "author",
        "excerpt",
        "created_at",
        "edited_at",
        "deleted_at",
    )
    list_filter = (
        ConversationFilter,
        DeletedFilter,
        ("created_at", admin.DateFieldListFilter),
        "conversation__kind",
    )
    search_fields = ("body", "author__username", "author__display_name")
    list_select_related = ("author", "conversation")
    raw_id_fields = ("conversation", "author", "deleted_by")
    readonly_fields = (
        "conversation", "author", "body", "client_id", "created_at", "edited_at",
        "deleted_at", "deleted_by",
    )  # fmt: skip
    fields = readonly_fields
    inlines = [ReceiptInline]
    actions = ["soft_delete", "restore"]
    ordering = ("-id",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # soft delete only, through the action below

    @admin.display(description="body")
    def excerpt(self, message: Message) -> str:
        return Truncator(message.body).chars(80)

    @admin.action(description="Soft-delete selected messages", permissions=["change"])
    def soft_delete(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        ids = list(queryset.filter(deleted_at__isnull=True).values_list("pk", flat=True))
        for message_id in ids:
            actions.moderate_delete_message(moderator=request.user, message_id=message_id)
        self.message_user(request, f"Deleted {len(ids)} message(s).", messages.SUCCESS)

    @admin.action(description="Restore selected messages", permissions=["change"])
    def restore(self, request: HttpRequest, queryset: QuerySet[Message]) -> None:
        ids = list(queryset.filter(deleted_at__isnull=False).values_list("pk", flat=True))
        for message_id in ids:
            actions.restore_message(moderator=request.user, message_id=message_id)
        self.message_user(request, f"Restored {len(ids)} message(s).", messages.SUCCESS)


@admin.register(MessageReport)
class MessageReportAdmin(admin.ModelAdmin):
    """The moderation queue: open reports first, oldest first."""

    list_display = (
        "id", "status", "message_excerpt", "message_author", "reporter", "reason_excerpt",
        "created_at", "resolved_by",
    )  # fmt: skip
    list_filter = ("status", ("created_at", admin.DateFieldListFilter))
    search_fields = ("reason", "message__body", "message__author__username", "reporter__username")
    list_select_related = ("message", "message__author", "reporter", "resolved_by")
    readonly_fields = (
        "message", "message_body", "message_author", "reporter", "reason", "status",
        "created_at", "resolved_at", "resolved_by",
    )  # fmt: skip
    fields = readonly_fields
    actions = ["resolve", "delete_messages", "deactivate_authors"]
    ordering = ("status", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[MessageReport]:
        return super().get_queryset(request).select_related("message__author")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # settled through the actions, which keep the history

    @admin.display(description="message")
    def message_excerpt(self, report: MessageReport) -> str:
        return Truncator(report.message.body).chars(60)

    @admin.display(description="message text")
    def message_body(self, report: MessageReport) -> str:
        return report.message.body

    @admin.display(description="author", ordering="message__author__username")
    def message_author(self, report: MessageReport) -> str:
        return report.message.author.username

    @admin.display(description="reason")
    def reason_excerpt(self, report: MessageReport) -> str:
        return Truncator(report.reason).chars(60)

    def _ids(self, queryset: QuerySet[MessageReport]) -> list[int]:
        return list(queryset.values_list("pk", flat=True))

    @admin.action(description="Resolve (no action on the message)", permissions=["change"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[MessageReport]) -> None:
        count = reports.resolve_reports(moderator=request.user, report_ids=self._ids(queryset))
        self.message_user(request, f"Resolved {count} report(s).", messages.SUCCESS)

    @admin.action(description="Delete the reported messages", permissions=["change"])
    def delete_messages(self, request: HttpRequest, queryset: QuerySet[MessageReport]) -> None:
        count = reports.delete_reported_messages(
            moderator=request.user, report_ids=self._ids(queryset)
        )
        self.message_user(request, f"Deleted {count} message(s).", messages.SUCCESS)

    @admin.action(description="Deactivate the authors of the reported messages",
                  permissions=["change"])  # fmt: skip
    def deactivate_authors(self, request: HttpRequest, queryset: QuerySet[MessageReport]) -> None:
        count = reports.deactivate_reported_authors(
            moderator=request.user, report_ids=self._ids(queryset)
        )
        self.message_user(request, f"Deactivated {count} author(s).", messages.SUCCESS)
