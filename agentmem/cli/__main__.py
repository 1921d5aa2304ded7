"""`python -m agentmem.cli`."""

from agentmem.cli import main

main()
