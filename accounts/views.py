from django import forms
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.decorators import ratelimit

from accounts import services, throttles
from accounts.forms import SignupForm


@sensitive_post_parameters("password1", "password2")
@ratelimit(key="ip", rate="20/m", method="POST", block=True)
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("/")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.create_user(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            email=form.cleaned_data.get("email") or "",
            display_name=form.cleaned_data.get("display_name") or "",
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("/")
    return render(request, "accounts/signup.html", {"form": form})


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email")


def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The page says the same whether or not the address is known,
    and past the API's limits (accounts.throttles) too, where it sends nothing."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if throttles.password_reset_allowed(request):
            services.request_password_reset(email=form.cleaned_data["email"])
        return render(request, "accounts/password_reset.html", {"sent": True})
    return render(request, "accounts/password_reset.html", {"form": form})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's token check and form; a new password also ends every device's tokens."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        services.end_refresh_tokens(user_id=form.user.pk)
        return response
