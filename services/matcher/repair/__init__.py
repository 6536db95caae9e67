"""What runs on clocks so that nothing waits on a message that may never come."""
