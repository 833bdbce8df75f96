from accounts.selectors import user_access


def access(request):
    """The signed-in user's roles for the navigation (one query, cached on the user)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"access": user_access(user)}
