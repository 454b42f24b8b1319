"""Text rules of each network: length, X weighting, graphemes, link and hashtag spans, threads and
escaping for where text lands."""
