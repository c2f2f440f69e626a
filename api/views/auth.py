"""The token endpoint: a token for a username and password (behind the same login lockout as the pages,
with the second factor's code where the user needs one), and its revocation."""

from __future__ import annotations

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import ExpiringTokenAuthentication, token_expires_at
from filing.errors import Invalid
from filing.services import second_factor
from workflows.serializers import StrictInput


class TokenInput(StrictInput):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(max_length=12, required=False, help_text="6-digit code, when required")


class TokenOutput(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenView(APIView):
    """POST: a new token for a username and password (and the second factor's code where the user needs
    one); the previous token of the user stops working. DELETE: revoke the token the request carries."""

    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(request=TokenInput, responses={201: TokenOutput})
    def post(self, request):
        serializer = TokenInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            user = authenticate(request._request, username=data["username"], password=data["password"])
        except AxesBackendPermissionDenied:
            raise exceptions.Throttled(detail=_("登录失败次数过多，账号或客户端已被暂时锁定。")) from None
        if user is None or getattr(request._request, "axes_locked_out", False):
            raise Invalid(_("用户名或密码不正确。"), errors={"password": [_("用户名或密码不正确。")]})
        if second_factor.required_for(user):
            if not second_factor.has_confirmed_device(user):
                raise Invalid(
                    _("该账号须先在网页上启用动态验证码。"), errors={"otp": [_("请先启用动态验证码。")]}
                )
            second_factor.verify(user=user, token=data.get("otp", ""))
        Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        return Response(
            {"token": token.key, "expires_at": token_expires_at(token)}, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if not isinstance(request.auth, Token):
            raise exceptions.NotAuthenticated()
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
