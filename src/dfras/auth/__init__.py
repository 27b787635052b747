"""Who may do what: passwords, tokens, API keys, roles, throttling and rate limits.

The service turns every request's credentials into a
:class:`~dfras.service.principal.Principal` (tenant, user, role, permissions, scopes); the
store then isolates data by that tenant. Secrets come from the environment or a file.
"""
