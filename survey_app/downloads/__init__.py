"""Downloads of a round's exports: the economy report and the raw responses."""
