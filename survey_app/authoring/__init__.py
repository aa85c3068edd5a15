"""The questionnaire authors' workspace (issue 15)."""
