"""What the matcher's tables hold, and how it reads and writes them."""
