from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import services
from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "email",
        "is_active",
        "is_staff",
        "last_seen",
        "date_joined",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "groups", "date_joined")
    search_fields = ("username", "display_name", "email")
    ordering = ("username",)
    actions = ["deactivate", "reactivate"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "avatar_colour", "last_seen")}),
    )
    readonly_fields = ("last_seen", "last_login", "date_joined")

    @admin.action(description="Deactivate selected users (they can no longer log in)")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        user_ids = list(queryset.exclude(pk=request.user.pk).values_list("pk", flat=True))
        count = services.deactivate_users(user_ids=user_ids)
        self.message_user(request, f"Deactivated {count} user(s).", messages.SUCCESS)

    @admin.action(description="Reactivate selected users")
    def reactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = services.reactivate_users(user_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Reactivated {count} user(s).", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            # The change form's checkbox: every node learns of it as from the actions.
            if obj.is_active:
                services.reactivate_users(user_ids=[obj.pk])
            else:
                services.deactivate_users(user_ids=[obj.pk])
