"""Multi-factor authentication: second factors, the login challenge and step-up checks."""
