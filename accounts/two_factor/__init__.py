"""The second factor (TOTP through django-otp, with one-time backup codes).

Who decides the ranking (Home Affairs coordinators, appraisers, council members, superusers) must pass it to
use the back-office; unit people may turn it on for themselves.
"""
