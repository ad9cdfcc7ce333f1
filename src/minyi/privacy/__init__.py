"""Personal data over time (PIPL): retention of contact data, citizens' requests, access audit."""
