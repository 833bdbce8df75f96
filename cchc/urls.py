from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from accounts import views as accounts_views
from accounts.forms import LoginForm
from cchc import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("assessment.urls")),
    path("results/", include("assessment.public_urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/otp/", include("accounts.two_factor.urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", accounts_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("i18n/language/<str:code>/", views.language_choose, name="language-choose"),
    path("admin/", admin.site.urls),
    # people: onboarding in bulk
    path(
        "accounts/welcome/<uidb64>/<token>/",
        login_not_required(accounts_views.InvitationAcceptView.as_view()),
        name="invitation_accept",
    ),
    path("accounts/welcome/<uidb64>/", login_not_required(accounts_views.invitation_renew), name="invitation_renew"),
    path("accounts/people/", accounts_views.people_overview, name="people"),
]

# --- celery: health checks for the load balancer (issue 14) ---
urlpatterns += [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
