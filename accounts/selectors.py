from django.db.models import Q, QuerySet

from accounts.models import User


def search_users(*, query: str = "", exclude_user_id: int | None = None) -> QuerySet[User]:
    users = User.objects.filter(is_active=True).order_by("username")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    if exclude_user_id is not None:
        users = users.exclude(pk=exclude_user_id)
    return users
