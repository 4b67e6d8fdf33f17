"""Helpers shared by the devhost tests (the sample app, its settings)."""
import importlib.util
import sys
import uuid
from pathlib import Path

SAMPLE_APP = Path(__file__).parent / "apps" / "sample"
BROKEN = Path(__file__).parent / "apps" / "broken"  # apps the Python worker refuses, one per file


def sample_env(azurite_service, state_dir: Path, **extra: str) -> dict[str, str]:
    """Settings of the sample app; queue names are unique so tests sharing one Azurite do not interfere."""
    suffix = uuid.uuid4().hex[:8]
    return {
        "SAMPLE_HUB": "SampleHub",
        "SAMPLE_STATE_DIR": str(state_dir / "sample"),
        "SAMPLE_IN_QUEUE": f"in-{suffix}",
        "SAMPLE_OUT_QUEUE": f"out-{suffix}",
        "AzureWebJobsStorage": azurite_service.connection_string,
        **extra,
    }


def load_sample_app():
    """The sample app imported in-process under its own module name (not `function_app`)."""
    # Its sibling modules must be importable, but only at the end of sys.path: first, its
    # function_app.py would shadow the product's for every later `import function_app`.
    if str(SAMPLE_APP) not in sys.path:
        sys.path.append(str(SAMPLE_APP))
    return _load_file("devhost_sample_function_app", SAMPLE_APP / "function_app.py").app


def load_broken(name: str):
    """One of the broken sample apps (apps/broken/NAME.py), imported in-process under its own name."""
    return _load_file(f"devhost_broken_{name}", BROKEN / f"{name}.py").app


def _load_file(module_name: str, path: Path):
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]
