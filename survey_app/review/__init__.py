"""The reviewers' pages: tracking the rounds within their scope."""

# Each adds its pages to the review blueprint: the claim process and its letters, the dashboard,
# and the words the case page uses for a flag; the offices' decisions on applications.
from survey_app.review import applications, claims, dashboard, flag_words  # noqa: F401
