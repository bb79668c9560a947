"""One exception tree for everything the library raises.

Every error carries the host and the endpoint it concerns, so a message read in a log
tells which device and which request failed. Secrets never go into a message.
"""

from __future__ import annotations


class IQGatewayError(Exception):
    """Base of every error raised by iqgateway."""

    def __init__(self, message: str, *, host: str | None = None, endpoint: str | None = None) -> None:
        self.message = message
        self.host = host
        self.endpoint = endpoint
        super().__init__(self._render())

    def _render(self) -> str:
        where = " ".join(part for part in (self.host, self.endpoint) if part)
        return f"{where}: {self.message}" if where else self.message

    def __str__(self) -> str:
        return self._render()


class InvalidState(IQGatewayError):
    """A saved state document (daily closes, derived totals) that cannot be restored."""


class CommunicationError(IQGatewayError):
    """The device could not be reached or did not answer usefully."""


class DeviceTimeout(CommunicationError):
    """A request (or the whole update) ran past its time limit."""


class DeviceUnavailable(CommunicationError):
    """The device answered 503 (booting, busy) and kept doing so after the retries."""


class StaleError(CommunicationError):
    """The live-power source has given no usable answer for longer than its budget of updates."""

    def __init__(self, message: str, *, age_s: float | None, host: str | None = None,
                 endpoint: str | None = None) -> None:
        self.age_s = age_s
        super().__init__(message, host=host, endpoint=endpoint)


class HttpStatusError(CommunicationError):
    """The device answered with an unexpected HTTP status."""

    def __init__(self, message: str, *, status: int, host: str | None = None, endpoint: str | None = None) -> None:
        self.status = status
        super().__init__(message, host=host, endpoint=endpoint)


class DeviceIdentityError(IQGatewayError):
    """Another device answers at the host: its /info serial is not the one the Gateway was made for."""

    def __init__(self, message: str, *, expected: str, found: str, host: str | None = None,
                 endpoint: str | None = None) -> None:
        self.expected = expected
        self.found = found
        super().__init__(message, host=host, endpoint=endpoint)


class InvalidResponse(IQGatewayError):
    """The device answered, but the body is malformed, truncated or not in the expected shape."""


class UnsupportedFirmware(IQGatewayError):
    """The device runs firmware this library cannot read (below 3.9, or an HTML-only device)."""

    def __init__(self, message: str, *, firmware: str | None = None, host: str | None = None,
                 endpoint: str | None = None) -> None:
        self.firmware = firmware
        super().__init__(message, host=host, endpoint=endpoint)


class AuthenticationError(IQGatewayError):
    """Base of authentication failures."""


class AuthenticationRequired(AuthenticationError):
    """The device refused a required endpoint (401/403): credentials are missing, wrong or revoked."""


class InvalidCredentials(AuthenticationError):
    """The device or the Enphase cloud rejected the username/password or token."""


class TokenExpired(AuthenticationError):
    """The token's `exp` is in the past; a new one is needed."""


class MfaRequired(AuthenticationError):
    """The Enlighten account uses multi-factor authentication: paste a token instead of a password."""


class CloudError(AuthenticationError):
    """The Enphase cloud (login or token service) failed or answered something unusable."""


class FeatureNotAvailable(IQGatewayError):
    """A control or reading was asked of hardware the device does not have."""


class ControlRejected(IQGatewayError):
    """The device refused a write, or the read-back shows the change was not applied."""


class StreamRoleError(AuthenticationRequired):
    """The device refused the meter stream to the credentials' role: it wants `role` (an installer token or user)."""

    def __init__(self, message: str, *, role: str = "installer", host: str | None = None,
                 endpoint: str | None = None) -> None:
        self.role = role
        super().__init__(message, host=host, endpoint=endpoint)


class InstallerRoleRequired(IQGatewayError):
    """The device refused an installer-level endpoint (401/403): it wants `role` (an installer token or user)."""

    def __init__(self, message: str, *, role: str = "installer", host: str | None = None,
                 endpoint: str | None = None) -> None:
        self.role = role
        super().__init__(message, host=host, endpoint=endpoint)


class CapabilityUnavailable(IQGatewayError):
    """The capability report says this is not available here; raised before any request is sent."""
