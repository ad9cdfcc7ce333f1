"""The staff console's pages: one view service per page, gathering what it shows from the features."""
