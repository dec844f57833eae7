from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from config.throttling import ScopedRateThrottle
from realtime import actions, node_registry
from realtime.api.authentication import ApiKeyAuthentication
from realtime.api.permissions import IsPublisher
from realtime.api.serializers import (
    NodesOutput,
    PublishInput,
    PublishOutput,
    SubscriptionOutput,
)


class SubscribeView(APIView):
    @extend_schema(request=None, responses={200: SubscriptionOutput}, tags=["realtime"])
    def post(self, request: Request, name: str) -> Response:
        topic, _ = actions.subscribe(
            user_id=request.user.pk, user_is_staff=request.user.is_staff, topic_name=name
        )
        return Response({"topic": topic.name, "subscribed": True})


class UnsubscribeView(APIView):
    @extend_schema(request=None, responses={200: SubscriptionOutput}, tags=["realtime"])
    def post(self, request: Request, name: str) -> Response:
        actions.unsubscribe(user_id=request.user.pk, topic_name=name)
        return Response({"topic": name, "subscribed": False})


class PublishView(APIView):
    """Server-to-server publishing with an API key (or as staff). `broadcast` reaches everyone."""

    authentication_classes = [ApiKeyAuthentication, JWTAuthentication, SessionAuthentication]
    permission_classes = [IsPublisher]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "publish"

    @extend_schema(
        request=PublishInput,
        responses={201: PublishOutput, 200: PublishOutput},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="A retried publish with the same key is delivered once.",
            )
        ],
        tags=["realtime"],
    )
    def post(self, request: Request, name: str) -> Response:
        data = PublishInput(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip()[:128] or None
        publication = actions.publish_to_topic(
            topic_name=name,
            event=data.validated_data["event"],
            data=data.validated_data["data"],
            idempotency_key=key,
        )
        body = {
            "topic": publication.topic,
            "event_id": publication.event_id,
            "duplicate": not publication.created,
        }
        return Response(body, status=status.HTTP_201_CREATED if publication.created else 200)


class NodesView(APIView):
    """Staff dashboard data: every live node's id, open streams, uptime and dependencies."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: NodesOutput}, tags=["operations"])
    def get(self, request: Request) -> Response:
        return Response({"node": settings.NODE_ID, "nodes": node_registry.live_nodes()})
