from django.urls import path

from . import invitations, views

urlpatterns = [
    path("orgs/<slug:slug>/login", views.organization_login, name="organization-login"),
    path("orgs/<slug:slug>/brand.css", views.organization_brand_css, name="organization-brand-css"),
    path("invitations/accept", invitations.invitation_accept, name="invitation-accept"),
]
