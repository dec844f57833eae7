"""The moderators' view of groups, with their members and roles.

Members are chat.Membership rows of the group's conversation (no foreign key to
the group itself), so the group page lists them in a read-only table and links to
the conversation page, whose inline shows every membership in full.
"""

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from groups.models import Group
from groups.selectors import current_members


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "created_by", "member_count", "created_at", "updated_at")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    search_fields = ("=id", "name", "created_by__username")
    list_select_related = ("created_by",)
    raw_id_fields = ("created_by", "conversation")
    readonly_fields = (
        "name", "description", "avatar", "created_by", "conversation_link", "created_at",
        "updated_at", "members",
    )  # fmt: skip
    fields = readonly_fields
    ordering = ("-created_at",)
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Group]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count(
                    "conversation__memberships",
                    filter=Q(conversation__memberships__left_at__isnull=True),
                )
            )
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Deleting here would bypass the group.deleted events and notifications.
        return False

    @admin.display(description="members", ordering="member_count")
    def member_count(self, group: Group) -> int:
        return group.member_count

    @admin.display(description="conversation")
    def conversation_link(self, group: Group) -> str:
        url = reverse("admin:chat_conversation_change", args=[group.conversation_id])
        return format_html('<a href="{}">Conversation #{}</a>', url, group.conversation_id)

    @admin.display(description="current members")
    def members(self, group: Group) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (membership.user.username, membership.role, membership.joined_at)
                for membership in current_members(group=group)
            ),
        )
        return format_html(
            "<table><tr><th>user</th><th>role</th><th>joined</th></tr>{}</table>", rows
        )
