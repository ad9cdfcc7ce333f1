"""The leaders' dashboard (上网看看): what came in, what is urgent, hot, late, and where."""
