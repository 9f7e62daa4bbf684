"""Start the JVM once per process with the ergo-appkit 5 jar shipped in ``ergo-python-appkit``.

The jar is found through the installed package's files; the package's own Python module
is never imported because it starts a JVM with a relative class path on import.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import jpype

from protocol.ergo.errors import JvmError

__all__ = ["appkit_jar", "ensure_jvm"]

_APPKIT_PACKAGE = "ergo_python_appkit"
_lock = threading.Lock()


def appkit_jar() -> Path:
    """Path of the ergo-appkit jar inside the installed ``ergo-python-appkit`` package."""
    spec = importlib.util.find_spec(_APPKIT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise JvmError(
            f"package {_APPKIT_PACKAGE!r} is not installed; install it with "
            "`.venv/bin/pip install ergo-python-appkit==0.3.2`"
        )
    for location in spec.submodule_search_locations:
        jars = sorted((Path(location) / "jars").glob("ergo-appkit-*.jar"))
        if jars:
            return jars[-1]
    raise JvmError(f"no ergo-appkit jar under {_APPKIT_PACKAGE}/jars; reinstall the package")


def ensure_jvm() -> None:
    """Start the JVM with the appkit jar unless this process already started it."""
    with _lock:
        if jpype.isJVMStarted():
            if not any("ergo-appkit" in entry for entry in _class_path()):
                raise JvmError(
                    "a JVM is already running without the ergo-appkit jar; start it through "
                    "protocol.ergo.jvm.ensure_jvm() before any other JPype user"
                )
            return
        jar = appkit_jar()
        try:
            jpype.startJVM(classpath=[str(jar)], convertStrings=False)
        except (OSError, jpype.JVMNotFoundException) as exc:
            raise JvmError(
                f"cannot start a JVM ({exc}); install Java 17, e.g. "
                "`apt-get install openjdk-17-jre-headless`, or set JAVA_HOME"
            ) from exc


def _class_path() -> list[str]:
    system = jpype.JClass("java.lang.System")

    return str(system.getProperty("java.class.path")).split(":")
