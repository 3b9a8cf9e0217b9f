from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views
from .forms import PasswordResetForm

app_name = "accounts"

urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("login/", views.log_in, name="login"),
    path("login/verify/", views.log_in_verify, name="login-verify"),
    path("logout/", views.log_out, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.language_set, name="language-set"),
    path("two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/remove/", views.two_factor_remove, name="two-factor-remove"),
    path("two-factor/required/", views.two_factor_required, name="two-factor-required"),
    path("password/reset/", auth_views.PasswordResetView.as_view(
        form_class=PasswordResetForm,
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password-reset-sent"),
    ), name="password-reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_sent.html"), name="password-reset-sent"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        success_url=reverse_lazy("accounts:password-reset-done"),
    ), name="password-reset-confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_done.html"), name="password-reset-done"),
    path("password/change/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:profile"),
    ), name="password-change"),
]
