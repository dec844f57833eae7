"""Staff API over outbound deliveries: dead letters and retries."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors
from notifications.api.serializers import (
    CountSerializer,
    DeliveryQuery,
    DeliverySerializer,
    RetryAllInput,
)
from notifications.delivery import actions as delivery_actions
from notifications.errors import DeliveryNotFound, NotRetryable
from notifications.models import Channel, Delivery, DeliveryStatus

TAGS = ["deliveries"]


class DeliveryListView(generics.ListAPIView):
    permission_classes = [IsAdminUser]
    serializer_class = DeliverySerializer

    @extend_schema(
        tags=TAGS,
        parameters=[
            OpenApiParameter("status", str, enum=DeliveryStatus.values),
            OpenApiParameter("channel", str, enum=Channel.values),
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = DeliveryQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.deliveries(
            status=query.validated_data.get("status"),
            channel=query.validated_data.get("channel"),
        )


class DeliveryRetryView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(tags=TAGS, request=None, responses=DeliverySerializer)
    def post(self, request: Request, pk: int) -> Response:
        if not Delivery.objects.filter(pk=pk).exists():
            raise DeliveryNotFound()
        if not delivery_actions.retry_deliveries(deliveries=[pk]):
            raise NotRetryable()
        delivery = selectors.deliveries().get(pk=pk)
        return Response(DeliverySerializer(delivery).data)


class DeliveryRetryAllView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        tags=TAGS,
        request=RetryAllInput,
        responses=CountSerializer,
        description="Requeue every dead delivery (of one channel); `count` is how many.",
    )
    def post(self, request: Request) -> Response:
        data = RetryAllInput(data=request.data or {})
        data.is_valid(raise_exception=True)
        count = delivery_actions.retry_dead(channel=data.validated_data.get("channel"))
        return Response({"count": count})
