"""The reviewers' pages: tracking the rounds within their scope."""
