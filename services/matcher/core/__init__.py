"""The pure core: who should talk to whom, a session's arithmetic, prompts. No I/O."""
