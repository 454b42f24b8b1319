"""Where a post goes: the publisher interface and its errors, the registry that finds publishers
(built-in and plugins), one folder per network (client and publisher), the outbox and a memory
publisher for tests and benchmarks."""
