"""What the secretariat reads, shares and publishes about the year: the report of the tracked
posts (:mod:`metrics`), its charts and formats, the December story, and the amplification
policy's choices.
"""
