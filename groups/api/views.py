"""The groups REST API (API.md, "Groups"): parse, call an action, respond."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from config.api import IdPathAPIView
from config.pagination import DefaultPagination
from groups import actions, events, selectors
from groups.api.serializers import (
    AddMembersInput,
    AddMembersOutput,
    ChangeRoleInput,
    CreateGroupInput,
    GroupDetailSerializer,
    GroupPageSerializer,
    GroupPresenceSerializer,
    MemberSerializer,
    PresenceWatchSerializer,
    UpdateGroupInput,
)
from groups.models import Group
from realtime import presence

TAGS = ["groups"]


def _detail(*, group_id: int, user: User) -> dict:
    group, membership = selectors.membership_in_group(user=user, group_id=group_id)
    members = selectors.current_members(group=group)
    return {**events.group_detail(group, members=members), "my_role": membership.role}


class GroupListView(IdPathAPIView):
    @extend_schema(
        tags=TAGS,
        operation_id="groups_list",
        summary="The caller's groups, newest activity first",
        parameters=[
            OpenApiParameter("page", int, description="1-based page number"),
            OpenApiParameter("page_size", int, description="items per page (max 200)"),
        ],
        responses={200: GroupPageSerializer},
    )
    def get(self, request: Request) -> Response:
        paginator = DefaultPagination()
        page: list[Group] = paginator.paginate_queryset(
            selectors.groups_of(user=request.user), request, view=self
        )
        rows = [
            {
                **events.group_data(group),
                "member_count": group.member_count,
                "my_role": group.my_role,
            }
            for group in page
        ]
        return paginator.get_paginated_response(rows)

    @extend_schema(
        tags=TAGS,
        summary="Create a group; the caller is its owner",
        request=CreateGroupInput,
        responses={201: GroupDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        data = CreateGroupInput(data=request.data)
        data.is_valid(raise_exception=True)
        group = actions.create_group(creator=request.user, **data.validated_data)
        body = _detail(group_id=group.pk, user=request.user)
        return Response(body, status=status.HTTP_201_CREATED)


class GroupDetailView(IdPathAPIView):
    @extend_schema(
        tags=TAGS, summary="A group and its members", responses={200: GroupDetailSerializer}
    )
    def get(self, request: Request, group_id: int) -> Response:
        return Response(_detail(group_id=group_id, user=request.user))

    @extend_schema(
        tags=TAGS,
        summary="Rename, describe or re-picture the group (admins and the owner)",
        request=UpdateGroupInput,
        responses={200: GroupDetailSerializer},
    )
    def patch(self, request: Request, group_id: int) -> Response:
        selectors.membership_in_group(user=request.user, group_id=group_id)
        data = UpdateGroupInput(data=request.data)
        data.is_valid(raise_exception=True)
        actions.update_group(actor=request.user, group_id=group_id, **data.validated_data)
        return Response(_detail(group_id=group_id, user=request.user))

    @extend_schema(
        tags=TAGS,
        summary="Delete the group with its conversation (the owner only)",
        responses={204: None},
    )
    def delete(self, request: Request, group_id: int) -> Response:
        actions.delete_group(actor=request.user, group_id=group_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupMembersView(IdPathAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Add members (admins and the owner)",
        request=AddMembersInput,
        responses={200: AddMembersOutput},
    )
    def post(self, request: Request, group_id: int) -> Response:
        selectors.membership_in_group(user=request.user, group_id=group_id)
        data = AddMembersInput(data=request.data)
        data.is_valid(raise_exception=True)
        added = actions.add_members(
            actor=request.user, group_id=group_id, user_ids=data.validated_data["user_ids"]
        )
        return Response({**_detail(group_id=group_id, user=request.user), "added_ids": added})


class GroupMemberView(IdPathAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Change a member's role (see the rules in the description)",
        description=(
            "Admins and the owner may change the role of someone ranked below them and make "
            "a member an admin; only the owner may demote an admin or hand over ownership "
            '(role "owner": the old owner becomes an admin). Nobody can demote the owner.'
        ),
        request=ChangeRoleInput,
        responses={200: MemberSerializer},
    )
    def patch(self, request: Request, group_id: int, user_id: int) -> Response:
        selectors.membership_in_group(user=request.user, group_id=group_id)
        data = ChangeRoleInput(data=request.data)
        data.is_valid(raise_exception=True)
        membership = actions.change_role(
            actor=request.user, group_id=group_id, user_id=user_id, role=data.validated_data["role"]
        )
        return Response(events.member_data(membership))

    @extend_schema(
        tags=TAGS,
        summary="Remove a member ranked below the caller (admins and the owner)",
        responses={204: None},
    )
    def delete(self, request: Request, group_id: int, user_id: int) -> Response:
        actions.remove_member(actor=request.user, group_id=group_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupLeaveView(IdPathAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Leave the group (an owner hands over; the last member out deletes it)",
        request=None,
        responses={204: None},
    )
    def post(self, request: Request, group_id: int) -> Response:
        actions.leave_group(user=request.user, group_id=group_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupPresenceView(IdPathAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Who of the members is online now (ask when the member list opens)",
        responses={200: GroupPresenceSerializer},
    )
    def get(self, request: Request, group_id: int) -> Response:
        group, _ = selectors.membership_in_group(user=request.user, group_id=group_id)
        member_ids = [m.user_id for m in selectors.current_members(group=group)]
        return Response(
            {"group_id": group.pk, "results": selectors.member_presence(user_ids=member_ids)}
        )


class GroupPresenceWatchView(IdPathAPIView):
    @extend_schema(
        tags=TAGS,
        summary="Receive the members' `presence` events while the member list is open",
        description="Lasts `expires_in` seconds; renew it before then, DELETE when the list "
        "closes. Without a watch, presence events reach direct-chat peers only.",
        request=None,
        responses={200: PresenceWatchSerializer},
    )
    def put(self, request: Request, group_id: int) -> Response:
        group, _ = selectors.membership_in_group(user=request.user, group_id=group_id)
        lifetime = presence.watch(conversation_id=group.conversation_id, user_id=request.user.pk)
        return Response({"group_id": group.pk, "expires_in": lifetime})

    @extend_schema(tags=TAGS, summary="Stop receiving the members' presence", responses={204: None})
    def delete(self, request: Request, group_id: int) -> Response:
        group, _ = selectors.membership_in_group(user=request.user, group_id=group_id)
        presence.unwatch(conversation_id=group.conversation_id, user_id=request.user.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
