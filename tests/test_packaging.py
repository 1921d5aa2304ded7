"""agentmem.stores and agentmem.adapters import from a built wheel, not only from the editable
install."""

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

import agentmem

ROOT = Path(__file__).resolve().parents[1]


def test_public_names_are_exported():
    public = {
        name
        for name in dir(agentmem)
        if not name.startswith("_") and not isinstance(getattr(agentmem, name), type(agentmem))
    }
    assert sorted(agentmem.__all__) == sorted(public)
    assert {"Memory", "MemoryConfig", "Scope", "AgentMemError"} <= public


def test_editable_install_maps_subpackages():
    import agentmem.adapters.embeddings
    import agentmem.stores.sql

    assert Path(agentmem.stores.sql.__file__).parent == ROOT / "stores"
    assert Path(agentmem.adapters.embeddings.__file__).parent == ROOT / "adapters"


@pytest.mark.slow
def test_wheel_installs_and_imports_in_a_fresh_virtualenv(tmp_path):
    # build from a clean copy: setuptools reuses ./build, whose stale files could hide a
    # package missing from pyproject's list
    src, dist = tmp_path / "src", tmp_path / "dist"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "__pycache__", ".agentmem", "tests"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(src),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
        ],
        check=True,
    )
    wheel = next(dist.glob("agentmem-*.whl"))
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True
    )
    # Dependencies come from this environment's site-packages, appended after the wheel's,
    # so the editable install here cannot shadow the wheel.
    fresh_site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (fresh_site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    script = (
        "import agentmem, agentmem.stores.sql, agentmem.adapters.embeddings, tempfile\n"
        "print(agentmem.stores.sql.__file__)\n"
        "print(agentmem.adapters.embeddings.__file__)\n"
        "from agentmem import Memory\n"
        "with Memory(home=tempfile.mkdtemp(), embedding={'model': 'hash'}) as m:\n"
        "    r = m.add('packaged memory works', 'u')\n"
        "    print(m.search('packaged', 'u')[0].record.id == r.id)\n"
    )
    out = subprocess.check_output([python, "-c", script], text=True, cwd=tmp_path).split()
    assert out[0].startswith(str(fresh_site)) and out[0].endswith("agentmem/stores/sql.py")
    assert out[1].startswith(str(fresh_site)) and out[1].endswith("agentmem/adapters/embeddings.py")
    assert out[2] == "True"
    # every source module ships (a package missing from pyproject's list would not), and
    # the console script runs from the wheel
    shipped = {
        str(p.relative_to(fresh_site / "agentmem")) for p in (fresh_site / "agentmem").rglob("*.py")
    }
    source = {str(p.relative_to(ROOT / "agentmem")) for p in (ROOT / "agentmem").rglob("*.py")}
    source |= {
        f"{top}/{p.relative_to(ROOT / top)}"
        for top in ("stores", "adapters")
        for p in (ROOT / top).rglob("*.py")
    }
    assert source - shipped == set(), "modules left out of the wheel: add their packages"
    help_text = subprocess.check_output([env_dir / "bin" / "agentmem", "--help"], text=True)
    assert "search" in help_text and "serve" in help_text
