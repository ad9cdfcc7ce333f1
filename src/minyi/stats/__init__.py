"""Public statistics (透明度): figures per department and period, computed from the event log."""
