"""Hashtag tracking for the secretariat: who uses the campaign's hashtags, where, when, in which
language, and which of them are pledgers.

``records`` holds the network-neutral shape of an observed post, ``models`` and ``store`` its
tables, ``collect`` the loop every collector runs under (checkpoints saved with the posts, so a
collection killed at any moment resumes with nothing lost or doubled), ``sources`` the
configured sources, ``imports`` the archives (twarc2 JSONL, CSV/JSONL of Bluesky and Mastodon
posts), and ``matching`` the authors matched to pledgers by their declared handles.
"""
