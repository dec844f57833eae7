"""The chat essentials API (API.md, "Chat essentials"): reactions, attachments and search."""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from chat import events, selectors
from chat.actions import attachments as attachment_actions
from chat.actions import reactions as reaction_actions
from chat.api.bodies import message_rows
from chat.api.serializers import AttachmentSerializer, MessageSerializer, ReactionSerializer
from chat.errors import AttachmentNotFound, AttachmentTooLarge, MessageDeleted
from chat.message_extras import attachment_data, reactors
from chat.models import Attachment, attachment_storage
from chat.search import search_messages
from config.api import MAX_ID, IdPathAPIView, UserRefSerializer
from config.throttling import ScopedRateThrottle

# Multipart framing around the file: a request this much over the limit cannot fit it.
MULTIPART_SLACK_BYTES = 64 * 1024
SEARCH_MAX_PAGE = 100


class ReactionsOutput(serializers.Serializer):
    message_id = serializers.IntegerField()
    reactions = ReactionSerializer(many=True)


class ReactorSerializer(ReactionSerializer):
    users = UserRefSerializer(many=True, help_text="Who reacted, earliest first.")


REACTION_RESPONSES = {
    200: ReactionsOutput,
    400: OpenApiResponse(description="Not exactly one emoji."),
    410: OpenApiResponse(description="The message was deleted."),
}


class ReactionView(IdPathAPIView):
    def _answer(self, message) -> Response:
        reactions = [reaction.data() for reaction in message.extras.reactions]
        return Response({"message_id": message.pk, "reactions": reactions})

    @extend_schema(
        tags=["messages"],
        summary="React with one emoji (idempotent)",
        request=None,
        responses=REACTION_RESPONSES,
    )
    def put(self, request: Request, message_id: int, emoji: str) -> Response:
        message = reaction_actions.add_reaction(
            user=request.user, message_id=message_id, emoji=emoji
        )
        return self._answer(message)

    @extend_schema(
        tags=["messages"],
        summary="Take one's reaction back (idempotent)",
        request=None,
        responses=REACTION_RESPONSES,
    )
    def delete(self, request: Request, message_id: int, emoji: str) -> Response:
        message = reaction_actions.remove_reaction(
            user=request.user, message_id=message_id, emoji=emoji
        )
        return self._answer(message)


class ReactionListView(IdPathAPIView):
    @extend_schema(
        tags=["messages"],
        summary="Who reacted to a message with what (the who-reacted list)",
        responses={
            200: inline_serializer(
                "ReactorList",
                {
                    "message_id": serializers.IntegerField(),
                    "results": ReactorSerializer(many=True),
                },
            ),
            410: OpenApiResponse(description="The message was deleted."),
        },
    )
    def get(self, request: Request, message_id: int) -> Response:
        message, _ = selectors.visible_message(user=request.user, message_id=message_id)
        if message.deleted_at is not None:
            raise MessageDeleted()
        results = [
            {
                "emoji": emoji,
                "count": len(people),
                "me": any(person.pk == request.user.pk for person in people),
                "users": [events.user_data(person) for person in people],
            }
            for emoji, people in reactors(message_id=message.pk).items()
        ]
        return Response({"message_id": message.pk, "results": results})


class AttachmentUploadView(IdPathAPIView):
    parser_classes = [MultiPartParser]
    throttle_scope = "send"

    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        tags=["conversations"],
        summary="Upload a file to send with a message (multipart, field `file`)",
        request={
            "multipart/form-data": inline_serializer(
                "AttachmentUpload", {"file": serializers.FileField()}
            )
        },
        responses={
            201: AttachmentSerializer,
            413: OpenApiResponse(description="Larger than ATTACHMENT_MAX_BYTES."),
        },
    )
    def post(self, request: Request, conversation_id: int) -> Response:
        selectors.active_membership(user=request.user, conversation_id=conversation_id)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Refused before a byte of the body is read.
        if length > settings.ATTACHMENT_MAX_BYTES + MULTIPART_SLACK_BYTES:
            raise AttachmentTooLarge(
                f"The file is larger than the limit of {settings.ATTACHMENT_MAX_BYTES} bytes."
            )
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["No file was submitted."]})
        attachment = attachment_actions.upload_attachment(
            uploader=request.user, conversation_id=conversation_id, upload=upload
        )
        return Response(attachment_data(attachment), status=status.HTTP_201_CREATED)


def _file_response(attachment: Attachment, *, name: str, content_type: str, inline: bool):
    """The bytes of one stored file: nginx sends them when configured, else this process."""
    disposition = content_disposition_header(not inline, attachment.name)
    prefix = settings.ATTACHMENT_ACCEL_REDIRECT_PREFIX
    if settings.ATTACHMENT_STORAGE == "s3":
        url = attachment_storage().url(
            name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
            },
        )
        return HttpResponseRedirect(url)
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(name)
    else:
        try:
            handle = attachment_storage().open(name, "rb")
        except FileNotFoundError:
            raise AttachmentNotFound() from None
        response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, max-age=3600"
    # Whatever the bytes, never run them as a page of this origin.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class AttachmentFileView(IdPathAPIView):
    @extend_schema(
        tags=["conversations"],
        summary="Download an attachment (members of its conversation only, else 404)",
        responses={200: OpenApiResponse(description="The file's bytes.")},
    )
    def get(self, request: Request, attachment_id: int):
        attachment = selectors.visible_attachment(user=request.user, attachment_id=attachment_id)
        return _file_response(
            attachment,
            name=attachment.file.name,
            content_type=attachment.content_type,
            inline=attachment.content_type in attachment_actions.IMAGE_TYPES,
        )


class AttachmentThumbnailView(IdPathAPIView):
    @extend_schema(
        tags=["conversations"],
        summary="An image attachment's preview (WebP, at most 320x320)",
        responses={200: OpenApiResponse(description="image/webp")},
    )
    def get(self, request: Request, attachment_id: int):
        attachment = selectors.visible_attachment(user=request.user, attachment_id=attachment_id)
        if not attachment.thumbnail:
            raise AttachmentNotFound()
        return _file_response(
            attachment, name=attachment.thumbnail.name, content_type="image/webp", inline=True
        )


class SearchQuery(serializers.Serializer):
    q = serializers.CharField(trim_whitespace=True, max_length=None)
    conversation_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    page = serializers.IntegerField(required=False, min_value=1, max_value=SEARCH_MAX_PAGE)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=50, default=20)

    def validate_q(self, q: str) -> str:
        if len(q) > settings.SEARCH_QUERY_MAX_LENGTH:
            raise serializers.ValidationError(
                f"Ensure this field has no more than {settings.SEARCH_QUERY_MAX_LENGTH} characters."
            )
        if "\x00" in q:
            raise serializers.ValidationError("The query may not contain NUL characters.")
        return q


class SearchHitSerializer(serializers.Serializer):
    message = MessageSerializer()
    highlight = serializers.CharField(
        help_text="The matching passage, HTML-escaped, hits wrapped in <mark>...</mark>."
    )


class SearchPageSerializer(serializers.Serializer):
    results = SearchHitSerializer(many=True, help_text="Best match first.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class MessageSearchView(IdPathAPIView):
    @extend_schema(
        tags=["messages"],
        summary="Search the caller's conversations (PostgreSQL full-text search)",
        parameters=[
            OpenApiParameter("q", str, required=True, description='Words, "a phrase", or, -not'),
            OpenApiParameter("conversation_id", int, description="Only this conversation."),
            OpenApiParameter("page", int, description=f"1..{SEARCH_MAX_PAGE}"),
            OpenApiParameter("page_size", int, description="1..50, default 20."),
        ],
        responses={
            200: SearchPageSerializer,
            400: OpenApiResponse(description="No query, or one over SEARCH_QUERY_MAX_LENGTH."),
        },
    )
    def get(self, request: Request) -> Response:
        query = SearchQuery(data=request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        data = query.validated_data
        conversation_id = data.get("conversation_id")
        if conversation_id is not None:
            selectors.active_membership(user=request.user, conversation_id=conversation_id)
        page, size = data.get("page", 1), data["page_size"]
        hits, more = search_messages(
            user=request.user,
            query=data["q"],
            conversation_id=conversation_id,
            offset=(page - 1) * size,
            limit=size,
        )
        messages = [hit.message for hit in hits]
        ticks = selectors.ticks_by_conversation(
            conversation_ids=sorted({message.conversation_id for message in messages}),
            viewer_id=request.user.pk,
        )
        rows = [
            {"message": row, "highlight": hit.highlight}
            for hit, row in zip(
                hits, message_rows(messages, viewer=request.user, ticks=ticks), strict=True
            )
        ]
        url = request.build_absolute_uri()
        return Response(
            {
                "results": rows,
                "next": replace_query_param(url, "page", page + 1)
                if more and page < SEARCH_MAX_PAGE
                else None,
                "previous": replace_query_param(url, "page", page - 1) if page > 1 else None,
            }
        )
