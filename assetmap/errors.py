"""Domain errors. The web layer turns them into HTTP responses in one place (assetmap.web.errors)."""


class AssetMapError(Exception):
    """Base class: something the caller asked for cannot be done; the message is safe to show."""

    status = 400


class InvalidParameter(AssetMapError):
    """A query parameter or field has a value we cannot use."""

    status = 400

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


class NotFound(AssetMapError):
    status = 404
