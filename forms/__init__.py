"""Questionnaire YAML → validated model → WTForms classes. Does not import survey_app."""
