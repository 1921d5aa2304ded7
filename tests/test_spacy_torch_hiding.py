"""The parse extractor imports spaCy with torch hidden (a cold torch import is most of its
load time); the hiding must hold in that thread only. A purge or a KV session in another
thread imports torch meanwhile (`agentmem demo` purges while spaCy loads in the background).
Run in a fresh interpreter: torch must not be loaded yet, as in a new process."""

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import sys
    import threading

    from agentmem.facts.extraction.pipeline import torch_hidden_here

    assert "torch" not in sys.modules
    hidden, release = threading.Event(), threading.Event()
    seen = []

    def hold():
        with torch_hidden_here():
            try:
                import torch  # noqa: F401
                seen.append("loaded")
            except ImportError:
                seen.append("hidden")
            hidden.set()
            release.wait(120)

    t = threading.Thread(target=hold)
    t.start()
    hidden.wait(120)
    import torch  # another thread, while the first hides it

    release.set()
    t.join()
    print(seen[0], type(torch.zeros(1)).__name__)
    """
)


def test_torch_is_hidden_from_the_loading_thread_only():
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["hidden", "Tensor"]
