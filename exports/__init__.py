"""Data → DataFrames → xlsx/CSV. Imports neither Flask nor the models."""
