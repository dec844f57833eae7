"""POST|DELETE /api/v1/users/{id}/block (API.md, "Accounts")."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from chat.actions.blocking import block_user, unblock_user
from config.api import IdPathAPIView


class BlockView(IdPathAPIView):
    @extend_schema(
        request=None,
        responses={204: None},
        tags=["users"],
        summary="Block a user: no direct conversation or message between the two of you",
    )
    def post(self, request: Request, user_id: int) -> Response:
        block_user(blocker=request.user, blocked_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={204: None}, tags=["users"], summary="Unblock a user")
    def delete(self, request: Request, user_id: int) -> Response:
        unblock_user(blocker=request.user, blocked_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
