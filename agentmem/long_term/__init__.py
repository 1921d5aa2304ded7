"""Long-term text memory: the only holder of the SQL store and the vector index.

memory.py        LongTermMemory: reads (scope-checked) and the write door, `apply(WritePlan)`
records.py       its reads of events, conflicts and episodes, and its episode writes
plans.py         write plans and the versioning rule they share
indexer.py       the background index writer; index_health.py its checks and repair
episodes.py      every logged input as a searchable memory; timeref.py grounds its dates
keyed.py         memories a caller addresses by its own key
export.py        export and import of a user's rows
"""

from agentmem.long_term.memory import LongTermMemory
from agentmem.long_term.plans import WritePlan, event, new_id, speaker_of

__all__ = ["LongTermMemory", "WritePlan", "event", "new_id", "speaker_of"]
