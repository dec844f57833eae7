"""Groups' domain errors; config.errors.api_exception_handler maps them to HTTP."""

from config.errors import DomainError, Forbidden, NotFound


class GroupNotFound(NotFound):
    """Outsiders and former members: the group does not exist for them."""

    code = "group_not_found"
    message = "Group not found."


class MemberNotFound(NotFound):
    code = "member_not_found"
    message = "That user is not a member of this group."


class NotAGroupAdmin(Forbidden):
    code = "not_a_group_admin"
    message = "Only the group's admins and owner can do that."


class OwnerOnly(Forbidden):
    code = "owner_only"
    message = "Only the group's owner can do that."


class RoleNotAllowed(Forbidden):
    code = "role_not_allowed"
    message = "Your role does not allow that change to this member."


class InvalidMembers(DomainError):
    code = "invalid_members"
    message = "Some of these users do not exist."


class GroupFull(DomainError):
    code = "group_full"
    message = "The group has reached its maximum number of members."


class InvalidGroup(DomainError):
    code = "invalid"
    message = "The group is invalid."
