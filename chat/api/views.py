"""The chat REST API (API.md, "Conversations and messages"): parse, call an action, respond."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from chat import actions, events, selectors
from chat.api.bodies import conversation_rows, member_pointer_rows, message_rows, receipt_rows
from chat.api.inputs import AckInput, EditInput, HistoryQuery, OpenDirectInput, SendInput
from chat.api.serializers import (
    AckOutput,
    ConversationDetailSerializer,
    ConversationPageSerializer,
    ConversationSerializer,
    MessagePageSerializer,
    MessageSerializer,
    ReceiptListSerializer,
)
from chat.errors import MessageDeleted
from chat.models import Membership
from config.api import IdPathAPIView
from config.pagination import DefaultPagination
from config.throttling import ScopedRateThrottle

TAGS = ["conversations"]
# The hot writes are served by the lean path (chat/api/hot.py), which sheds load.
OVERLOADED = OpenApiResponse(
    description="The node is over its limit: nothing was done; retry after Retry-After seconds."
)


def _conversation_body(*, user, conversation_id: int) -> dict:
    membership = selectors.conversation_list(user=user).get(conversation_id=conversation_id)
    (row,) = conversation_rows([membership], viewer=user)
    return row


class ConversationListView(IdPathAPIView):
    @extend_schema(
        tags=TAGS,
        operation_id="conversations_list",
        summary="The caller's conversations, newest activity first",
        parameters=[
            OpenApiParameter("page", int, description="1-based page number"),
            OpenApiParameter("page_size", int, description="items per page (max 200)"),
        ],
        responses={200: ConversationPageSerializer},
    )
    def get(self, request: Request) -> Response:
        paginator = DefaultPagination()
        memberships: QuerySet[Membership] = selectors.conversation_list(user=request.user)
        page = paginator.paginate_queryset(memberships, request, view=self)
        return paginator.get_paginated_response(conversation_rows(page, viewer=request.user))

    @extend_schema(
        tags=TAGS,
        summary="Open the direct conversation with a user (the same from both sides)",
        request=OpenDirectInput,
        responses={
            201: OpenApiResponse(ConversationSerializer, description="Created."),
            200: OpenApiResponse(ConversationSerializer, description="It already existed."),
            404: OpenApiResponse(description="No such (active) user."),
        },
    )
    def post(self, request: Request) -> Response:
        data = OpenDirectInput(data=request.data)
        data.is_valid(raise_exception=True)
        conversation, created = actions.get_or_create_direct_conversation(
            user=request.user, other_id=data.validated_data["user_id"]
        )
        body = _conversation_body(user=request.user, conversation_id=conversation.pk)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ConversationDetailView(IdPathAPIView):
    @extend_schema(
        tags=TAGS,
        summary="One conversation with its members and their delivered/read pointers",
        responses={200: ConversationDetailSerializer},
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        selectors.active_membership(user=request.user, conversation_id=conversation_id)
        body = _conversation_body(user=request.user, conversation_id=conversation_id)
        members = selectors.current_members(conversation_id=conversation_id)
        body["members"] = member_pointer_rows(members, viewer=request.user)
        return Response(body)


class MessageListView(IdPathAPIView):
    throttle_scope = "send"

    def get_throttles(self) -> list:
        # Only sending is rate limited; reading history is not.
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        tags=TAGS,
        summary="History, newest last, cursor-paginated by message id",
        parameters=[
            OpenApiParameter("before", int, description="Messages older than this id."),
            OpenApiParameter("after", int, description="Messages newer than this id."),
            OpenApiParameter("page_size", int, description="1..200, default 50."),
        ],
        responses={200: MessagePageSerializer},
    )
    def get(self, request: Request, conversation_id: int) -> Response:
        selectors.active_membership(user=request.user, conversation_id=conversation_id)
        query = HistoryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        before = query.validated_data.get("before")
        after = query.validated_data.get("after")
        messages, more = selectors.message_page(
            conversation_id=conversation_id,
            before=before,
            after=after,
            limit=query.validated_data["page_size"],
        )
        ticks = selectors.ticks_by_conversation(
            conversation_ids=[conversation_id], viewer_id=request.user.pk
        )[conversation_id]
        url = remove_query_param(
            remove_query_param(request.build_absolute_uri(), "before"), "after"
        )
        # `more` tells about the far end of the page; the near end is known to
        # continue when the page was asked relative to a message id.
        if after is None:
            has_older, has_newer = more, before is not None
        else:
            has_older, has_newer = after > 0, more
        older = newer = None
        if messages and has_older:
            older = replace_query_param(url, "before", messages[0].pk)
        if messages and has_newer:
            newer = replace_query_param(url, "after", messages[-1].pk)
        return Response(
            {
                "results": message_rows(messages, viewer=request.user, ticks=ticks),
                "next": newer,
                "previous": older,
            }
        )

    @extend_schema(
        tags=TAGS,
        summary="Send a message (idempotent on client_id)",
        request=SendInput,
        responses={
            201: OpenApiResponse(MessageSerializer, description="Sent."),
            200: OpenApiResponse(
                MessageSerializer, description="This client_id was sent before: that message."
            ),
            409: OpenApiResponse(
                description="This client_id was already used in another conversation."
            ),
            503: OVERLOADED,
        },
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        data = SendInput(data=request.data)
        if not data.is_valid():
            # Outsiders learn that the conversation is not theirs, not how to post to it.
            selectors.active_membership(user=request.user, conversation_id=conversation_id)
            raise ValidationError(data.errors)
        # send_message checks membership itself, under the conversation's lock.
        message, created = actions.send_message(
            author=request.user, conversation_id=conversation_id, **data.validated_data
        )
        if created:  # nobody else can have it yet
            body = events.message_data(message, status=events.Status.SENT)
            return Response(body, status=status.HTTP_201_CREATED)
        (body,) = _with_status([message], user=request.user, conversation_id=conversation_id)
        return Response(body, status=status.HTTP_200_OK)


def _with_status(messages: list, *, user, conversation_id: int) -> list[dict]:
    ticks = selectors.ticks_by_conversation(conversation_ids=[conversation_id], viewer_id=user.pk)
    return message_rows(messages, viewer=user, ticks=ticks[conversation_id])


class _AckView(IdPathAPIView):
    def _ack(self, request: Request, conversation_id: int, action) -> Response:
        selectors.active_membership(user=request.user, conversation_id=conversation_id)
        data = AckInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = action(
            user=request.user, conversation_id=conversation_id, up_to=data.validated_data["up_to"]
        )
        return Response(
            {
                "conversation_id": conversation_id,
                "last_delivered_message_id": membership.last_delivered_message_id,
                "last_read_message_id": membership.last_read_message_id,
                "unread_count": membership.unread_count,
            }
        )


class DeliveredView(_AckView):
    @extend_schema(
        tags=TAGS,
        summary="The caller's devices hold every message up to `up_to` (never moves back)",
        request=AckInput,
        responses={200: AckOutput, 503: OVERLOADED},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        return self._ack(request, conversation_id, actions.mark_delivered_up_to)


class ReadView(_AckView):
    @extend_schema(
        tags=TAGS,
        summary="The caller has read every message up to `up_to` (implies delivered)",
        request=AckInput,
        responses={200: AckOutput, 503: OVERLOADED},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        return self._ack(request, conversation_id, actions.mark_read_up_to)


class TypingView(IdPathAPIView):
    throttle_scope = "typing"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        tags=TAGS,
        summary="Tell the other members the caller is typing (an ephemeral `typing` event)",
        request=None,
        responses={204: None, 503: OVERLOADED},
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        actions.publish_typing(user=request.user, conversation_id=conversation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageDetailView(IdPathAPIView):
    @extend_schema(
        tags=["messages"],
        summary="Edit one's own message within the edit window",
        request=EditInput,
        responses={
            200: MessageSerializer,
            410: OpenApiResponse(description="The message was deleted."),
        },
    )
    def patch(self, request: Request, message_id: int) -> Response:
        selectors.visible_message(user=request.user, message_id=message_id)
        data = EditInput(data=request.data)
        data.is_valid(raise_exception=True)
        message = actions.edit_message(
            user=request.user, message_id=message_id, body=data.validated_data["body"]
        )
        (body,) = _with_status(
            [message], user=request.user, conversation_id=message.conversation_id
        )
        return Response(body)

    @extend_schema(
        tags=["messages"],
        summary="Delete a message (its author, or in a group an admin or the owner)",
        responses={204: None},
    )
    def delete(self, request: Request, message_id: int) -> Response:
        actions.delete_message(user=request.user, message_id=message_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageReceiptsView(IdPathAPIView):
    @extend_schema(
        tags=["messages"],
        summary="When each other member received and read a message",
        responses={
            200: ReceiptListSerializer,
            410: OpenApiResponse(description="The message was deleted."),
        },
    )
    def get(self, request: Request, message_id: int) -> Response:
        message, _ = selectors.visible_message(user=request.user, message_id=message_id)
        if message.deleted_at is not None:
            raise MessageDeleted()
        receipts = selectors.receipts_for(message=message)
        return Response({"message_id": message.pk, "results": receipt_rows(receipts)})
