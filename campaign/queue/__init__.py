"""The publication queue: its database (engine, models, migrations), accounts, planning, dispatch,
the runner that publishes due posts, and amplification."""
