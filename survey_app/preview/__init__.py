"""Preview of the questionnaires for reviewers, auditors and admins: nothing is stored."""
