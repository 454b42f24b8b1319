"""A plugin package whose export format entry point names an attribute that is not here."""
