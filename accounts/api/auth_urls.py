from django.urls import path

from accounts.api import views

urlpatterns = [
    path("signup", views.SignupView.as_view(), name="auth-signup"),
    path("login", views.LoginView.as_view(), name="auth-login"),
    path("refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("logout", views.LogoutView.as_view(), name="auth-logout"),
    path("password", views.PasswordChangeView.as_view(), name="auth-password"),
    path("password-reset", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path("me", views.MeView.as_view(), name="auth-me"),
    path("me/export", views.ExportView.as_view(), name="auth-me-export"),
    path("me/avatar", views.AvatarUploadView.as_view(), name="auth-me-avatar"),
]
