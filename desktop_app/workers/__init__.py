"""Background workers: QObjects moved to QThreads; signals out, slots in."""
