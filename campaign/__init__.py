"""Schedule, render and export the posts of a social media advocacy campaign."""

__version__ = "0.1.0"
