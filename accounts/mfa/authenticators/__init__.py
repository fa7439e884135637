"""The built-in second-factor methods."""

from .. import registry


def register_builtin():
    from .backup_codes import BackupCodeAuthenticator
    from .email import EmailAuthenticator
    from .passkey import PasskeyAuthenticator
    from .sms import SMSAuthenticator
    from .totp import TOTPAuthenticator

    # Registration order is the order clients see in `methods`.
    registry.register(TOTPAuthenticator())
    registry.register(PasskeyAuthenticator())
    registry.register(EmailAuthenticator())
    registry.register(SMSAuthenticator())
    registry.register(BackupCodeAuthenticator())
