from .api_key import ApiKey
from .audit_export import AuditExport
from .domain import Domain
from .invitation import Invitation
from .membership import Membership
from .organization import Organization

__all__ = ["ApiKey", "AuditExport", "Domain", "Invitation", "Membership", "Organization"]
