"""The coordinator's report on a grant."""
