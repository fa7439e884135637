"""The admin app with Plinto's admin site as `admin.site`.

It is its own module because INSTALLED_APPS imports it before models are ready, and the site
module imports views that need models.
"""

from django.contrib.admin.apps import AdminConfig


class PlintoAdminConfig(AdminConfig):
    default_site = "accounts.pages.admin_site.PlintoAdminSite"
