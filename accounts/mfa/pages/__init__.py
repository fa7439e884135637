"""Hosted pages for second factors: the login challenge, factor management and re-authentication."""
