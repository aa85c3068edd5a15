"""The reviewers' pages: tracking the rounds within their scope."""

from survey_app.review import dashboard  # noqa: F401  (adds the dashboard to the blueprint)
