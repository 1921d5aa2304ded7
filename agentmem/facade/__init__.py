"""The parts of `agentmem.manager.Memory`, one module a job: records, review (facts over
time), models (adapters and chat), and the argument checks they share."""
