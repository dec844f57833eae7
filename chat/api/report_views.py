"""POST /api/v1/messages/{id}/report: a member reports a message to the moderators."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from chat.actions.reports import report_message
from config.api import IdPathAPIView
from config.throttling import ScopedRateThrottle


class ReportInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class ReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    message_id = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class MessageReportView(IdPathAPIView):
    throttle_scope = "report"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        tags=["messages"],
        summary="Report a message to the moderators (reporting again updates the reason)",
        request=ReportInput,
        responses={
            201: OpenApiResponse(ReportOutput, description="Reported."),
            200: OpenApiResponse(ReportOutput, description="Reported before: updated."),
            410: OpenApiResponse(description="The message was deleted."),
        },
    )
    def post(self, request: Request, message_id: int) -> Response:
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        report, created = report_message(
            reporter=request.user, message_id=message_id, reason=data.validated_data["reason"]
        )
        return Response(
            ReportOutput(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
