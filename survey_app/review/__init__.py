"""The reviewers' pages: tracking the rounds within their scope."""

# Each adds its pages to the review blueprint: the claim process and its letters, the dashboard.
from survey_app.review import claims, dashboard  # noqa: F401
