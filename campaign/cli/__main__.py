"""``python -m campaign.cli``: the same command as the ``campaign`` script."""

from campaign.cli.main import main

main()
