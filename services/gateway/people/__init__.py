"""A person's own data: profile, names, the views of it, export and erasure."""
