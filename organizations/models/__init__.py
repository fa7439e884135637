from .api_key import ApiKey
from .domain import Domain
from .invitation import Invitation
from .membership import Membership
from .organization import Organization

__all__ = ["ApiKey", "Domain", "Invitation", "Membership", "Organization"]
