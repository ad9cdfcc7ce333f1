"""Cases (办件): the state machine, deadlines, replies, ratings and the event log."""
