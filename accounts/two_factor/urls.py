from django.urls import path

from accounts.two_factor import views

app_name = "two_factor"

urlpatterns = [
    path("", views.otp_settings, name="settings"),
    path("verify/", views.otp_verify, name="verify"),
    path("setup/", views.otp_setup, name="setup"),
    path("backup-codes/", views.otp_backup_codes, name="backup-codes"),
    path("disable/", views.otp_disable, name="disable"),
]
