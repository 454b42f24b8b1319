"""Where a post goes: the publisher (and, next, collector) interfaces and their errors (base), the
registry of networks (built-in and plugins), one folder per network (its client and publisher),
the pool that gives the runner each account's publisher, the outbox and a memory publisher for
tests and benchmarks."""
