from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import account_data, blocking, metrics, selectors, services
from accounts.api.serializers import (
    AccountDeleteInput,
    AuthOutput,
    AvatarInput,
    LoginInput,
    LogoutInput,
    MeSerializer,
    PasswordChangeInput,
    PasswordResetInput,
    RefreshInput,
    RefreshSerializer,
    SignupInput,
    TokenPairOutput,
    UserSearchQuery,
    UserSerializer,
)
from accounts.models import Avatar, User
from accounts.throttles import PASSWORD_RESET_THROTTLES, AuthIPThrottle, AuthUsernameThrottle
from accounts.tokens import DeviceRefreshToken, device_of
from realtime import presence


def _auth_response(user: User, status_code: int) -> Response:
    refresh = DeviceRefreshToken.for_user(user)  # each login is a device of its own
    body = {
        "user": MeSerializer(user).data,
        "access": str(refresh.access_token),
        "refresh": str(refresh),
    }
    return Response(body, status=status_code)


class AnonymousAPIView(APIView):
    """Login and signup: no authentication runs, so a stale token cannot block logging in."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthIPThrottle, AuthUsernameThrottle]

    def get_authenticate_header(self, request: Request) -> str:
        # Makes a failed login a 401 (with a challenge), not DRF's 403.
        return 'Bearer realm="api"'


class SignupView(AnonymousAPIView):
    @extend_schema(request=SignupInput, responses={201: AuthOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = SignupInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = services.create_user(**data.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return _auth_response(user, status.HTTP_201_CREATED)


class LoginView(AnonymousAPIView):
    @extend_schema(
        request=LoginInput,
        responses={
            200: AuthOutput,
            401: OpenApiResponse(description="Unknown username or wrong password"),
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            # One message for an unknown user and a wrong password: no enumeration.
            raise AuthenticationFailed("Invalid username or password.")
        metrics.count_token_login()
        return _auth_response(user, status.HTTP_200_OK)


class RefreshView(TokenRefreshView):
    serializer_class = RefreshSerializer
    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        request=RefreshInput,
        responses={
            200: TokenPairOutput,
            401: OpenApiResponse(description="Invalid, expired or already used refresh token"),
        },
        tags=["auth"],
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        return super().post(request, *args, **kwargs)


def _end_browser_session(request: Request) -> None:
    """Sign the browser out too when the request came with its session cookie."""
    if request._request.session.session_key is not None:
        logout(request._request)


class LogoutView(APIView):
    @extend_schema(
        request=LogoutInput,
        responses={204: None, 400: OpenApiResponse(description="Invalid or foreign token")},
        tags=["auth"],
        summary="End this refresh token, or with `all: true` every token and session",
    )
    def post(self, request: Request) -> Response:
        data = LogoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.log_out(
            user=request.user,
            refresh=data.validated_data.get("refresh"),
            everywhere=data.validated_data["all"],
        )
        _end_browser_session(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    throttle_classes = [AuthIPThrottle]

    @extend_schema(
        request=PasswordChangeInput,
        responses={204: None},
        tags=["auth"],
        summary="Change the password; every other device is signed out",
    )
    def post(self, request: Request) -> Response:
        data = PasswordChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services.change_password(
                user=request.user,
                old_password=data.validated_data["old_password"],
                new_password=data.validated_data["new_password"],
                device=device_of(request.auth),
                keep_refresh=data.validated_data.get("refresh"),
            )
        except services.WrongPassword as exc:
            raise serializers.ValidationError({exc.field: [exc.message]}) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"new_password": list(exc.messages)}) from exc
        if request._request.session.session_key is not None:
            # This browser stays signed in; the other sessions no longer match the password.
            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(AnonymousAPIView):
    throttle_classes = list(PASSWORD_RESET_THROTTLES)  # the web form's too

    @extend_schema(
        request=PasswordResetInput,
        responses={202: None},
        tags=["auth"],
        summary="Mail a link to set a new password (202 whether or not the address is known)",
    )
    def post(self, request: Request) -> Response:
        data = PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.request_password_reset(email=data.validated_data["email"])
        return Response(status=status.HTTP_202_ACCEPTED)


class MeView(generics.RetrieveUpdateAPIView):
    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self) -> User:
        return self.request.user

    @extend_schema(
        request=AccountDeleteInput,
        responses={204: None},
        tags=["auth"],
        summary="Delete the account (its messages then show as from a deleted user)",
    )
    def delete(self, request: Request) -> Response:
        data = AccountDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            account_data.delete_account(user=request.user, password=data.validated_data["password"])
        except services.WrongPassword as exc:
            raise serializers.ValidationError({exc.field: [exc.message]}) from exc
        _end_browser_session(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportView(APIView):
    @extend_schema(
        responses={
            200: OpenApiResponse(
                description="Profile, preferences, blocks, messages, notifications"
            )
        },
        tags=["auth"],
        summary="Download the caller's own data as JSON",
    )
    def get(self, request: Request) -> Response:
        response = Response(account_data.export_account(user=request.user))
        filename = f"parley-export-{request.user.username}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class AvatarUploadView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": AvatarInput},
        responses={200: MeSerializer, 413: OpenApiResponse(description="Over AVATAR_MAX_BYTES")},
        tags=["auth"],
        summary="Upload a picture (cropped square and resized)",
    )
    def put(self, request: Request) -> Response:
        data = AvatarInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.set_avatar(user=request.user, upload=data.validated_data["file"])
        return Response(MeSerializer(user).data)

    @extend_schema(responses={204: None}, tags=["auth"], summary="Remove the picture")
    def delete(self, request: Request) -> Response:
        services.remove_avatar(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AvatarImageView(APIView):
    @extend_schema(
        responses={(200, "image/webp"): OpenApiResponse(description="The picture")},
        tags=["users"],
        summary="A user's picture",
    )
    def get(self, request: Request, user_id: int) -> HttpResponse:
        avatar = get_object_or_404(Avatar, user_id=user_id)
        response = HttpResponse(bytes(avatar.image), content_type=avatar.content_type)
        # The URL carries the version, so a new picture has a new URL.
        response["Cache-Control"] = "private, max-age=31536000, immutable"
        return response


class BlockedUserListView(generics.ListAPIView):
    serializer_class = UserSerializer

    @extend_schema(tags=["users"], summary="The users the caller blocked, newest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return blocking.blocked_users(user_id=self.request.user.pk)


class UserListView(generics.ListAPIView):
    serializer_class = UserSerializer

    @extend_schema(parameters=[OpenApiParameter("search", str, description="username or name")])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = UserSearchQuery(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data["search"][:100]
        return selectors.search_users(query=query, viewer_id=self.request.user.pk)

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        online_ids = presence.online_user_ids([user.pk for user in page])
        context = {**self.get_serializer_context(), "online_ids": online_ids}
        serializer = self.get_serializer(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)
