"""bluesky: its API client set-up and its publisher."""
