"""What a campaign says: the schedule, its loader and checks, profiles, media and the sandboxed
rendering of post templates."""
