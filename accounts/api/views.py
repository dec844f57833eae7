from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from accounts import metrics, selectors, services
from accounts.api.serializers import (
    AuthOutput,
    LoginInput,
    MeSerializer,
    RefreshInput,
    RefreshSerializer,
    SignupInput,
    TokenPairOutput,
    UserSearchQuery,
    UserSerializer,
)
from accounts.models import User
from accounts.throttles import AuthIPThrottle, AuthUsernameThrottle
from realtime import presence


def _auth_response(user: User, status_code: int) -> Response:
    refresh = RefreshToken.for_user(user)
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


class MeView(generics.RetrieveUpdateAPIView):
    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> User:
        return self.request.user


class UserListView(generics.ListAPIView):
    serializer_class = UserSerializer

    @extend_schema(parameters=[OpenApiParameter("search", str, description="username or name")])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        params = UserSearchQuery(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data["search"][:100]
        return selectors.search_users(query=query, exclude_user_id=self.request.user.pk)

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        online_ids = presence.online_user_ids([user.pk for user in page])
        context = {**self.get_serializer_context(), "online_ids": online_ids}
        serializer = self.get_serializer(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)
