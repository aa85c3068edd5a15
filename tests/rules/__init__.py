"""Tests of the pure grant rules in survey_app.rules."""
