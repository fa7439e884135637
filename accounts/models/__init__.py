from .session import RefreshToken, Session
from .signing_key import SigningKey
from .user import User

__all__ = ["RefreshToken", "Session", "SigningKey", "User"]
