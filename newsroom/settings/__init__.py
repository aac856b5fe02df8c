"""Settings package: ``base`` holds what every environment shares; ``local``,
``production`` and ``test`` each start from it and change only what differs."""
