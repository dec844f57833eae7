from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from chat.api.serializers import MAX_ID


class IdPathAPIView(APIView):
    """An API view whose integer path ids beyond BIGINT are a 404, not a database error.

    Django's `int` converter takes any number of digits; SQLite cannot even bind
    such a number, so it must not reach a query.
    """

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if any(isinstance(value, int) and value > MAX_ID for value in kwargs.values()):
            raise NotFound()
