"""Publishers: where a claimed post goes. The outbox (outbox accounts) and a test/benchmark publisher
live here; the network publishers (X, Bluesky, Mastodon) plug into the same interface."""
