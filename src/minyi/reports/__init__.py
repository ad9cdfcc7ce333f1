"""The periodic 民意 report: weekly and monthly figures, charts, hot issues, late departments, reply examples."""
