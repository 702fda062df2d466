"""The drip: when each learner's next tip is due, and the thin APScheduler wrapper that sends them."""
