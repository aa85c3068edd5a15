"""Pure grant rules: allocation of a pot by a key, per-position grants, eligibility."""
