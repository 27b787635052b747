"""Personal data: masking for roles without the PII permission, and credentials encrypted at rest."""
