"""Publishers: where a claimed post goes. The outbox (dry run) and a test/benchmark publisher live
here; the network publishers (X, Bluesky, Mastodon) plug into the same interface."""
