from .render import error


def not_found(request, exception=None):
    return error(request, 404, "There is nothing at this address.")


def forbidden(request, exception=None):
    return error(request, 403, "You do not have permission to see this.")
