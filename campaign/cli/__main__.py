"""``python -m campaign.cli``: the same command as the ``campaign`` script."""

from campaign.cli.app import main

main()
