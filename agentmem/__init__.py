"""agentmem: memory for LLM agents."""
