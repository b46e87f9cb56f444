"""One module per command; each imports its heavy dependencies only when it runs."""
