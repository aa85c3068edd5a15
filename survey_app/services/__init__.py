"""Service functions: each one a transaction, called by views and CLI commands alike."""
