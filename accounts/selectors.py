from django.db.models import Q, QuerySet

from accounts import blocking
from accounts.models import User


def search_users(*, query: str = "", viewer_id: int | None = None) -> QuerySet[User]:
    """Active users by username or name; for a viewer, without them and anyone blocked
    either way between them."""
    users = User.objects.filter(is_active=True).order_by("username")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    if viewer_id is not None:
        users = users.exclude(pk=viewer_id).exclude(
            pk__in=blocking.hidden_user_ids(user_id=viewer_id)
        )
    return users
